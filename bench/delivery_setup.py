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

from celery import Celery  # noqa: E402
from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.stores import bench_database, bench_redis  # noqa: E402
from contactbook import create_app  # noqa: E402
from contactbook.extensions import db  # noqa: E402
from contactbook.models import Message, MessageStatus  # noqa: E402
from contactbook.models.messaging import FINAL_STATUSES  # noqa: E402
from tests.messaging.conftest import (  # noqa: E402
    ACCOUNT_SID,
    AUTH_TOKEN,
    SERVICE_SID,
    DeliveryWorker,
    FakeTwilio,
    start_fake_twilio,
)


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
    """Messages not yet final.

    Asked ten times a second while the pipeline runs, on the same cores: by status (the due index, a few
    hundred rows) it costs a tenth of what a scan of the notice's 10,000 rows costs, so a bench without
    `notice_id` (one notice in its database) measures the pipeline, not its own polling.
    """
    db.session.rollback()
    unfinished = [status for status in MessageStatus if status not in FINAL_STATUSES]
    query = select(func.count()).select_from(Message).where(Message.status.in_(unfinished))
    if notice_id is not None:
        query = query.where(Message.notice_id == notice_id)
    return int(db.session.scalar(query) or 0)
