"""Console providers for one-machine use: 'sent' messages land in a Redis list the dev page shows."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import Future
from typing import Any

import redis

from contactbook.messaging.providers.base import SendResult, TemporaryFailure, answered
from contactbook.models.base import utcnow

OUTBOX_KEY = "dev:console-outbox"
KEEP = 500


class _ConsoleOutbox:
    def __init__(self, redis_url: str) -> None:
        self.redis = redis.Redis.from_url(redis_url)

    def _push(self, entries: list[dict[str, Any]]) -> list[SendResult]:
        """Add the entries to the outbox in one round trip; raise `TemporaryFailure` if Redis is away."""
        results = []
        pipe = self.redis.pipeline()
        for entry in entries:
            ref = f"console-{uuid.uuid4().hex[:12]}"
            entry.update(ref=ref, at=utcnow().isoformat())
            pipe.lpush(OUTBOX_KEY, json.dumps(entry, ensure_ascii=False))
            results.append(SendResult(ref))
        pipe.ltrim(OUTBOX_KEY, 0, KEEP - 1)
        try:
            pipe.execute()
        except redis.ConnectionError as exc:
            raise TemporaryFailure(f"console outbox unavailable: {exc}") from exc
        return results

    def _push_many(self, entries: list[dict[str, Any]]) -> list[SendResult | Exception]:
        try:
            return list(self._push(entries))
        except TemporaryFailure as exc:
            return [exc for _ in entries]


class ConsoleSmsProvider(_ConsoleOutbox):
    def submit_many(self, items: list[tuple[int, str, str]]) -> Future[list[SendResult | Exception]]:
        return answered(self.send_many(items))

    def send_many(self, items: list[tuple[int, str, str]]) -> list[SendResult | Exception]:
        return self._push_many([{"channel": "sms", "message": id_, "to": to, "body": body} for id_, to, body in items])


class ConsoleEmailProvider(_ConsoleOutbox):
    def send_email(self, to: str, subject: str, text_body: str) -> SendResult:
        return self._push([{"channel": "email", "to": to, "subject": subject, "body": text_body}])[0]

    def send_many(self, items: list[tuple[str, str, str, str]]) -> list[SendResult | Exception]:
        entries = [
            {"channel": "email", "key": key, "to": to, "subject": subject, "body": body}
            for key, to, subject, body in items
        ]
        return self._push_many(entries)


def recent(redis_url: str, limit: int = 100) -> list[dict[str, Any]]:
    """The most recent console messages, newest first."""
    client = redis.Redis.from_url(redis_url)
    return [json.loads(raw) for raw in client.lrange(OUTBOX_KEY, 0, limit - 1)]
