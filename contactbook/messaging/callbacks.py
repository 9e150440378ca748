"""Provider status callbacks: record what the provider reports after a send, once and never backwards.

A report may arrive before the worker has recorded the send result it is about; it is kept in Redis for
a while and applied when that result is recorded (`take_early`, called by the delivery). The messaging
services commit.
"""

from __future__ import annotations

import json

import redis
from flask import current_app
from sqlalchemy import select

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


EARLY_KEY = "callbacks:early:{}"
EARLY_TTL = 3600


def _redis() -> redis.Redis:
    return redis.Redis.from_url(current_app.config["REDIS_URL"])


def _keep_early(provider_ref: str, new: MessageStatus, error_code: str | None) -> None:
    """A report for a message whose send result is not recorded yet: keep the furthest one for a while."""
    client, key = _redis(), EARLY_KEY.format(provider_ref)
    kept = client.get(key)
    if kept is not None and ORDER.get(MessageStatus(json.loads(kept)["status"]), 0) >= ORDER.get(new, 0):
        return
    client.set(key, json.dumps({"status": new.value, "error": error_code}), ex=EARLY_TTL)


def take_early(provider_refs: list[str | None]) -> list[tuple[str, str, str | None]]:
    """The reports kept for these messages (ref, status, error code), removed from the keep."""
    refs = [ref for ref in provider_refs if ref]
    if not refs:
        return []
    try:
        client = _redis()
        found = client.mget([EARLY_KEY.format(ref) for ref in refs])
        taken = [(ref, json.loads(raw)) for ref, raw in zip(refs, found, strict=True) if raw is not None]
        if taken:
            client.delete(*(EARLY_KEY.format(ref) for ref, _ in taken))
    except redis.RedisError:
        return []  # a lost early report only leaves the message `sent`; the next report moves it on
    return [(ref, kept["status"], kept["error"]) for ref, kept in taken]


def apply_status(provider_ref: str, provider_status: str, error_code: str | None) -> bool:
    """Record a provider's status report in the session; idempotent, and a status never moves backwards.

    A report can arrive before the worker has recorded the send result that carries `provider_ref`:
    it is kept in Redis and applied as soon as that result is recorded. Returns whether the message is known.
    """
    new = CALLBACK_STATUSES.get(provider_status)
    if new is None:
        return False
    message = db.session.scalar(select(Message).where(Message.provider_ref == provider_ref))
    if message is None:
        _keep_early(provider_ref, new, error_code)
        return False
    if ORDER.get(new, 0) > ORDER.get(message.status, 99):
        message.status = new
        if new == MessageStatus.DELIVERED:
            message.delivered_at = utcnow()
        if error_code:
            message.error = f"carrier error {error_code}"[: Message.error.type.length]
            message.failure_code = error_code[: Message.failure_code.type.length]
        if new in (MessageStatus.UNDELIVERED, MessageStatus.FAILED):
            message.failure_kind = FailureKind.PERMANENT  # the carrier gave up: never sent again
    return True
