"""service_settings: the school's bank account that families pay into (VietQR payment codes)

service_settings is already a protected tenant table (0009); new columns need no new policy.

Revision ID: 0014_bank_account
Revises: 0013_notice_reads
Create Date: 2026-12-06 06:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0014_bank_account'
down_revision = '0013_notice_reads'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('service_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_bin', sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column('bank_account_number', sa.String(length=19), nullable=True))
        batch_op.add_column(sa.Column('bank_account_name', sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table('service_settings', schema=None) as batch_op:
        batch_op.drop_column('bank_account_name')
        batch_op.drop_column('bank_account_number')
        batch_op.drop_column('bank_bin')
