"""service_settings: the school's digest hour (was fixed at 18:00)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 21:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('service_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_hour', sa.SmallInteger(), nullable=False, server_default='18'))


def downgrade():
    with op.batch_alter_table('service_settings', schema=None) as batch_op:
        batch_op.drop_column('digest_hour')
