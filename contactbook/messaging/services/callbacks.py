"""Provider status callbacks: record what the provider reports after a send, once and never backwards.

A report names its message by the id in its callback URL (signed by Twilio with the rest of the URL).
For a message whose send result was never written (left `sending` by a dead worker or a database
restart, or flagged `ambiguous` since), the report settles it exactly as if that result had been
written: `sent` with the provider's reference, then whatever the report says. The row is locked while
the report is applied, and every other write to it is conditional on its state (the worker records
only rows still `sending`/`ambiguous`, the sweep flags only rows still `sending`), so whichever comes
second sees the first and never undoes it.

A report without the id (from before it was in the URL) names its message by the provider's
reference; when that arrives before the worker has recorded the send result carrying the reference,
it is kept in Redis for a while and applied when the result is recorded (`take_early`, called by the
delivery). The messaging services commit.
"""

from __future__ import annotations

import json

import redis
from flask import current_app
from sqlalchemy import ColumnElement, Select, select

from contactbook.extensions import db
from contactbook.messaging.vocabulary import FailureKind
from contactbook.models import Message, MessageStatus
from contactbook.models.base import utcnow

ORDER = {
    MessageStatus.QUEUED: 0,
    MessageStatus.CLAIMED: 1,
    MessageStatus.SENDING: 2,
    MessageStatus.SENT: 3,
    MessageStatus.DELIVERED: 4,
    MessageStatus.UNDELIVERED: 4,
    MessageStatus.FAILED: 4,
}


CALLBACK_STATUSES = {
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
}


# A report for a message in one of these states settles it: its send result was never written.
UNRECORDED = (MessageStatus.SENDING, MessageStatus.AMBIGUOUS)
# The states of a message that may have reached the provider; a report naming any other contradicts it.
HANDED_OVER = frozenset(
    {*UNRECORDED, MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.FAILED}
)

EARLY_KEY = "callbacks:early:{}"
EARLY_TTL = 3600
# Set (before any report is kept) while some report may be kept: the worker asks for the kept reports of
# its batch only then, one small round trip instead of a lookup of every reference of every batch.
EARLY_MARK = "callbacks:early"
EARLY_MARK_TTL = EARLY_TTL + 60  # outlives every kept report


def _redis() -> redis.Redis:
    """The process's client (and its pool of connections) for the app's Redis; not a connection per call."""
    url = current_app.config["REDIS_URL"]
    clients: dict[str, redis.Redis] = current_app.extensions.setdefault("callbacks_redis", {})
    if url not in clients:
        clients[url] = redis.Redis.from_url(url)
    return clients[url]


def _keep_early(provider_ref: str, new: MessageStatus, error_code: str | None) -> None:
    """A report for a message whose send result is not recorded yet: keep the furthest one for a while."""
    client, key = _redis(), EARLY_KEY.format(provider_ref)
    kept = client.get(key)
    if kept is not None and ORDER.get(MessageStatus(json.loads(kept)["status"]), 0) >= ORDER.get(new, 0):
        return
    client.set(EARLY_MARK, 1, ex=EARLY_MARK_TTL)
    client.set(key, json.dumps({"status": new.value, "error": error_code}), ex=EARLY_TTL)


def take_early(provider_refs: list[str | None]) -> list[tuple[str, str, str | None]]:
    """The reports kept for these messages (ref, status, error code), removed from the keep."""
    refs = [ref for ref in provider_refs if ref]
    if not refs:
        return []
    try:
        client = _redis()
        if not client.exists(EARLY_MARK):
            return []  # no report is kept (the usual case)
        found = client.mget([EARLY_KEY.format(ref) for ref in refs])
        taken = [(ref, json.loads(raw)) for ref, raw in zip(refs, found, strict=True) if raw is not None]
        if taken:
            client.delete(*(EARLY_KEY.format(ref) for ref, _ in taken))
    except redis.RedisError:
        return []  # a lost early report only leaves the message `sent`; the next report moves it on
    return [(ref, kept["status"], kept["error"]) for ref, kept in taken]


def apply_status(
    provider_ref: str,
    provider_status: str,
    error_code: str | None,
    *,
    message_id: int | None = None,
    to: str | None = None,
) -> bool:
    """Record a provider's status report in the session; idempotent, and a status never moves backwards.

    With `message_id` (from the callback URL), the report settles a message whose send result was never
    written; a report that contradicts what is recorded (another provider reference or number, a
    message never handed over) is logged and ignored. Without it, the message is found by
    `provider_ref`, and a report arriving before the worker recorded that reference is kept in Redis
    and applied as soon as it is. Returns whether the report was applied to a message.
    """
    new = CALLBACK_STATUSES.get(provider_status)
    if new is None:
        return False
    if message_id is not None:
        return _apply_to_message(message_id, provider_ref, new, error_code, to)
    message = db.session.scalar(_locked(Message.provider_ref == provider_ref))
    if message is None:
        _keep_early(provider_ref, new, error_code)
        return False
    _move_on(message, new, error_code)
    return True


def _locked(where: ColumnElement[bool]) -> Select[tuple[Message]]:
    # FOR UPDATE (PostgreSQL; SQLite writes one at a time anyway): a worker recording its result or the
    # sweep flagging the row waits for this report to commit, or this report waits for them, and reads
    # the row afresh either way.
    return select(Message).where(where).with_for_update().execution_options(populate_existing=True)


def _apply_to_message(
    message_id: int, provider_ref: str, new: MessageStatus, error_code: str | None, to: str | None
) -> bool:
    message = db.session.scalar(_locked(Message.id == message_id))
    problem = _contradiction(message, provider_ref, to)
    if message is None or problem:
        current_app.logger.warning("Status report %s for message %s ignored: %s", provider_ref, message_id, problem)
        return False
    if message.status in UNRECORDED:
        # What the worker would have written had it heard the provider's answer (`sending.record`).
        message.status = MessageStatus.SENT
        message.provider_ref = provider_ref
        message.sent_at = message.sent_at or utcnow()
        message.error = message.failure_kind = message.failure_code = None
    _move_on(message, new, error_code)
    return True


def _contradiction(message: Message | None, provider_ref: str, to: str | None) -> str | None:
    """Why a report naming `message` cannot be about it, if it cannot."""
    if message is None:
        return "no such message"
    if message.channel != "sms":
        return "not an SMS"
    if message.provider_ref is not None and message.provider_ref != provider_ref:
        return f"the message was recorded as {message.provider_ref}"
    if to and to != message.to_address:
        return "the message went to another number"
    if message.status not in HANDED_OVER:
        return f"the message is {message.status.value}: it was never handed over"
    return None


def _move_on(message: Message, new: MessageStatus, error_code: str | None) -> None:
    """Apply the reported status if it is further along than the recorded one."""
    if ORDER.get(new, 0) > ORDER.get(message.status, 99):
        message.status = new
        if new == MessageStatus.DELIVERED:
            message.delivered_at = utcnow()
        if error_code:
            message.error = f"carrier error {error_code}"[: Message.error.type.length]
            message.failure_code = error_code[: Message.failure_code.type.length]
        if new in (MessageStatus.UNDELIVERED, MessageStatus.FAILED):
            message.failure_kind = FailureKind.PERMANENT  # the carrier gave up: never sent again
