"""Extension objects, created unbound; `create_app` binds them with `init_app`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg
from celery import Celery
from flask import Flask, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from psycopg import sql
from sqlalchemy import ARRAY, ColumnElement, Table, any_, insert, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from contactbook.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, strategy="fixed-window")


def among(column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL one array parameter, `column = ANY(%s)`.

    An IN list of 10,000 ids is 10,000 bound parameters: building, converting and parsing them costs
    more than running the query. The array is one parameter whatever its length.
    """
    values = list(values)
    if db.engine.dialect.name == "postgresql":
        return column == any_(literal(values, ARRAY(column.type)))
    return column.in_(values)


def insert_many(table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (each naming the same columns) in the session's transaction; COPY on PostgreSQL.

    COPY takes 10,000 outbox rows in a fraction of the time an INSERT per row takes. Values go through
    each column type's own conversion first (enums to their values, times to UTC), as with an INSERT;
    Python-side column defaults are not applied, so the rows must give those columns. COPY refuses a
    table under row-level security, so the rows are copied into a temporary table of the same columns
    and moved with one INSERT ... SELECT, which the table's policies check row by row.
    """
    if not rows:
        return
    names = list(rows[0])
    missing = sorted(c.name for c in table.c if c.default is not None and c.name not in names)
    if missing:
        raise ValueError(f"insert_many into {table.name}: give a value for {', '.join(missing)}")
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        db.session.execute(insert(table), rows)
        return
    convert = [table.c[name].type.bind_processor(dialect) for name in names]
    target, staging = sql.Identifier(table.name), sql.Identifier(f"insert_many_{table.name}")
    columns = sql.SQL(", ").join(map(sql.Identifier, names))
    statement = sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(target, columns, columns, staging)
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor:
            cursor.execute(
                sql.SQL("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
                    staging, columns, target
                )
            )
            with cursor.copy(sql.SQL("COPY {} FROM STDIN").format(staging)) as copy:
                for row in rows:
                    copy.write_row([f(row[n]) if f else row[n] for f, n in zip(convert, names, strict=True)])
            cursor.execute(statement)
            cursor.execute(sql.SQL("DROP TABLE {}").format(staging))
    except psycopg.errors.IntegrityError as exc:  # as an INSERT would report it: callers catch one kind
        raise IntegrityError(str(statement.as_string(driver)), None, exc) from exc


def conflict_insert(entity: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say what to do when a row meets a unique key (ON CONFLICT), on PostgreSQL and SQLite."""
    if db.engine.dialect.name == "postgresql":
        return postgresql.insert(entity)
    return sqlite.insert(entity)


class TaskClient:
    """Sends Celery tasks by name, so the web never imports worker code."""

    def __init__(self) -> None:
        self.celery: Celery | None = None

    def init_app(self, app: Flask) -> None:
        self.celery = Celery("contactbook-web", broker=app.config["REDIS_URL"], set_as_current=False)
        # A request must not hang on an unreachable or stuck Redis (Kombu's default waits forever):
        # at most about two seconds, then the caller gets an error to log; the beat sweep delivers anyway.
        self.celery.conf.update(
            broker_transport_options={"socket_connect_timeout": 1, "socket_timeout": 1},
            task_publish_retry_policy={
                "max_retries": 1,
                "interval_start": 0,
                "interval_step": 0.2,
                "interval_max": 0.2,
            },
        )
        app.extensions["task_client"] = self

    def send(self, name: str, *args: Any) -> str:
        """Queue task `name` with `args`; call only after the commit that the task reads."""
        assert self.celery is not None, "TaskClient.init_app was not called"
        return str(self.celery.send_task(name, args=args).id)


tasks = TaskClient()


def client_address() -> str:
    """The caller's address, as seen after ProxyFix where it is enabled."""
    return request.remote_addr or "unknown"


# How long a writer waits for another to finish before SQLite gives up ("database is locked").
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock at the start, waiting (busy_timeout) while another writer holds
    # it. A plain (deferred) BEGIN reads first and upgrades on the first write; if another connection
    # wrote in between, SQLite answers "database is locked" at once, without waiting (WAL snapshots
    # cannot be upgraded). Readers are never blocked in WAL mode, whatever the writers do.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_sqlite(app: Flask) -> None:
    """Make SQLite (one-machine use) behave: foreign keys, WAL, writers that wait, working savepoints."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
