"""The delivery pipeline's units of work, and the only code in messaging that commits.

Sending a message at most once rests on the order of the commits here:
- `claim`: due rows become `claimed` in one commit (FOR UPDATE SKIP LOCKED on PostgreSQL);
- `deliver`: the rows that may not go now get their outcome (held, expired, skipped) in one commit, with
  the text of the digests about to go and the outcome of their items (`composing`);
  then, chunk by chunk, the rows about to be handed over are marked `sending` in a commit of their own
  *before* the provider is called, and the results are recorded in a later commit (while the next chunk
  travels);
- `sweep`: a dead worker's `claimed` rows are queued again, its `sending` rows flagged `ambiguous`;
- `record_status`: a provider's status report moves a message on, never backwards, and settles one whose
  send result was never written (`sending` or `ambiguous`) as if it had been.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from contactbook.extensions import among, db
from contactbook.messaging.outcomes import Outcome, outcome_of
from contactbook.messaging.providers.base import PermanentFailure, SendResult
from contactbook.messaging.services import callbacks, claiming, sending
from contactbook.messaging.services.checks import checked
from contactbook.models import Message, MessageStatus
from contactbook.models.base import utcnow

logger = logging.getLogger(__name__)


def claim(limit: int = claiming.BATCH, now: datetime | None = None) -> list[int]:
    """Take up to `limit` due messages for this worker (committed); returns their ids."""
    ids = claiming.claim_due(now or utcnow(), limit)
    db.session.commit()
    return ids


def deliver(ids: list[int]) -> dict[str, int]:
    """Check, send and record a claimed batch; returns counts per outcome."""
    with _Run.running() as run:
        run.deliver(ids)
    return dict(run.counts)


@dataclass(frozen=True)
class _Flight:
    """A chunk handed to its provider (committed `sending` first) whose results are not written yet."""

    channel: str
    part: list[Message]
    stamps: sending.Stamps
    results: Future[list[SendResult | Exception]]


class _Run:
    """The deliveries of one task. A chunk is handed over as soon as its rows are committed `sending`, and
    the previous chunk's results are written while it travels: the provider always has messages in flight
    while this process works with the database (the next chunk, the next batch's claim and checks)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self._flight: _Flight | None = None

    @classmethod
    @contextmanager
    def running(cls) -> Iterator[_Run]:
        """A run whose chunk in flight is written at its end, also when something failed meanwhile (a rate
        limiter or database error while the next chunk was prepared): its provider answered, so its
        results (a temporary failure to retry, a sent message) are written, not left `sending`."""
        run = cls()
        try:
            yield run
        except BaseException:
            db.session.rollback()
            try:
                run.land()
            except Exception:
                logger.exception("could not write the results of the chunk in flight; the sweep will flag it")
            raise
        run.land()

    def deliver(self, ids: list[int]) -> None:
        """Check a claimed batch and hand its chunks over; the last one may still travel on return."""
        now = utcnow()
        messages = _claimed(ids)
        stamps: sending.Stamps = {m.id: m.claimed_at for m in messages}
        ready, outcomes = checked(messages, now)
        sending.record([m for m in messages if m.id in outcomes], outcomes, stamps, MessageStatus.CLAIMED)
        db.session.commit()
        self._count(outcomes.values())
        chunk = int(current_app.config["SMS_CONCURRENCY"])
        for channel in ("sms", "email"):
            batch = [m for m in ready if m.channel == channel]
            if batch and self._flight is not None and self._flight.channel != channel:
                self.land()  # email goes while it is handed over: the SMS in flight are written first
            for start in range(0, len(batch), chunk):
                part = sending.start_sending(channel, batch[start : start + chunk], stamps)
                db.session.commit()  # `sending` is on disk before the provider hears of these messages
                flight = _Flight(channel, part, stamps, sending.send(channel, part)) if part else None
                previous, self._flight = self._flight, flight
                self._write(previous)

    def land(self) -> None:
        """Wait for the chunk in flight, if any, and write its results (committed)."""
        flight, self._flight = self._flight, None
        self._write(flight)

    def _write(self, flight: _Flight | None) -> None:
        if flight is None:
            return
        outcomes: dict[int, Outcome] = {}
        unusable: set[tuple[int, str]] = set()
        for message, result in zip(flight.part, flight.results.result(), strict=True):
            attempts = message.attempts + 1
            outcomes[message.id] = outcome_of(result, channel=flight.channel, attempts=attempts, now=utcnow())
            if isinstance(result, PermanentFailure) and result.unusable_contact:
                unusable.add((message.guardian_id, flight.channel))
        sending.record(flight.part, outcomes, flight.stamps, MessageStatus.SENDING)
        if unusable:
            sending.mark_unusable(unusable)
        db.session.commit()
        self._count(outcomes.values())
        record_early_statuses([outcome.provider_ref for outcome in outcomes.values()])

    def _count(self, outcomes: Iterable[Outcome]) -> None:
        for outcome in outcomes:
            self.counts[outcome.status.value] += 1


def _claimed(ids: list[int]) -> list[Message]:
    """The rows of `ids` still claimed, detached: every write to them is a conditional UPDATE statement.

    Loaded by a session of their own, on the same connection and transaction, closed at once: the commits
    between the chunks then never expire them and reload each one (a query per message), and detaching them
    all at once costs nothing, where `expunge` one by one cost a seventh of the worker's time.
    """
    with Session(bind=db.session.connection(), expire_on_commit=False) as loader:
        return list(
            loader.scalars(
                select(Message)
                .where(among(Message.id, ids), Message.status == MessageStatus.CLAIMED)
                .order_by(Message.id)
            )
        )


def record_early_statuses(provider_refs: list[str | None]) -> None:
    """Record the reports that arrived before these send results were recorded (the race is real)."""
    for ref, status, error_code in callbacks.take_early(provider_refs):
        record_status(ref, status, error_code)


def dispatch(max_batches: int = 1000) -> dict[str, int]:
    """Claim and deliver due messages until none is left (or `max_batches`)."""
    with _Run.running() as run:
        for _ in range(max_batches):
            ids = claim()
            if not ids:
                break
            run.deliver(ids)  # its last chunk travels while the next batch is claimed and checked
    return dict(run.counts)


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Recover after crashes: requeue stale claims, flag stale sends; say whether messages are due.

    Stale means older than the configured MESSAGE_STALE_CLAIM_SECONDS / MESSAGE_STALE_SENDING_SECONDS.
    """
    now = now or utcnow()
    stale_claim = timedelta(seconds=float(current_app.config["MESSAGE_STALE_CLAIM_SECONDS"]))
    stale_sending = timedelta(seconds=float(current_app.config["MESSAGE_STALE_SENDING_SECONDS"]))
    requeued, flagged = claiming.recover_stale(now, stale_claim, stale_sending)
    db.session.commit()
    due = claiming.any_due(now)
    db.session.commit()
    return {"requeued": requeued, "flagged": flagged, "due": int(due)}


def record_status(
    provider_ref: str,
    provider_status: str,
    error_code: str | None,
    message_id: int | None = None,
    to: str | None = None,
) -> bool:
    """Record a provider's status report (committed); False when it was not applied to a message (yet).

    A report naming its message (`message_id`) settles one whose send result was never written; one
    naming only `provider_ref` before the send result is recorded is kept and applied once it is.
    """
    try:
        known = callbacks.apply_status(provider_ref, provider_status, error_code, message_id=message_id, to=to)
        db.session.commit()
    except Exception:
        db.session.rollback()  # the session stays usable for whoever answers the provider
        raise
    return known
