"""data_requests: a family's request for a copy or the erasure of its data in one school

A tenant table: row-level security on PostgreSQL from the start.

Revision ID: 0016_data_requests
Revises: 0014_bank_account
Create Date: 2026-12-06 06:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from contactbook.models.base import UTCDateTime
from contactbook.row_security import protect_tenant_table, unprotect_tenant_table


revision = '0016_data_requests'
down_revision = '0014_bank_account'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('family_id', sa.Integer(), nullable=False),
        sa.Column('guardian_ids', sa.JSON(), nullable=False),
        sa.Column('kind', sa.Enum('copy', 'erasure', name='data_request_kind', native_enum=False, length=20), nullable=False),
        sa.Column('status', sa.Enum('pending', 'provided', 'erased', name='data_request_status', native_enum=False, length=20), nullable=False),
        sa.Column('requested_at', UTCDateTime(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('answered_at', UTCDateTime(), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_data_requests_answered_by_id_users')),
        sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_data_requests_family_id_families')),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_data_requests_school_id_schools')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_requests')),
    )
    with op.batch_alter_table('data_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_requests_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_requests_school_id'), ['school_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        protect_tenant_table('data_requests')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        unprotect_tenant_table('data_requests')
    with op.batch_alter_table('data_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_requests_school_id'))
        batch_op.drop_index(batch_op.f('ix_data_requests_family_id'))
    op.drop_table('data_requests')
