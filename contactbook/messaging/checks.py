"""What is checked again when a claimed message is about to be sent: expiry, quiet hours, eligibility
(the family may have stopped or withdrawn consent since the row was written) and digest grouping."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from contactbook.extensions import db
from contactbook.messaging.outcomes import Outcome
from contactbook.messaging.timing import next_allowed
from contactbook.models import Message, MessageStatus, School
from contactbook.subscriptions.eligibility import eligibility_for_many, settings_of


def checked(messages: Sequence[Message], now: datetime) -> tuple[list[Message], dict[int, Outcome]]:
    """The messages to send now, and the outcome of each of the others (held, expired, skipped, digested)."""
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
                outcomes[message.id] = Outcome(MessageStatus.QUEUED, next_attempt_at=allowed)
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
