"""families and their sign-in secrets (the families' portal)

Neither table is a tenant table: a family may have children in several schools, and a sign-in
secret is asked for before anyone knows which school (if any) the number belongs to.

Revision ID: 0011_family_sign_in
Revises: 0010
Create Date: 2026-12-06 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from contactbook.models.base import UTCDateTime


revision = '0011_family_sign_in'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'families',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=16), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('last_signed_in_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_families')),
        sa.UniqueConstraint('phone', name=op.f('uq_families_phone')),
        sa.UniqueConstraint('email', name=op.f('uq_families_email')),
    )
    op.create_table(
        'family_sign_ins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('address', sa.String(length=254), nullable=False),
        sa.Column('secret_hash', sa.String(length=128), nullable=False),
        sa.Column('attempts', sa.SmallInteger(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.Column('used_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_family_sign_ins')),
    )
    with op.batch_alter_table('family_sign_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_sign_ins_address'), ['address'], unique=False)
    # Guardians are found by number or address when a family signs in.
    with op.batch_alter_table('guardians', schema=None) as batch_op:
        batch_op.create_index('ix_guardians_phone', ['phone'], unique=False)
        batch_op.create_index('ix_guardians_email', ['email'], unique=False)


def downgrade():
    with op.batch_alter_table('guardians', schema=None) as batch_op:
        batch_op.drop_index('ix_guardians_email')
        batch_op.drop_index('ix_guardians_phone')
    with op.batch_alter_table('family_sign_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_sign_ins_address'))
    op.drop_table('family_sign_ins')
    op.drop_table('families')
