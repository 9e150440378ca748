"""Commit, then nudge: a service that writes outbox rows wakes the workers once its commit is done.

The nudge is observed where the workers would find it: the Celery queue (a Redis list) in the run's Redis.

Under the per-test transaction (`rolled_back_db`) a service's `commit()` releases a savepoint of the
connection, but it ends the session's outermost transaction all the same: that is what `after_commit`
reports and what a request's commit is. Savepoints the code opens itself (`begin_nested`) are inner
transactions of the session: their release nudges nothing, their rollback drops only their own writes.
The last test commits for real, without the per-test transaction.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from sqlalchemy import func, select, update

from contactbook.audit import services as audit
from contactbook.extensions import TaskClient, db, tasks
from contactbook.messaging.services.outbox import DISPATCH_TASK, Outbox, recipients
from contactbook.messaging.vocabulary import FailureKind
from contactbook.models import Message, MessageStatus, Notice
from contactbook.models.base import utcnow
from contactbook.notices.services import Audience, create_notice, retry_failed
from tests.messaging.conftest import SubscribedSchool, build_subscribed_school

QUEUE = "celery"  # Celery's default queue: a list in the broker's Redis database


@pytest.fixture
def broker(urls: dict[str, str]) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(urls["REDIS_URL"])
    yield client
    client.close()


@pytest.fixture
def giao(ctx: None, broker: redis.Redis) -> SubscribedSchool:
    school = build_subscribed_school(3)
    broker.delete(QUEUE)  # building the school nudges nothing; start from an empty queue whatever it did
    return school


def queued_tasks(broker: redis.Redis) -> list[str]:
    """The names of the tasks waiting in the queue."""
    return [json.loads(raw)["headers"]["task"] for raw in broker.lrange(QUEUE, 0, -1)]


def notice_to(giao: SubscribedSchool) -> Notice:
    return create_notice(
        giao.school,
        giao.admin,
        title="Họp phụ huynh",
        body="Họp lúc 8 giờ.",
        category="general",
        urgent=False,
        audience=Audience("classes", (giao.school_class.id,)),
    )


def write_outbox(giao: SubscribedSchool, tag: str) -> int:
    """Write one SMS per guardian of `giao` (keys marked `tag`), without committing; returns how many."""
    now = utcnow()
    outbox = Outbox(giao.school, kind="notice", category="general", now=now)
    for recipient in recipients(giao.school, giao.student_ids, "general", now):
        outbox.add(recipient, key=f"nudge-test:{tag}:{recipient.guardian_id}", body=f"Tin {tag}", segments=1)
    return outbox.write()


def message_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Message)) or 0)


def assert_dropped(giao: SubscribedSchool, broker: redis.Redis) -> None:
    """Nothing was nudged, nor is at the next commit; then a real write is nudged, once (nothing carried)."""
    commit_something_else(giao)
    assert broker.llen(QUEUE) == 0
    assert message_count() == 0
    notice_to(giao)
    assert queued_tasks(broker) == [DISPATCH_TASK]


def commit_something_else(giao: SubscribedSchool) -> None:
    """A later, unrelated unit of work that commits (it writes no outbox row)."""
    audit.record("nudge.test", actor=giao.admin, school_id=giao.school.id)
    db.session.commit()


# --- A service's commit -----------------------------------------------------------------------------


def test_a_committed_notice_nudges_the_workers_once(giao: SubscribedSchool, broker: redis.Redis) -> None:
    notice_to(giao)

    assert queued_tasks(broker) == [DISPATCH_TASK]
    assert message_count() == 3


def test_two_outbox_writes_in_one_commit_nudge_once(giao: SubscribedSchool, broker: redis.Redis) -> None:
    assert write_outbox(giao, "a") == 3
    assert write_outbox(giao, "b") == 3
    assert broker.llen(QUEUE) == 0  # nothing before the commit: the workers would find no rows yet

    db.session.commit()

    assert queued_tasks(broker) == [DISPATCH_TASK]
    assert message_count() == 6


def test_each_commit_nudges_once(giao: SubscribedSchool, broker: redis.Redis) -> None:
    notice_to(giao)
    notice_to(giao)

    assert queued_tasks(broker) == [DISPATCH_TASK, DISPATCH_TASK]


def test_a_rolled_back_write_sends_nothing_even_at_the_next_commit(giao: SubscribedSchool, broker: redis.Redis) -> None:
    write_outbox(giao, "a")
    db.session.rollback()
    assert broker.llen(QUEUE) == 0

    assert_dropped(giao, broker)


def test_a_write_in_a_session_closed_without_commit_sends_nothing(giao: SubscribedSchool, broker: redis.Redis) -> None:
    write_outbox(giao, "a")
    db.session.close()  # as at the end of a request that did not commit
    db.session.add_all([giao.school, giao.admin, giao.school_class])  # closing let them go; later work uses them

    assert_dropped(giao, broker)


def test_a_commit_without_outbox_rows_does_not_nudge(giao: SubscribedSchool, broker: redis.Redis) -> None:
    commit_something_else(giao)

    assert broker.llen(QUEUE) == 0
    notice_to(giao)
    assert queued_tasks(broker) == [DISPATCH_TASK]


# --- Savepoints --------------------------------------------------------------------------------------


def test_a_rolled_back_savepoint_drops_its_own_write(giao: SubscribedSchool, broker: redis.Redis) -> None:
    savepoint = db.session.begin_nested()
    write_outbox(giao, "a")
    savepoint.rollback()

    assert_dropped(giao, broker)


def test_a_rolled_back_savepoint_keeps_the_write_made_before_it(giao: SubscribedSchool, broker: redis.Redis) -> None:
    write_outbox(giao, "a")
    savepoint = db.session.begin_nested()
    write_outbox(giao, "b")
    savepoint.rollback()

    db.session.commit()

    assert queued_tasks(broker) == [DISPATCH_TASK]
    assert message_count() == 3


def test_a_released_savepoint_nudges_only_at_the_outer_commit(giao: SubscribedSchool, broker: redis.Redis) -> None:
    with db.session.begin_nested():
        write_outbox(giao, "a")
    assert broker.llen(QUEUE) == 0  # released, but the outer transaction is not committed yet

    db.session.commit()

    assert queued_tasks(broker) == [DISPATCH_TASK]


def test_a_released_savepoint_sends_nothing_when_the_outer_rolls_back(
    giao: SubscribedSchool, broker: redis.Redis
) -> None:
    with db.session.begin_nested():
        write_outbox(giao, "a")
    db.session.rollback()

    assert_dropped(giao, broker)


# --- Retrying failures --------------------------------------------------------------------------------


def test_retrying_failures_nudges_only_when_messages_are_queued_again(
    giao: SubscribedSchool, broker: redis.Redis
) -> None:
    notice = notice_to(giao)
    broker.delete(QUEUE)

    assert retry_failed(giao.school, giao.admin, notice) == 0
    assert broker.llen(QUEUE) == 0

    failed = {"status": MessageStatus.FAILED, "error": "Twilio HTTP 503", "failure_kind": FailureKind.TEMPORARY}
    db.session.execute(update(Message).where(Message.notice_id == notice.id).values(**failed))
    db.session.commit()
    assert retry_failed(giao.school, giao.admin, notice) == 3
    assert queued_tasks(broker) == [DISPATCH_TASK]


# --- The broker away ------------------------------------------------------------------------------------


def test_a_commit_when_redis_is_away_is_kept_and_the_failed_nudge_logged(
    giao: SubscribedSchool, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    away = Flask("redis-away")
    away.config["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    client = TaskClient()
    client.init_app(away)
    monkeypatch.setattr(tasks, "celery", client.celery)  # the web's client, on a broker that is not there

    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        notice = notice_to(giao)

    assert time.monotonic() - started < 6
    assert "Could not nudge the workers" in caplog.text
    db.session.expire_all()
    assert message_count() == 3 and db.session.get(Notice, notice.id) is not None  # committed: the sweep finds it


# --- A real commit -------------------------------------------------------------------------------------


@pytest.mark.committed
@pytest.mark.usefixtures("committed_db")
def test_a_real_commit_nudges_once(app: Flask, broker: redis.Redis) -> None:
    with app.test_request_context():
        giao = build_subscribed_school(2, slug="nudge-real")
        broker.delete(QUEUE)
        notice_to(giao)
        assert queued_tasks(broker) == [DISPATCH_TASK]
        db.session.remove()
