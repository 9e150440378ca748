"""Shared set-up of the delivery benchmarks: a bench database, a fake Twilio, a worker, subscribed guardians.

Not a benchmark itself; `fanout.py`, `latency.py` and `ratelimit.py` use it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import redis  # noqa: E402
from celery import Celery  # noqa: E402
from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from contactbook import create_app  # noqa: E402
from contactbook.extensions import db  # noqa: E402
from contactbook.models import Message  # noqa: E402
from contactbook.models.messaging import FINAL_STATUSES  # noqa: E402
from tests.messaging.conftest import (  # noqa: E402
    ACCOUNT_SID,
    AUTH_TOKEN,
    SERVICE_SID,
    DeliveryWorker,
    FakeTwilio,
    start_fake_twilio,
)

BENCH_REDIS_DB = 14


def bench_database() -> str:
    url = make_url(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/contactbook"))
    name = f"{url.database}_bench"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def bench_redis() -> str:
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").split("?")[0].rstrip("/")
    host = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
    url = f"{host}/{BENCH_REDIS_DB}"
    redis.Redis.from_url(url).flushdb()
    return url


@contextmanager
def delivery_stack(
    latency: float, settings: dict[str, Any], pool: str = "threads", concurrency: int = 2
) -> Iterator[tuple[Flask, FakeTwilio, DeliveryWorker, Celery]]:
    """A migrated bench database, a fake Twilio with `latency`, a worker with `settings`, a Celery client."""
    urls = {"DATABASE_URL": bench_database(), "REDIS_URL": bench_redis()}
    base = {"APP_ENV": "test", "SECRET_KEY": "bench", "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, **urls}
    app = create_app({**base, "BASE_DOMAIN": "localhost"})
    with app.app_context():
        upgrade()
    fake = start_fake_twilio(latency)
    worker_settings = {
        "SMS_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_MESSAGING_SERVICE_SID": SERVICE_SID,
        "TWILIO_BASE_URL": fake.base_url,
        **settings,
    }
    env = {**os.environ, **{k: str(v) for k, v in {**base, **worker_settings}.items()}}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    worker = DeliveryWorker(env, pool=pool, concurrency=concurrency, extra=("-I", "bench.noop_tasks"))
    worker.start()
    client = Celery("bench", broker=urls["REDIS_URL"], backend=urls["REDIS_URL"])
    try:
        yield app, fake, worker, client
    finally:
        client.close()
        worker.stop()
        fake.process.terminate()
        fake.process.wait(timeout=10)


def wait_workers_ready(client: Celery, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not client.control.ping(timeout=0.5):
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not start")


def pending(notice_id: int | None = None) -> int:
    """Messages not yet final."""
    db.session.rollback()
    query = select(func.count()).select_from(Message).where(Message.status.not_in(list(FINAL_STATUSES)))
    if notice_id is not None:
        query = query.where(Message.notice_id == notice_id)
    return int(db.session.scalar(query) or 0)
