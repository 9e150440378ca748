"""Handing claimed messages to their provider and writing down what happened. Statements only: the
units of work in `delivery` commit between the steps.

Every change of a row is conditional on the state this worker left it in (`claimed` with its claim
time, then `sending`): a row the sweep took back meanwhile is left alone, so it cannot go twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import Future
from datetime import datetime
from typing import Any, cast

import redis
from flask import current_app
from sqlalchemy import Table, bindparam, or_, text, update

from contactbook.extensions import among, db
from contactbook.messaging.outcomes import Outcome
from contactbook.messaging.providers import email_provider, sms_provider
from contactbook.messaging.providers.base import SendResult, answered
from contactbook.messaging.ratelimit import RateLimiter
from contactbook.models import Guardian, Message, MessageStatus
from contactbook.models.base import UTCDateTime, utcnow

Stamps = dict[int, datetime | None]  # message id -> the claim time this worker wrote on it


def _limiter(channel: str) -> RateLimiter:
    cache: dict[str, RateLimiter] = current_app.extensions.setdefault("rate_limiters", {})
    if channel not in cache:
        client = redis.Redis.from_url(current_app.config["REDIS_URL"])
        rate = float(current_app.config["SMS_RATE" if channel == "sms" else "EMAIL_RATE"])
        cache[channel] = RateLimiter(client, channel, rate)
    return cache[channel]


def start_sending(channel: str, part: list[Message], stamps: Stamps) -> list[Message]:
    """Wait for the rate limiter, then mark `sending` the rows still claimed by us; those are to be sent.

    Once that is committed, a dead worker leaves these rows `sending`: the sweep flags them, never
    resends. Rows not yet reached stay `claimed`, so the sweep can safely queue them again.
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
    mine = [m for m in part if m.id in won]
    for message in mine:
        stamps[message.id] = now
    return mine


def _by_stamp(messages: Sequence[Message], stamps: Stamps) -> dict[datetime | None, list[Message]]:
    groups: dict[datetime | None, list[Message]] = defaultdict(list)
    for message in messages:
        groups[stamps[message.id]].append(message)
    return groups


def send(channel: str, messages: list[Message]) -> Future[list[SendResult | Exception]]:
    """Hand the messages to the channel's provider; one result or failure per message, in order, in the future.

    The SMS provider answers at once and sends on a loop of its own (Twilio), so the caller writes to the
    database while the messages travel; the email provider has sent them when this returns.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if channel == "sms":
        return sms_provider(app).submit_many([(m.id, m.to_address, m.body) for m in messages])
    emails = [(m.dedupe_key, m.to_address, m.subject or "", m.body) for m in messages]
    return answered(email_provider(app).send_many(emails))


def record(messages: Sequence[Message], outcomes: dict[int, Outcome], stamps: Stamps, expected: MessageStatus) -> None:
    """Write the outcomes of rows still in the `expected` state with our stamp (or flagged meanwhile)."""
    now = utcnow()
    states: list[MessageStatus] = [expected]
    if expected != MessageStatus.CLAIMED:
        states.append(MessageStatus.AMBIGUOUS)
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
            failure_kind=bindparam("b_kind"),
            failure_code=bindparam("b_code"),
            provider_ref=bindparam("b_ref"),
            sent_at=bindparam("b_sent_at"),
            next_attempt_at=bindparam("b_next"),
            claimed_at=bindparam("b_claimed_at"),
        )
    )
    rows = []
    sent: list[dict[str, Any]] = []  # the sent ones, recorded by one statement on PostgreSQL
    fast = db.session.get_bind().dialect.name == "postgresql"
    for message in messages:
        outcome = outcomes.get(message.id)
        if outcome is None:
            continue
        if fast and outcome.status == MessageStatus.SENT and outcome.provider_ref and outcome.reason is None:
            sent.append({"b_id": message.id, "b_stamp": stamps[message.id], "b_ref": outcome.provider_ref})
            continue
        requeued = outcome.next_attempt_at is not None
        rows.append(
            {
                "b_id": message.id,
                "b_stamp": stamps[message.id],
                "b_status": outcome.status,
                "b_error": outcome.reason,
                "b_kind": outcome.kind,
                "b_code": outcome.code,
                "b_ref": outcome.provider_ref,
                "b_sent_at": now if outcome.provider_ref else None,
                "b_next": outcome.next_attempt_at if requeued else message.next_attempt_at,
                "b_claimed_at": None if requeued else stamps[message.id],
            }
        )
    if rows:
        db.session.execute(statement, rows)
    if sent:
        _record_sent(states, sent, now)


def _record_sent(states: list[MessageStatus], rows: list[dict[str, Any]], now: datetime) -> None:
    """`record` of the usual outcome, sent, on PostgreSQL: one statement for the chunk, its values in three
    arrays (the statement a row of an executemany was most of the worker's cost of recording)."""
    # Arrays as their text, cast in SQL: psycopg would convert a list element by element, in Python.
    values: dict[str, Any] = {"ids": "{" + ",".join(str(row["b_id"]) for row in rows) + "}"}
    values |= {"stamps": "{" + ",".join(row["b_stamp"].isoformat() for row in rows) + "}"}
    values |= {"refs": [row["b_ref"] for row in rows], "states": [state.value for state in states], "now": now}
    db.session.execute(_SENT_FROM_ARRAYS, values)


# Each row only while it is in one of `states` with the claim time this worker wrote (see `record`).
_SENT_FROM_ARRAYS = text(
    "UPDATE messages SET status = 'sent', provider_ref = v.ref, sent_at = :now,"
    " error = NULL, failure_kind = NULL, failure_code = NULL"
    " FROM unnest(CAST(:ids AS integer[]), CAST(:stamps AS timestamptz[]), CAST(:refs AS varchar[]))"
    " AS v(id, stamp, ref)"
    " WHERE messages.id = v.id AND messages.status = ANY(CAST(:states AS varchar[])) AND messages.claimed_at = v.stamp"
).bindparams(bindparam("now", type_=UTCDateTime()))


def mark_unusable(contacts: set[tuple[int, str]]) -> None:
    """Flag each (guardian, channel) whose phone or address the provider refused for good."""
    now = utcnow()
    for guardian_id, channel in sorted(contacts):
        column = Guardian.phone_unusable_at if channel == "sms" else Guardian.email_unusable_at
        db.session.execute(update(Guardian).where(Guardian.id == guardian_id).values({column.key: now}))
