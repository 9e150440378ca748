"""What is checked again when a claimed message is about to be sent: expiry, quiet hours, eligibility
(the family may have stopped or withdrawn consent since the row was written), a renewal reminder's
subscription, and the composing of daily digests from their items. A sign-in code or link goes to any
family (the portal is free), as does the answer to a family's own request (`Category.REPLY`): only their
expiry (and the answer's quiet hours) are checked."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from contactbook.extensions import among, db
from contactbook.messaging.outcomes import NO_LONGER_ELIGIBLE, Outcome
from contactbook.messaging.services import composing, digests
from contactbook.messaging.timing import next_allowed
from contactbook.messaging.vocabulary import Category
from contactbook.models import Guardian, Message, MessageStatus, School
from contactbook.subscriptions.eligibility import (
    CHANNEL_DROPPED,
    CONTRACT_KINDS,
    STOPPED,
    eligibility_for_many,
    reasons_not_to_remind,
    settings_of,
    subscription_channels,
)
from contactbook.timezones import school_today

CONTACT_REFUSED = "the provider refused this phone number or address since the message was written"


class Addressed(Protocol):
    """What eligibility is checked on: a message, or an item of a digest."""

    @property
    def id(self) -> int: ...
    @property
    def guardian_id(self) -> int: ...
    @property
    def student_id(self) -> int | None: ...
    @property
    def category(self) -> str: ...
    @property
    def channel(self) -> str: ...


def checked(messages: Sequence[Message], now: datetime) -> tuple[list[Message], dict[int, Outcome]]:
    """The messages to send now, and the outcome of each of the others (held, expired, skipped)."""
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
        plain: list[Message] = []
        reminders: list[Message] = []
        gathering: list[Message] = []
        expired: list[Message] = []
        for message in group:
            if message.expires_at is not None and message.expires_at < now:
                outcomes[message.id] = Outcome(MessageStatus.EXPIRED, "expired before it could be sent")
                expired.append(message)
                continue
            allowed = next_allowed(now, zone, settings.quiet_end_hour, settings.quiet_start_hour, message.urgent)
            if allowed > now:
                outcomes[message.id] = Outcome(MessageStatus.QUEUED, next_attempt_at=allowed)
            elif message.kind == digests.KIND:
                gathering.append(message)
            elif message.kind in CONTRACT_KINDS:
                reminders.append(message)
            elif message.category in (Category.SIGN_IN, Category.REPLY):
                ready.append(message)  # asked for by the family itself: no subscription needed
            else:
                plain.append(message)
        items = composing.items_of(gathering)
        eligible = _eligible(school, [*plain, *(item for found in items.values() for item in found)], now)
        for message in plain:
            if message.id in eligible:
                ready.append(message)
            else:
                outcomes[message.id] = Outcome(MessageStatus.SKIPPED, NO_LONGER_ELIGIBLE)
        ready += _reminders_still_due(reminders, now, outcomes)
        composing.expire([m for m in expired if m.kind == digests.KIND])
        ready += composing.compose(school, settings, gathering, items, eligible, outcomes)
    return ready, outcomes


def _eligible(school: School, candidates: Iterable[Addressed], now: datetime) -> set[int]:
    """The ids of the candidates whose channel may still carry their category to their guardian."""
    by_category: dict[str, list[Addressed]] = defaultdict(list)
    for candidate in candidates:
        by_category[candidate.category].append(candidate)
    eligible: set[int] = set()
    for category, group in by_category.items():
        channels = eligibility_for_many(school, [(c.guardian_id, c.student_id or 0) for c in group], category, now)
        for candidate in group:
            allowed = channels.get((candidate.guardian_id, candidate.student_id or 0), frozenset())
            if candidate.channel in {c.value for c in allowed}:
                eligible.add(candidate.id)
    return eligible


def _reminders_still_due(messages: list[Message], now: datetime, outcomes: dict[int, Outcome]) -> list[Message]:
    """Renewal reminders and welcomes go, whatever the consent purposes, while their subscription runs (not
    renewed) and still carries their channel."""
    if not messages:
        return []
    subscription_ids = [m.subscription_id for m in messages if m.subscription_id]
    reasons = reasons_not_to_remind(subscription_ids, school_today(now))
    channels = subscription_channels(subscription_ids)
    refused = {
        (guardian_id, channel)
        for guardian_id, phone_refused, email_refused in db.session.execute(
            select(Guardian.id, Guardian.phone_unusable_at, Guardian.email_unusable_at).where(
                among(Guardian.id, {m.guardian_id for m in messages})
            )
        ).tuples()
        for channel, refused_at in (("sms", phone_refused), ("email", email_refused))
        if refused_at is not None
    }
    ready = []
    for message in messages:
        reason = reasons.get(message.subscription_id) if message.subscription_id else STOPPED
        if reason is None and message.channel not in channels.get(message.subscription_id or 0, frozenset()):
            reason = CHANNEL_DROPPED
        if reason is None and (message.guardian_id, message.channel) in refused:
            reason = CONTACT_REFUSED
        if reason is None:
            ready.append(message)
        else:
            outcomes[message.id] = Outcome(MessageStatus.SKIPPED, reason)
    return ready
