"""Extension objects, created unbound; `create_app` binds them with `init_app`."""

from __future__ import annotations

from typing import Any

from celery import Celery
from flask import Flask, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from contactbook.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, strategy="fixed-window")


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


def _sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def init_sqlite(app: Flask) -> None:
    """Make SQLite (one-machine use) behave: foreign keys, WAL, and working savepoints."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
