"""Row-level security on PostgreSQL: its two roles, the school setting, and the DDL of a tenant table.

A tenant table is every table with a `school_id` column. The migration that creates one calls
`protect_tenant_table` for it, which enables and forces row-level security and adds two policies:

- `school_rows`, for `SCHOOL_ROLE`: only the rows of the school named by the transaction's setting
  `contactbook.school_id`. Where `school_id` may be NULL (platform accounts, platform audit rows), those
  rows are seen only while no school is set: a school never sees them, the platform pages do.
- `delivery_rows`, for `DELIVERY_ROLE`, the only role that crosses schools: every row, but only while the
  transaction really runs as that role (`SET ROLE`), never for a login role that merely inherits it.

The app chooses the role and the school for each transaction (`contactbook.tenancy`); the migrations run
as the tables' owner. `tests/test_row_level_security.py` fails for a tenant table without the policies.
These functions are called by migrations: change what they do only with a new function, so that an old
migration keeps doing what it did.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Connection, text

SCHOOL_ROLE = "contactbook_school"
DELIVERY_ROLE = "contactbook_delivery"
ROLES = (SCHOOL_ROLE, DELIVERY_ROLE)
SCHOOL_SETTING = "contactbook.school_id"
# The school of the transaction; NULL when none is set (an unset or empty setting).
CURRENT_SCHOOL = f"nullif(current_setting('{SCHOOL_SETTING}', true), '')::integer"
SCHOOL_POLICY = "school_rows"
DELIVERY_POLICY = "delivery_rows"
TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


def _schema() -> str:
    return str(op.get_bind().scalar(text("select quote_ident(current_schema())")))


def _database() -> str:
    return str(op.get_bind().scalar(text("select quote_ident(current_database())")))


def create_roles() -> None:
    """The two roles (unless the cluster has them), their privileges here, and the owner's right to take them.

    Tables created later by the same owner get the privileges too (default privileges); each still needs
    `protect_tenant_table` in its migration.
    """
    schema, database = _schema(), _database()
    for role in ROLES:
        op.execute(
            f"""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                BEGIN
                  CREATE ROLE {role} NOLOGIN;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN
                  NULL;  -- made meanwhile by the migration of another database of the cluster
                END;
              END IF;
              IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN
                EXECUTE format('GRANT {role} TO %I', current_user);
              END IF;
            END $$
            """
        )
        op.execute(f"GRANT TEMPORARY ON DATABASE {database} TO {role}")  # `insert_many` stages rows in one
        op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        op.execute(f"GRANT {TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA {schema} TO {role}")
        op.execute(f"REVOKE ALL ON alembic_version FROM {role}")
        op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
        op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {TABLE_PRIVILEGES} ON TABLES TO {role}")
        op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}")


def drop_roles() -> None:
    """Undo `create_roles` here; the roles themselves go unless another database of the cluster uses them."""
    schema, database = _schema(), _database()
    for role in ROLES:
        op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON TABLES FROM {role}")
        op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON SEQUENCES FROM {role}")
        op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}")
        op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}")
        op.execute(f"REVOKE ALL ON SCHEMA {schema} FROM {role}")
        op.execute(f"REVOKE ALL ON DATABASE {database} FROM {role}")
        op.execute(
            f"""
            DO $$ BEGIN
              DROP ROLE {role};
            EXCEPTION WHEN dependent_objects_still_exist THEN
              RAISE NOTICE 'role {role} is kept: another database uses it';
            END $$
            """
        )


def school_rows(nullable: bool) -> str:
    """The condition of the school policy: the rows of the transaction's school (and platform rows without one)."""
    own = f"school_id = {CURRENT_SCHOOL}"
    return f"({own} OR (school_id IS NULL AND {CURRENT_SCHOOL} IS NULL))" if nullable else own


def protect_tenant_table(table: str) -> None:
    """Row-level security on `table` (it has a `school_id` column): call it in the migration that creates it."""
    nullable = op.get_bind().scalar(
        text(
            "select is_nullable = 'YES' from information_schema.columns"
            " where table_schema = current_schema() and table_name = :table and column_name = 'school_id'"
        ),
        {"table": table},
    )
    if nullable is None:
        raise ValueError(f"{table} has no school_id column: it is not a tenant table")
    rows = school_rows(bool(nullable))
    as_delivery = f"current_user = '{DELIVERY_ROLE}'"
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {SCHOOL_POLICY} ON {table} TO {SCHOOL_ROLE} USING ({rows}) WITH CHECK ({rows})")
    op.execute(
        f"CREATE POLICY {DELIVERY_POLICY} ON {table} TO {DELIVERY_ROLE}"
        f" USING ({as_delivery}) WITH CHECK ({as_delivery})"
    )


def unprotect_tenant_table(table: str) -> None:
    """Undo `protect_tenant_table` (a migration's downgrade)."""
    op.execute(f"DROP POLICY IF EXISTS {DELIVERY_POLICY} ON {table}")
    op.execute(f"DROP POLICY IF EXISTS {SCHOOL_POLICY} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def tenant_tables(connection: Connection) -> list[str]:
    """Every table of the current schema with a `school_id` column, from the live catalog."""
    return list(
        connection.scalars(
            text(
                "select c.table_name from information_schema.columns c"
                " join information_schema.tables t using (table_schema, table_name)"
                " where c.table_schema = current_schema() and c.column_name = 'school_id'"
                " and t.table_type = 'BASE TABLE' order by c.table_name"
            )
        )
    )
