"""Latency: one class notice per second for a minute; commit → provider accepted, p50 and p99.

Usage: DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/latency.py [seconds] [class size]
A class of 40 subscribed guardians; each notice is committed, and its commit nudges the worker as the web's does.
"Accepted" is when the worker records Twilio's 201 (`sent_at`). Targets: p50 <= 1 s, p99 <= 3 s.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from bench.delivery_setup import delivery_stack, pending, wait_workers_ready
from contactbook.extensions import db
from contactbook.models import Message, MessageStatus
from contactbook.notices import services as notices
from contactbook.notices.services import Audience
from tests.messaging.conftest import build_subscribed_school

SETTINGS = {"SMS_RATE": 1000, "SMS_CONCURRENCY": 64, "TWILIO_TIMEOUT": 10}


def main() -> None:
    duration = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    with delivery_stack(0.05, SETTINGS) as (app, _fake, _worker, client), app.test_request_context():
        world = build_subscribed_school(size, slug="latency")
        wait_workers_ready(client)
        committed: dict[int, float] = {}
        started = time.time()
        for second in range(duration):
            time.sleep(max(0.0, started + second - time.time()))
            notice = notices.create_notice(
                world.school, world.admin, title=f"Thông báo {second}", body="Nhắc lịch họp phụ huynh.",
                category="general", urgent=False, audience=Audience("classes", (world.school_class.id,)),
            )  # fmt: skip
            committed[notice.id] = time.time()  # after the commit, which nudged the worker as the web's does
        deadline = time.time() + 60
        while pending() and time.time() < deadline:
            time.sleep(0.2)
        db.session.rollback()
        rows = db.session.execute(select(Message.notice_id, Message.sent_at, Message.status)).all()
    latencies = sorted(
        sent_at.timestamp() - committed[notice_id]
        for notice_id, sent_at, status in rows
        if status == MessageStatus.SENT and sent_at is not None
    )
    unsent = len(rows) - len(latencies)
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"{len(committed)} notices, {len(rows)} messages, {unsent} not sent; max {latencies[-1]:.3f} s")
    print(f"latency notices={len(committed)} messages={len(latencies)} p50={p50:.3f}s p99={p99:.3f}s targets=1s/3s")


if __name__ == "__main__":
    main()
