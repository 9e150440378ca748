"""Delivery hands the next chunk over while the previous one travels, and never one not yet `sending`.

The SMS provider here is a stand-in at the provider's interface (`submit_many`), so the test can see the
moment each chunk is handed over: which messages it holds, their state as another connection reads it
then (committed `sending`, or the chunk could go twice after a crash), and whether the previous chunk's
answer had come back yet.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field

import pytest
from flask import Flask
from sqlalchemy import create_engine, select

from contactbook.extensions import db
from contactbook.messaging.providers import EXTENSION_KEY
from contactbook.messaging.providers.base import SendResult, TemporaryFailure
from contactbook.messaging.ratelimit import RateLimiter
from contactbook.messaging.services import delivery
from contactbook.models import Message, MessageStatus
from tests.messaging.conftest import build_subscribed_school
from tests.messaging.test_delivery_e2e import messages_of, notice_for

pytestmark = [pytest.mark.committed, pytest.mark.usefixtures("committed_db")]

ANSWER_WITHOUT_NEXT = 2.0  # seconds a chunk waits for the next hand-over before it is answered anyway


@dataclass
class Handover:
    ids: list[int]
    states: set[str]  # the chunk's messages as another connection saw them when it was handed over
    previous_answered: bool | None  # whether the chunk before had its answer (None for the first)
    result: Future[list[SendResult | Exception]] = field(default_factory=Future)


class WatchingProvider:
    """Answers each chunk once the next one is handed over (or after a while): a chunk handed over only
    after the previous answer would show `previous_answered` True every time."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(database_url)
        self.handovers: list[Handover] = []
        self.fail: set[int] = set()  # message ids the provider answers busy
        self.lock = threading.Lock()

    def submit_many(self, items: list[tuple[int, str, str]]) -> Future[list[SendResult | Exception]]:
        ids = [message_id for message_id, _, _ in items]
        with self.engine.connect() as connection:
            states = set(connection.scalars(select(Message.status).where(Message.id.in_(ids))))
        with self.lock:
            previous = self.handovers[-1] if self.handovers else None
            handover = Handover(ids, {str(s.value) for s in states}, previous.result.done() if previous else None)
            self.handovers.append(handover)
        if previous is not None and not previous.result.done():
            self._answer(previous)
        timer = threading.Timer(ANSWER_WITHOUT_NEXT, self._answer, args=(handover,))
        timer.daemon = True
        timer.start()
        return handover.result

    def _answer(self, handover: Handover) -> None:
        with self.lock:
            if handover.result.done():
                return
            handover.result.set_result(
                [
                    TemporaryFailure("busy", 503) if message_id in self.fail else SendResult(f"SM{message_id:032d}")
                    for message_id in handover.ids
                ]
            )

    def send_many(self, items: list[tuple[int, str, str]]) -> list[SendResult | Exception]:
        return self.submit_many(items).result()


@pytest.fixture
def watching(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[WatchingProvider]:
    provider = WatchingProvider(app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setitem(app.config, "SMS_CONCURRENCY", 2)
    monkeypatch.setitem(app.config, "SMS_RATE", 1000)
    monkeypatch.setitem(app.extensions, EXTENSION_KEY, {"pid": os.getpid(), "sms": provider})
    with app.test_request_context():
        yield provider
    provider.engine.dispose()


def test_each_chunk_is_handed_over_sending_and_before_the_previous_answer(watching: WatchingProvider) -> None:
    world = build_subscribed_school(7)
    notice_id = notice_for(world)

    totals = delivery.dispatch()

    handovers = watching.handovers
    assert [len(h.ids) for h in handovers] == [2, 2, 2, 1]
    assert all(h.states == {MessageStatus.SENDING.value} for h in handovers)
    # The second, third and fourth chunks left while the one before them was still unanswered.
    assert [h.previous_answered for h in handovers] == [None, False, False, False]
    messages = messages_of(notice_id)
    assert {m.status for m in messages} == {MessageStatus.SENT}
    assert sorted(m.id for m in messages) == sorted(i for h in handovers for i in h.ids)
    assert {m.provider_ref for m in messages} == {f"SM{m.id:032d}" for m in messages}
    assert totals == {"sent": 7}


def test_the_last_chunk_in_flight_is_recorded_with_its_own_outcomes(app: Flask, watching: WatchingProvider) -> None:
    world = build_subscribed_school(5)
    notice_id = notice_for(world)
    ids = [m.id for m in messages_of(notice_id)]
    watching.fail = {ids[-1]}  # the last message, alone in the last chunk, meets a busy provider

    totals = delivery.dispatch()

    by_id = {m.id: m for m in messages_of(notice_id)}
    assert by_id[ids[-1]].status == MessageStatus.QUEUED and by_id[ids[-1]].attempts == 1
    assert {by_id[i].status for i in ids[:-1]} == {MessageStatus.SENT}
    assert totals == {"sent": 4, "queued": 1}
    db.session.rollback()


def test_a_failure_while_the_next_chunk_is_prepared_still_writes_the_chunk_in_flight(
    watching: WatchingProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_subscribed_school(4)
    notice_id = notice_for(world)
    ids = [m.id for m in messages_of(notice_id)]
    watching.fail = {ids[0]}  # the provider answers the first message "busy": it is to be tried again
    waits = iter([None, ConnectionError("Redis went away")])

    def acquire(self: object, n: int) -> None:
        wait = next(waits)
        if wait is not None:
            raise wait

    monkeypatch.setattr(RateLimiter, "acquire", acquire)

    with pytest.raises(ConnectionError):
        delivery.dispatch()

    by_id = {m.id: m for m in messages_of(notice_id)}
    # The first chunk reached the provider: its answers are written, the busy one queued again.
    assert by_id[ids[0]].status == MessageStatus.QUEUED and by_id[ids[0]].failure_kind is not None
    assert by_id[ids[1]].status == MessageStatus.SENT
    # The second never left: still claimed, for the sweep to queue again.
    assert {by_id[i].status for i in ids[2:]} == {MessageStatus.CLAIMED}
    assert [h.ids for h in watching.handovers] == [ids[:2]]
