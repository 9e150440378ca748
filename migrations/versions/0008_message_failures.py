"""messages: a structured failure (kind and provider code) beside the human reason

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# How the reasons written before this revision began: their prefix was the only record of the kind.
KIND_OF_PREFIX = {
    'temporary:': 'temporary',
    'gave up after': 'temporary',
    'permanent:': 'permanent',
    'ambiguous:': 'ambiguous',
    'the worker stopped while sending': 'ambiguous',
}


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failure_kind', sa.Enum('temporary', 'permanent', 'ambiguous', name='failure_kind', native_enum=False, length=20), nullable=True))
        batch_op.add_column(sa.Column('failure_code', sa.String(length=16), nullable=True))
    messages = sa.table('messages', sa.column('error', sa.String), sa.column('failure_kind', sa.String))
    for prefix, kind in KIND_OF_PREFIX.items():
        op.execute(
            messages.update()
            .where(messages.c.error.startswith(prefix, autoescape=True), messages.c.failure_kind.is_(None))
            .values(failure_kind=kind)
        )


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('failure_code')
        batch_op.drop_column('failure_kind')
