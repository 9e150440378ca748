"""messages: two indexes fewer to maintain per row written (a guardian's messages are found by the
guardian-and-student index; only sent messages, which have one, are indexed by provider reference)

Every message is written four times on its way out (queued, claimed, sending, sent) and each version of
the row adds an entry to every index of the table: the guardian's index repeated the first column of
`ix_messages_guardian_student`, and the provider reference index held a NULL for each version before
the message was sent.

Building the partial index holds writes to `messages` while it runs (not CONCURRENTLY: the migrations run in
one transaction): on a large production table, apply it at a quiet hour (delivery waits, nothing is lost).

Revision ID: 0020_message_indexes
Revises: 0019_totp_last_step
Create Date: 2026-12-06 16:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_message_indexes'
down_revision = '0019_totp_last_step'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_guardian_id')
        batch_op.drop_index('ix_messages_provider_ref')
        batch_op.create_index(
            'ix_messages_provider_ref',
            ['provider_ref'],
            unique=False,
            postgresql_where=sa.text('provider_ref IS NOT NULL'),
            sqlite_where=sa.text('provider_ref IS NOT NULL'),
        )


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_provider_ref')
        batch_op.create_index('ix_messages_provider_ref', ['provider_ref'], unique=False)
        batch_op.create_index('ix_messages_guardian_id', ['guardian_id'], unique=False)
