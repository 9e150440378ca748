"""Shared fixtures: one app and one migrated database per run, a rollback per test.

Tests that need data committed for real (a browser, a Celery worker) use `committed_db`, which
empties every table afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from contactbook import create_app
from contactbook.extensions import db
from contactbook.models import Base
from tests.factories import World, make_world
from tests.services import run_database_url, run_redis_url
from tests.support import IsolatedClient, rolled_back_db


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "committed: the test commits for real (browser, worker)")


@pytest.fixture(scope="session")
def urls() -> Iterator[dict[str, str]]:
    with tempfile.TemporaryDirectory(prefix="contactbook-test-") as tmp, run_redis_url() as redis_url:
        yield {"DATABASE_URL": run_database_url(Path(tmp)), "REDIS_URL": redis_url}


def app_settings(urls: dict[str, str]) -> dict[str, Any]:
    """The settings every test app runs with; tests add their own overrides."""
    return {
        "APP_ENV": "test",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": urls["DATABASE_URL"],
        "REDIS_URL": urls["REDIS_URL"],
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "BASE_DOMAIN": "contactbook.test",
    }


@pytest.fixture(scope="session")
def app(urls: dict[str, str]) -> Iterator[Flask]:
    application = create_app(app_settings(urls))
    # Each request gets its own app context, as in production, even while a test holds one open.
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade()
    yield application


@pytest.fixture(autouse=True)
def _fresh_redis(urls: dict[str, str]) -> None:
    """Each test starts with an empty Redis database (rate-limit counters, console outbox)."""
    redis.Redis.from_url(urls["REDIS_URL"]).flushdb()


@pytest.fixture
def db_session(app: Flask, request: pytest.FixtureRequest) -> Iterator[None]:
    """Run the test inside a transaction that is rolled back; services' commits become savepoints."""
    if request.node.get_closest_marker("committed"):
        yield
        return
    with rolled_back_db(app):
        yield


@pytest.fixture
def committed_db(app: Flask) -> Iterator[None]:
    """Data is committed for real (other processes see it); every table is emptied afterwards."""
    yield
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                db.session.execute(text(f"DELETE FROM {name}"))  # noqa: S608 (our own table names)
        db.session.commit()


@pytest.fixture
def ctx(app: Flask, db_session: None) -> Iterator[None]:
    """An app context inside the per-test transaction, for calling services directly."""
    with app.test_request_context():
        yield


@pytest.fixture
def world(ctx: None) -> World:
    """Two schools under one authority, staff with every role in each, an operator and an officer."""
    return make_world()


@pytest.fixture
def client(app: Flask, db_session: None) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def celery_worker(app: Flask, urls: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker process on the test Redis and database (never eager mode).

    One per module, stopped after it: left running, it would take the delivery tests' tasks away from
    their own worker (it sends SMS through the console provider, not their fake Twilio).
    """
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": urls["DATABASE_URL"],
        "REDIS_URL": urls["REDIS_URL"],
        "SECRET_KEY": "test-secret-key",
    }
    command = [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "--pool=solo", "--loglevel=WARNING"]
    worker = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parent.parent)
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
