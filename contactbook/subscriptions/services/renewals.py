"""Renewal reminders: who is owed one and the messages that carry it, written in the daily run's unit of work.

A reminder is an essential message about the family's own contract: it goes to the subscribing guardian on
the channels of that subscription that have a usable contact, whatever the consent purposes say, but only
while the subscription runs (the service switched on, not stopped, not yet renewed). It is not urgent, so
the quiet hours hold it. Statements only: `subscribing.run_daily` commits them, one school at a time. When
a reminder is sent it is checked again (`contactbook.subscriptions.eligibility.reasons_not_to_remind`).

Once per subscription: the `RenewalReminder` row (unique per subscription) is inserted with ON CONFLICT DO
NOTHING, and only the run whose insert went in writes the messages, in the same transaction. A second run,
even at the same moment on another worker, waits for the first one's row and then writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contactbook.extensions import conflict_insert, db
from contactbook.messaging.render import render_message
from contactbook.messaging.services.outbox import Outbox, Recipient
from contactbook.messaging.text import sms_segments
from contactbook.messaging.vocabulary import Channel
from contactbook.models import (
    Guardian,
    RenewalReminder,
    School,
    ServiceSettings,
    Subscription,
    SubscriptionStatus,
)
from contactbook.roster.rules import given_name
from contactbook.subscriptions.eligibility import RENEWAL, renewed_later, settings_of

KIND = RENEWAL
# How to renew, until families can renew in the portal: at the school office, as they subscribed.
RENEW_HOW = "liên hệ văn phòng nhà trường"
SUBJECT = "Gia hạn dịch vụ Sổ liên lạc điện tử"


def _due(school_id: int, today: date) -> list[tuple[Subscription, ServiceSettings]]:
    """The school's running subscriptions that end within its reminder days and were not reminded yet (none while
    the service is switched off)."""
    rows = db.session.execute(
        select(Subscription, ServiceSettings)
        .join(ServiceSettings, ServiceSettings.school_id == Subscription.school_id)
        .outerjoin(RenewalReminder, RenewalReminder.subscription_id == Subscription.id)
        .where(
            Subscription.school_id == school_id,
            ServiceSettings.enabled.is_(True),  # no reminders to renew a service that is switched off
            Subscription.status == SubscriptionStatus.ACTIVE,
            Subscription.starts_on <= today,
            Subscription.ends_on >= today,
            RenewalReminder.id.is_(None),
            ~renewed_later(),
        )
        .order_by(Subscription.id)
        .options(selectinload(Subscription.guardian), selectinload(Subscription.student))
    ).tuples()
    return [(sub, settings) for sub, settings in rows if (sub.ends_on - today).days <= settings.reminder_days]


def _channels(subscription: Subscription, guardian: Guardian) -> list[Channel]:
    """The subscription's own channels that have a contact the providers have not refused."""
    channels = []
    if subscription.sms and guardian.phone and guardian.phone_unusable_at is None:
        channels.append(Channel.SMS)
    if subscription.email and guardian.email and guardian.email_unusable_at is None:
        channels.append(Channel.EMAIL)
    return channels


def _claim_reminders(due: Sequence[Subscription], today: date) -> set[int]:
    """Insert a reminder row for each subscription; the ids of those this transaction inserted (others: a
    concurrent run's, which already carries the messages)."""
    if not due:
        return set()
    rows = [
        {
            "school_id": s.school_id,
            "subscription_id": s.id,
            "due_on": today,
            "details": {"ends_on": s.ends_on.isoformat(), "guardian_id": s.guardian_id},
        }
        for s in due
    ]
    statement = (
        conflict_insert(RenewalReminder)
        .values(rows)
        .on_conflict_do_nothing(index_elements=[RenewalReminder.subscription_id])
        .returning(RenewalReminder.subscription_id)
    )
    return set(db.session.scalars(statement))


def queue_reminders(school: School, today: date, now: datetime) -> int:
    """Write a reminder and its outbox messages for each subscription of `school` owed one today; how many."""
    wanted: list[tuple[Subscription, list[Channel]]] = []
    for subscription, _settings in _due(school.id, today):
        channels = _channels(subscription, subscription.guardian)
        # Without a usable contact there is nothing to send: a later run tries again should one be given.
        if channels:
            wanted.append((subscription, channels))
    mine = _claim_reminders([s for s, _ in wanted], today)
    reminders = [(subscription, channels) for subscription, channels in wanted if subscription.id in mine]
    if reminders:
        _write_messages(school, reminders, today, now)
    return len(mine)


def _write_messages(
    school: School, reminders: list[tuple[Subscription, list[Channel]]], today: date, now: datetime
) -> None:
    unaccented = settings_of(school).sms_unaccented
    outbox = Outbox(school, kind=KIND, category=KIND, now=now)
    for subscription, channels in reminders:
        guardian, student = subscription.guardian, subscription.student
        context = {
            "school": school.name,
            "student": given_name(student.full_name),
            "ends_on": subscription.ends_on,
            "renew_how": RENEW_HOW,
        }
        for channel in channels:
            sms = channel == Channel.SMS
            body = render_message(KIND, "vi", context, unaccented=unaccented and sms)
            recipient = Recipient(
                guardian_id=guardian.id,
                guardian_name=guardian.full_name,
                student_id=student.id,
                student_name=student.full_name,
                address=(guardian.phone if sms else guardian.email) or "",
                channel=channel,
                digest=False,  # about the contract, not the day's news: never held for the digest
            )
            outbox.add(
                recipient,
                key=f"{KIND}:{subscription.id}:{today.isoformat()}:{channel.value}",
                body=body,
                subject=SUBJECT,
                segments=sms_segments(body)[1] if sms else 0,
                subscription_id=subscription.id,
            )
    outbox.write()
