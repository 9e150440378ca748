"""Console providers for one-machine use: 'sent' messages land in a Redis list the dev page shows."""

from __future__ import annotations

import json
import uuid
from typing import Any

import redis

from contactbook.messaging.providers.base import SendResult
from contactbook.models.base import utcnow

OUTBOX_KEY = "dev:console-outbox"
KEEP = 500


class _ConsoleOutbox:
    def __init__(self, redis_url: str) -> None:
        self.redis = redis.Redis.from_url(redis_url)

    def _push(self, entry: dict[str, Any]) -> SendResult:
        ref = f"console-{uuid.uuid4().hex[:12]}"
        entry.update(ref=ref, at=utcnow().isoformat())
        pipe = self.redis.pipeline()
        pipe.lpush(OUTBOX_KEY, json.dumps(entry, ensure_ascii=False))
        pipe.ltrim(OUTBOX_KEY, 0, KEEP - 1)
        pipe.execute()
        return SendResult(ref)


class ConsoleSmsProvider(_ConsoleOutbox):
    def send_sms(self, to: str, body: str) -> SendResult:
        return self._push({"channel": "sms", "to": to, "body": body})


class ConsoleEmailProvider(_ConsoleOutbox):
    def send_email(self, to: str, subject: str, text_body: str) -> SendResult:
        return self._push({"channel": "email", "to": to, "subject": subject, "body": text_body})


def recent(redis_url: str, limit: int = 100) -> list[dict[str, Any]]:
    """The most recent console messages, newest first."""
    client = redis.Redis.from_url(redis_url)
    return [json.loads(raw) for raw in client.lrange(OUTBOX_KEY, 0, limit - 1)]
