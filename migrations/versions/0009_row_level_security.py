"""row-level security on every tenant table (PostgreSQL only): roles, grants, policies on school_id

Revision ID: 0009_row_level_security
Revises: 0007
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op

from contactbook.row_security import create_roles, drop_roles, protect_tenant_table, unprotect_tenant_table


# revision identifiers, used by Alembic.
revision = '0009_row_level_security'
down_revision = '0008'
branch_labels = None
depends_on = None

# Every table with a school_id column at this revision. A later migration that creates a tenant table
# calls protect_tenant_table for it itself.
TENANT_TABLES = (
    'users', 'grants', 'audit_log',
    'school_years', 'semesters', 'classes', 'subjects', 'teaching_assignments', 'students', 'enrolments',
    'guardians', 'student_guardians', 'roster_imports',
    'service_settings', 'plans', 'subscriptions', 'consents', 'consent_purposes', 'payments',
    'receipt_sequences', 'renewal_reminders',
    'notices', 'messages',
    'scores', 'score_publications', 'score_corrections', 'term_records',
)


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite (one machine): the application's scoping only
    create_roles()
    for table in TENANT_TABLES:
        protect_tenant_table(table)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in TENANT_TABLES:
        unprotect_tenant_table(table)
    drop_roles()
