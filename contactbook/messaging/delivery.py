"""Delivering the outbox: claim due messages, check them again, send them once, record the outcome.

The rules that keep every message sent at most once:
- a worker claims rows (`claimed`) in one commit (FOR UPDATE SKIP LOCKED on PostgreSQL), then marks
  the ones it is about to hand to the provider `sending` in another commit, then records the results;
- a row left `claimed` by a dead worker never reached the provider: the sweep queues it again;
- a row left `sending` may have reached the provider: the sweep marks it `ambiguous`, never resends it;
- temporary failures go back to `queued` with a backoff; permanent ones fail at once.

The provider's later status reports are recorded by `contactbook.messaging.callbacks`.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import redis
from flask import current_app
from sqlalchemy import Table, bindparam, or_, select, update

from contactbook.extensions import among, db
from contactbook.messaging.callbacks import apply_early_callbacks
from contactbook.messaging.providers import email_provider, sms_provider
from contactbook.messaging.providers.base import AmbiguousFailure, PermanentFailure, SendResult
from contactbook.messaging.ratelimit import RateLimiter
from contactbook.messaging.timing import next_allowed
from contactbook.models import Guardian, Message, MessageStatus, School
from contactbook.models.base import utcnow
from contactbook.subscriptions.services import eligibility_for_many, settings_of

BATCH = 500
MAX_ATTEMPTS = 6


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with full jitter: up to 5 s, 10 s, 20 s … capped at 10 minutes."""
    ceiling = min(5 * 2 ** max(attempts - 1, 0), 600)
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 (jitter, not security)


def claim(limit: int = BATCH, now: datetime | None = None) -> list[int]:
    """Take up to `limit` due messages for this worker; other workers skip the locked rows."""
    now = now or utcnow()
    query = (
        select(Message.id)
        .where(Message.status == MessageStatus.QUEUED, Message.next_attempt_at <= now)
        .order_by(Message.urgent.desc(), Message.next_attempt_at)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(query))
    claimed: list[int] = []
    if ids:
        # Only the rows this statement moved are ours (without SKIP LOCKED, another worker may have won).
        claimed = sorted(
            db.session.scalars(
                update(Message)
                .where(among(Message.id, ids), Message.status == MessageStatus.QUEUED)
                .values(status=MessageStatus.CLAIMED, claimed_at=now)
                .returning(Message.id)
                .execution_options(synchronize_session=False)
            )
        )
    db.session.commit()
    return claimed


@dataclass
class Outcome:
    status: MessageStatus
    error: str | None = None
    provider_ref: str | None = None
    next_attempt_at: datetime | None = None


def _limiter(channel: str) -> RateLimiter:
    cache: dict[str, RateLimiter] = current_app.extensions.setdefault("rate_limiters", {})
    if channel not in cache:
        client = redis.Redis.from_url(current_app.config["REDIS_URL"])
        rate = float(current_app.config["SMS_RATE" if channel == "sms" else "EMAIL_RATE"])
        cache[channel] = RateLimiter(client, channel, rate)
    return cache[channel]


def _checked(messages: Sequence[Message], now: datetime) -> tuple[list[Message], dict[int, Outcome]]:
    """Expiry, quiet hours, digest grouping and eligibility, checked again at send time."""
    outcomes: dict[int, Outcome] = {}
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    by_school: dict[int, list[Message]] = defaultdict(list)
    for message in messages:
        by_school[message.school_id].append(message)
    ready: list[Message] = []
    for school_id, group in by_school.items():
        school = db.session.get(School, school_id)
        assert school is not None
        settings = settings_of(school)
        by_category: dict[str, list[Message]] = defaultdict(list)
        for message in group:
            if message.expires_at is not None and message.expires_at < now:
                outcomes[message.id] = Outcome(MessageStatus.EXPIRED, "expired before it could be sent")
                continue
            allowed = next_allowed(now, zone, settings.quiet_end_hour, settings.quiet_start_hour, message.urgent)
            if allowed > now:
                outcomes[message.id] = Outcome(MessageStatus.QUEUED, None, None, allowed)
                continue
            by_category[message.category].append(message)
        for category, candidates in by_category.items():
            pairs = [(m.guardian_id, m.student_id or 0) for m in candidates]
            channels = eligibility_for_many(school, pairs, category, now) if category != "renewal" else {}
            for message in candidates:
                allowed_channels = channels.get((message.guardian_id, message.student_id or 0), frozenset())
                if category != "renewal" and message.channel not in {c.value for c in allowed_channels}:
                    outcomes[message.id] = Outcome(
                        MessageStatus.SKIPPED, "no longer eligible (opted out or consent withdrawn)"
                    )
                else:
                    ready.append(message)
    return _digests(ready, outcomes), outcomes


def _digests(ready: list[Message], outcomes: dict[int, Outcome]) -> list[Message]:
    """Gather digest messages of one guardian, child and channel into the first of them."""
    groups: dict[tuple[int, int | None, str], list[Message]] = defaultdict(list)
    result = []
    for message in ready:
        if message.digest:
            groups[(message.guardian_id, message.student_id, message.channel)].append(message)
        else:
            result.append(message)
    for group in groups.values():
        head, rest = group[0], group[1:]
        if rest:
            head.body = "\n".join(m.body for m in group)
            for message in rest:
                outcomes[message.id] = Outcome(MessageStatus.DIGESTED, f"in digest message {head.id}")
        result.append(head)
    return result


def deliver(ids: list[int]) -> dict[str, int]:
    """Check, send and record a claimed batch; returns counts per outcome.

    Every change of a row is conditional on the state this worker left it in (`claimed` with its claim
    time, then `sending`): a row the sweep took back meanwhile is left alone, so it cannot go twice.
    """
    now = utcnow()
    messages = db.session.scalars(
        select(Message).where(among(Message.id, ids), Message.status == MessageStatus.CLAIMED).order_by(Message.id)
    ).all()
    stamps = {m.id: m.claimed_at for m in messages}
    ready, outcomes = _checked(messages, now)
    # Every write below is a conditional UPDATE statement: detach the rows, so the commits between the
    # chunks do not expire them and reload each one (a query per message, the main cost before).
    for message in messages:
        db.session.expunge(message)
    _record([m for m in messages if m.id in outcomes], outcomes, stamps, MessageStatus.CLAIMED)
    db.session.commit()
    unusable: dict[tuple[int, str], bool] = {}
    chunk = int(current_app.config["SMS_CONCURRENCY"])
    for channel in ("sms", "email"):
        batch = [m for m in ready if m.channel == channel]
        for start in range(0, len(batch), chunk):
            part = _start_sending(channel, batch[start : start + chunk], stamps)
            if not part:
                continue
            for message, result in zip(part, _send(channel, part), strict=True):
                outcomes[message.id] = _outcome(message, result, utcnow())
                if isinstance(result, PermanentFailure) and result.unusable_contact:
                    unusable[(message.guardian_id, channel)] = True
            _record(part, outcomes, stamps, MessageStatus.SENDING)
            db.session.commit()
            apply_early_callbacks([outcomes[m.id].provider_ref for m in part if m.id in outcomes])
    if unusable:
        _mark_unusable(unusable)
    counts: dict[str, int] = defaultdict(int)
    for outcome in outcomes.values():
        counts[outcome.status.value] += 1
    return dict(counts)


def _start_sending(channel: str, part: list[Message], stamps: dict[int, datetime | None]) -> list[Message]:
    """Wait for the rate limiter, then mark `sending` the rows still claimed by us; those are sent.

    Past this commit a dead worker leaves these rows `sending`: the sweep flags them, never resends.
    Rows not yet reached stay `claimed`, so the sweep can safely queue them again.
    """
    _limiter(channel).acquire(len(part))
    now = utcnow()
    won: set[int] = set()
    for stamp, group in _by_stamp(part, stamps).items():
        won.update(
            db.session.scalars(
                update(Message)
                .where(
                    among(Message.id, [m.id for m in group]),
                    Message.status == MessageStatus.CLAIMED,
                    Message.claimed_at == stamp,
                )
                .values(status=MessageStatus.SENDING, claimed_at=now, attempts=Message.attempts + 1)
                .returning(Message.id)
                .execution_options(synchronize_session=False)
            )
        )
    db.session.commit()
    mine = [m for m in part if m.id in won]
    for message in mine:
        stamps[message.id] = now
    return mine


def _by_stamp(messages: Sequence[Message], stamps: dict[int, datetime | None]) -> dict[datetime | None, list[Message]]:
    groups: dict[datetime | None, list[Message]] = defaultdict(list)
    for message in messages:
        groups[stamps[message.id]].append(message)
    return groups


def _send(channel: str, messages: list[Message]) -> list[SendResult | Exception]:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if channel == "sms":
        return sms_provider(app).send_many([(m.dedupe_key, m.to_address, m.body) for m in messages])
    return email_provider(app).send_many([(m.dedupe_key, m.to_address, m.subject or "", m.body) for m in messages])


def _outcome(message: Message, result: SendResult | Exception, now: datetime) -> Outcome:
    attempts = message.attempts + 1  # this send, counted in the database by `_start_sending`
    if isinstance(result, SendResult):
        return Outcome(MessageStatus.SENT, None, result.provider_ref)
    if isinstance(result, PermanentFailure):
        return Outcome(MessageStatus.FAILED, f"permanent: {result}"[:300])
    if isinstance(result, AmbiguousFailure) and message.channel == "sms":
        return Outcome(MessageStatus.AMBIGUOUS, f"ambiguous: {result}"[:300])
    if attempts >= MAX_ATTEMPTS:
        return Outcome(MessageStatus.FAILED, f"gave up after {attempts} attempts: {result}"[:300])
    return Outcome(MessageStatus.QUEUED, f"temporary: {result}"[:300], None, now + backoff(attempts))


def _record(
    messages: Sequence[Message],
    outcomes: dict[int, Outcome],
    stamps: dict[int, datetime | None],
    expected: MessageStatus,
) -> None:
    """Write the outcomes of rows still in the `expected` state with our stamp (or flagged meanwhile)."""
    now = utcnow()
    states = [expected] if expected == MessageStatus.CLAIMED else [expected, MessageStatus.AMBIGUOUS]
    table = cast(Table, Message.__table__)
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            or_(*(table.c.status == state for state in states)),  # executemany: no IN lists
            table.c.claimed_at == bindparam("b_stamp", type_=table.c.claimed_at.type),
        )
        .values(
            status=bindparam("b_status"),
            error=bindparam("b_error"),
            provider_ref=bindparam("b_ref"),
            sent_at=bindparam("b_sent_at"),
            next_attempt_at=bindparam("b_next"),
            claimed_at=bindparam("b_claimed_at"),
        )
    )
    rows = []
    for message in messages:
        outcome = outcomes.get(message.id)
        if outcome is None:
            continue
        requeued = outcome.next_attempt_at is not None
        rows.append(
            {
                "b_id": message.id,
                "b_stamp": stamps[message.id],
                "b_status": outcome.status,
                "b_error": outcome.error,
                "b_ref": outcome.provider_ref,
                "b_sent_at": now if outcome.provider_ref else None,
                "b_next": outcome.next_attempt_at if requeued else message.next_attempt_at,
                "b_claimed_at": None if requeued else stamps[message.id],
            }
        )
    if rows:
        db.session.execute(statement, rows)


def _mark_unusable(unusable: dict[tuple[int, str], bool]) -> None:
    now = utcnow()
    for guardian_id, channel in unusable:
        column = Guardian.phone_unusable_at if channel == "sms" else Guardian.email_unusable_at
        db.session.execute(update(Guardian).where(Guardian.id == guardian_id).values({column.key: now}))
    db.session.commit()


def dispatch(max_batches: int = 1000) -> dict[str, int]:
    """Claim and deliver due messages until none is left (or `max_batches`)."""
    totals: dict[str, int] = defaultdict(int)
    for _ in range(max_batches):
        ids = claim()
        if not ids:
            break
        for status, n in deliver(ids).items():
            totals[status] += n
    return dict(totals)


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Recover after crashes: requeue stale claims, flag stale sends; say how many messages are due.

    Stale means older than the configured MESSAGE_STALE_CLAIM_SECONDS / MESSAGE_STALE_SENDING_SECONDS.
    """
    now = now or utcnow()
    stale_claim = timedelta(seconds=float(current_app.config["MESSAGE_STALE_CLAIM_SECONDS"]))
    stale_sending = timedelta(seconds=float(current_app.config["MESSAGE_STALE_SENDING_SECONDS"]))
    requeued = db.session.execute(
        update(Message)
        .where(Message.status == MessageStatus.CLAIMED, Message.claimed_at < now - stale_claim)
        .values(status=MessageStatus.QUEUED, claimed_at=None)
    ).rowcount  # type: ignore[attr-defined]
    flagged = db.session.execute(
        update(Message)
        .where(Message.status == MessageStatus.SENDING, Message.claimed_at < now - stale_sending)
        .values(status=MessageStatus.AMBIGUOUS, error="the worker stopped while sending; not resent")
    ).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    due = db.session.scalar(
        select(Message.id).where(Message.status == MessageStatus.QUEUED, Message.next_attempt_at <= now).limit(1)
    )
    return {"requeued": requeued or 0, "flagged": flagged or 0, "due": int(due is not None)}


def counts_for_notice(notice_id: int) -> dict[str, Any]:
    """Messages of a notice per status (for the progress page)."""
    from sqlalchemy import func

    rows = db.session.execute(
        select(Message.status, func.count()).where(Message.notice_id == notice_id).group_by(Message.status)
    ).all()
    return {status.value: int(n) for status, n in rows}
