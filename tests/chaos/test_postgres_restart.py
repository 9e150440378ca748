"""Chaos: PostgreSQL restarts in the middle of 2,000 SMS, then again while the provider's callbacks arrive.

The first restart ends the worker's sessions between handing a chunk to the fake Twilio and writing the
results: those messages end `ambiguous` (never resent). The callbacks, held back until then as a slow
provider's would be, settle them; the second restart (a crash this time) makes the webhook answer 503
to the callbacks that land meanwhile, and the fake posts those again. In the end no message is
ambiguous, every one is `delivered`, and none reached the provider twice.

The test runs its own PostgreSQL server (initdb in a temporary folder, its own port): the machine's
shared server is never restarted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from celery import Celery
from flask import Flask
from flask_migrate import upgrade

from contactbook import create_app
from contactbook.extensions import db
from contactbook.models import MessageStatus
from tests.chaos.conftest import (
    ON_SQLITE,
    N,
    PrivatePostgres,
    check_settled,
    count,
    delivery_stack,
    dispatching,
    handed_over,
    start_notice,
)
from tests.conftest import app_settings
from tests.messaging.conftest import (
    FakeTwilio,
    SmtpServer,
    build_subscribed_school,
    drive_until_final,
    wait_until,
)

pytestmark = [
    pytest.mark.committed,
    pytest.mark.skipif(ON_SQLITE, reason="restarts a PostgreSQL server of its own (CI runs it on PostgreSQL)"),
]


@pytest.fixture
def private_app(private_postgres: PrivatePostgres, urls: dict[str, str]) -> Iterator[Flask]:
    """The app on the private server, migrated, inside a request context."""
    application = create_app({**app_settings(urls), "DATABASE_URL": private_postgres.url})
    with application.app_context():
        upgrade()
    with application.test_request_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def test_postgres_restarted_mid_run_then_callbacks_settle_what_it_left(
    private_app: Flask,
    private_postgres: PrivatePostgres,
    urls: dict[str, str],
    fake_twilio: FakeTwilio,
    smtp_server: SmtpServer,
    celery_client: Celery,
) -> None:
    with delivery_stack(private_postgres.url, urls["REDIS_URL"], fake_twilio, smtp_server):
        # 0.3 s per request: the worker's chunks are `sending` nearly all the time, so the restart lands on one.
        fake_twilio.configure(latency=0.3, callbacks_held=True)
        world = build_subscribed_school(N)
        started = time.monotonic()
        notice_id = start_notice(world, celery_client)
        wait_until(lambda: handed_over() >= 300, 60, 0.05, "the first messages to be sent")
        wait_until(lambda: count(MessageStatus.SENDING) > 0, 30, 0.01, "a chunk in flight")

        private_postgres.stop("fast")
        # Down until the worker's dispatches have failed: they could not write what the provider answered.
        wait_until(lambda: not dispatching(celery_client), 60, 0.2, "the worker's dispatches to fail")
        private_postgres.start()
        unrecorded = count(MessageStatus.SENDING)
        assert handed_over() < N, "the run finished before the restart"
        drive_until_final(celery_client, timeout=120, notice_id=notice_id)
        ambiguous_before = count(MessageStatus.AMBIGUOUS)
        assert ambiguous_before > 0, "the restart kept some results from being written"
        assert ambiguous_before + count(MessageStatus.SENT) == N

        fake_twilio.configure(callbacks_held=False)
        private_postgres.stop("immediate")  # a crash, this time: the server recovers when started
        wait_until(lambda: fake_twilio.stats()["callbacks_retried"] > 0, 60, 0.1, "a callback refused and retried")
        private_postgres.start()
        counts = check_settled(fake_twilio, notice_id)
        assert counts == {"delivered": N}
        print(
            f"\npostgres restart: left sending {unrecorded}, ambiguous before callbacks {ambiguous_before}, "
            f"after {counts.get('ambiguous', 0)}, {counts}, retried callbacks "
            f"{fake_twilio.stats()['callbacks_retried']}, {time.monotonic() - started:.1f} s"
        )
