"""Fan-out: one notice to 10,000 subscribed guardians by SMS through the fake Twilio (50 ms latency).

Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/contactbook REDIS_URL=redis://127.0.0.1:6379/0 \\
       .venv/bin/python bench/fanout.py [guardians]
Uses (and recreates) `<name>_bench` and Redis database 14. In the same run, with the same broker and
worker (prefork pool, 2 processes), it times 10,000 empty Celery tasks, one per message: the ratio says
how the whole pipeline compares with Celery doing nothing. Then, against the same fake Twilio (same
latency), it times the bare sender: the twilio async client alone in as many processes as the worker
has, 200 requests in flight each, no database and no queue; the share says how close the pipeline
comes to that ceiling. The ceiling is the better of two runs of the bare sender, one before the notice and
one after the empty tasks (each after a checkpoint, with the worker idle): a single run after the pipeline
read it up to a third lower when PostgreSQL was still writing the pipeline's rows, which flattered the share.
Targets: rate >= 500/s, ratio >= 1.0, share >= 0.75.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis
from flask import Flask
from sqlalchemy import text

from bench.bare_sender import bare_rate
from bench.cpu import Meter, children_cpu_seconds, cpu_seconds
from bench.delivery_setup import delivery_stack, pending, wait_workers_ready
from contactbook.extensions import db
from contactbook.notices import services as notices
from contactbook.notices.services import Audience
from tests.messaging.conftest import FakeTwilio, build_subscribed_school

WORKER_THREADS = 2
POOL = "prefork"
SETTINGS = {"SMS_RATE": 100_000, "SMS_CONCURRENCY": 200, "TWILIO_TIMEOUT": 10}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with delivery_stack(0.05, SETTINGS, pool=POOL, concurrency=WORKER_THREADS) as (app, fake, worker, client):
        with app.test_request_context():
            started = time.perf_counter()
            world = build_subscribed_school(n, slug="bench")
            print(f"data: {n} guardians subscribed in {time.perf_counter() - started:.1f} s", flush=True)
            wait_workers_ready(client)
            bare_before, _, _ = _bare(app, fake, n)
            meter = Meter(app.config["SQLALCHEMY_DATABASE_URI"], worker.pid, fake.process.pid)
            meter.start()

            started = time.perf_counter()
            notices.create_notice(
                world.school, world.admin, title="Thông báo", body="Học sinh nghỉ học ngày mai.",
                category="general", urgent=False, audience=Audience("school"),
            )  # fmt: skip
            created = time.perf_counter() - started
            for _ in range(WORKER_THREADS - 1):  # the commit nudged one worker thread; beat's sweep the others
                client.send_task("messaging.dispatch")
            while pending():  # the notice's messages: the only ones in the bench database
                time.sleep(0.1)
            seconds = time.perf_counter() - started
            meter.stop()
            stats = fake.stats()
            messages = int(stats["accepted"])
            print(f"create_notice (commit of {n} outbox rows): {created:.2f} s", flush=True)
            print(f"fake Twilio: {stats['total']} requests, {messages} accepted, {len(stats['duplicates'])} duplicates")

        broker = redis.Redis.from_url(app.config["REDIS_URL"])
        started = time.perf_counter()
        for _ in range(n):
            client.send_task("bench.noop")
        while broker.llen("celery") or broker.hlen("unacked"):
            time.sleep(0.05)
        noop_seconds = time.perf_counter() - started
        print(f"{n} empty tasks: {noop_seconds:.2f} s", flush=True)

        bare_after, bare_senders, bare_fake = _bare(app, fake, n)
        bare = max(bare_before, bare_after)

    # CPU per message holds on a loaded machine where the rates do not (`bench/cpu.py`).
    print(f"cpu_ms_per_message pipeline: {meter.per_message(messages)}")
    print(f"cpu_ms_per_message bare: senders={bare_senders:.3f} fake={bare_fake:.3f} load={os.getloadavg()[0]:.1f}")

    rate, noop_rate = messages / seconds, n / noop_seconds
    print(
        f"fanout messages={messages} seconds={seconds:.2f} rate={rate:.0f}/s "
        f"noop_rate={noop_rate:.0f}/s ratio={rate / noop_rate:.2f} bare_rate={bare:.0f}/s share={rate / bare:.2f}"
    )


def _bare(app: Flask, fake: FakeTwilio, n: int) -> tuple[float, float, float]:
    """The bare sender's rate against `fake` once PostgreSQL has written what it holds, and its CPU per
    message (senders, fake)."""
    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("checkpoint"))
    fake.reset()
    fake_before, senders_before = cpu_seconds(fake.process.pid), children_cpu_seconds()
    rate = bare_rate(fake.base_url, n, processes=WORKER_THREADS, in_flight=SETTINGS["SMS_CONCURRENCY"])
    in_flight = SETTINGS["SMS_CONCURRENCY"]
    print(f"bare sender: {WORKER_THREADS} processes x {in_flight} in flight, {rate:.0f}/s", flush=True)
    fake_ms = 1000 * (cpu_seconds(fake.process.pid) - fake_before) / n
    senders_ms = 1000 * (children_cpu_seconds() - senders_before) / n
    fake.reset()
    return rate, senders_ms, fake_ms


if __name__ == "__main__":
    main()
