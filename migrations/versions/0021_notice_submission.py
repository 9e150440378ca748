"""notices: the token of the preview a notice was confirmed from, unique per school, so a double click on
"Send the notice" (or the confirmation posted again) records the notice and its messages once

Revision ID: 0021_notice_submission
Revises: 0020_message_indexes
Create Date: 2026-12-06 20:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_notice_submission'
down_revision = '0020_message_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint('uq_notices_school_submission', ['school_id', 'submission'])


def downgrade():
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_constraint('uq_notices_school_submission', type_='unique')
        batch_op.drop_column('submission')
