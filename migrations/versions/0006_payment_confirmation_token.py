"""payments: the confirmation token, unique per school (a confirmation is recorded once)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 20:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmation_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_payments_school_confirmation_token'), ['school_id', 'confirmation_token']
        )


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_payments_school_confirmation_token'), type_='unique')
        batch_op.drop_column('confirmation_token')
