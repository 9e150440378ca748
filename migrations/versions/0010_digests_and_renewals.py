"""messages: a daily digest is a message of its own, its items point to it; renewal reminders are sent

- messages.digest_id: the digest an item is in; messages.digest_on: the school-local day of a digest (and
  of the digest an item is in); messages.subscription_id: the subscription a renewal reminder is about.
- Digest items queued before this revision carry their full text and no digest: they go as single
  messages at the digest hour they were queued for.
- renewal_reminders.status goes: the reminder's messages carry what became of it. The reminders queued
  before this revision were never sent; they are removed, so the next daily run sends those still due.
- The rows are rewritten as the delivery role (PostgreSQL): the tables are under forced row-level
  security, so their owner alone would see, and change, no row.

Revision ID: 0010
Revises: 0009_row_level_security
Create Date: 2026-12-06 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from contactbook.row_security import DELIVERY_ROLE


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009_row_level_security'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('digest_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('subscription_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_messages_digest_id'), ['digest_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_messages_subscription_id_subscriptions'), 'subscriptions', ['subscription_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_messages_digest_id_messages'), 'messages', ['digest_id'], ['id'])

    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        op.execute(f'SET LOCAL ROLE {DELIVERY_ROLE}')
    messages = sa.table('messages', sa.column('digest', sa.Boolean), sa.column('status', sa.String))
    op.execute(
        messages.update()
        .where(messages.c.digest.is_(True), messages.c.status.in_(['queued', 'claimed']))
        .values(digest=False)
    )

    op.execute(sa.table('renewal_reminders').delete())
    if postgresql:
        op.execute('RESET ROLE')  # the owner again, for the schema change
    with op.batch_alter_table('renewal_reminders', schema=None) as batch_op:
        batch_op.drop_column('status')


def downgrade():
    with op.batch_alter_table('renewal_reminders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='queued'))

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_messages_digest_id_messages'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_messages_subscription_id_subscriptions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_messages_digest_id'))
        batch_op.drop_column('subscription_id')
        batch_op.drop_column('digest_on')
        batch_op.drop_column('digest_id')
