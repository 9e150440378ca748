"""Rate limit: with SMS_RATE=50, the measured sending rate must be within 5 % of 50/s.

Usage: DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/ratelimit.py [messages]
One notice to 600 guardians, two worker threads sharing the Redis limiter, no provider latency. The
rate is measured at the fake Twilio's side from the times the worker recorded each answer (`sent_at`):
messages after the first chunk divided by the time from the first chunk to the last.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from bench.delivery_setup import delivery_stack, pending, wait_workers_ready
from contactbook.extensions import db
from contactbook.models import Message
from contactbook.notices import services as notices
from contactbook.notices.services import Audience
from tests.messaging.conftest import build_subscribed_school

RATE = 50.0
SETTINGS = {"SMS_RATE": RATE, "SMS_CONCURRENCY": 5, "TWILIO_TIMEOUT": 10}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    with delivery_stack(0.0, SETTINGS) as (app, fake, _worker, client), app.test_request_context():
        world = build_subscribed_school(n, slug="ratelimit")
        wait_workers_ready(client)
        notice = notices.create_notice(
            world.school, world.admin, title="Thông báo", body="Nhắc lịch họp.", category="general",
            urgent=False, audience=Audience("school"),
        )  # fmt: skip
        client.send_task("messaging.dispatch")  # a second dispatcher beside the one the commit nudged
        while pending(notice.id):
            time.sleep(0.2)
        db.session.rollback()
        stamps = sorted(t.timestamp() for t in db.session.scalars(select(Message.sent_at)) if t is not None)
        accepted = fake.stats()["accepted"]
    first_chunk = sum(1 for t in stamps if t <= stamps[0] + 0.01)
    measured = (len(stamps) - first_chunk) / (stamps[-1] - stamps[0])
    error = abs(measured - RATE) / RATE
    print(f"{len(stamps)} sent ({accepted} accepted at the fake) in {stamps[-1] - stamps[0]:.2f} s")
    print(f"ratelimit configured={RATE:.0f}/s measured={measured:.2f}/s error={error:.1%} ok={error <= 0.05}")


if __name__ == "__main__":
    main()
