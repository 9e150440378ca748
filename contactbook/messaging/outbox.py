"""Writing the outbox: who a message about some students goes to, and the rows that carry it.

Every feature that tells families something (notices, published scores, corrections) goes through
here, in the transaction that records what it tells: the rows exist before any worker sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Table, select

from contactbook.extensions import among, db, insert_many, tasks
from contactbook.messaging.timing import next_allowed, next_digest_time
from contactbook.models import (
    Guardian,
    Message,
    MessageStatus,
    School,
    ServiceSettings,
    Student,
    StudentGuardian,
    Subscription,
    SubscriptionStatus,
)
from contactbook.subscriptions.rules import Channel
from contactbook.subscriptions.services import eligibility_for_many, settings_of

EXPIRY = timedelta(hours=48)
DISPATCH_TASK = "messaging.dispatch"


@dataclass(frozen=True)
class Recipient:
    guardian_id: int
    guardian_name: str
    student_id: int
    student_name: str
    address: str  # the guardian's phone or email, as the channel needs
    channel: Channel
    digest: bool  # the guardian chose the daily digest for this child


def recipients(school: School, student_ids: list[int], category: str, at: datetime) -> list[Recipient]:
    """Every (guardian, student, channel) eligible for a `category` message, in a few queries."""
    families = db.session.execute(
        select(
            StudentGuardian.guardian_id,
            StudentGuardian.student_id,
            Guardian.full_name,
            Guardian.phone,
            Guardian.email,
            Student.full_name,
        )
        .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
        .join(Student, Student.id == StudentGuardian.student_id)
        .where(StudentGuardian.school_id == school.id, among(StudentGuardian.student_id, student_ids))
        .order_by(StudentGuardian.student_id, StudentGuardian.guardian_id)
    ).all()
    channels = eligibility_for_many(school, [(row[0], row[1]) for row in families], category, at)
    digest_pairs = set(
        db.session.execute(
            select(Subscription.guardian_id, Subscription.student_id).where(
                Subscription.school_id == school.id,
                Subscription.status == SubscriptionStatus.ACTIVE,
                Subscription.digest.is_(True),
                among(Subscription.student_id, student_ids),
            )
        ).all()
    )
    result = []
    for guardian_id, student_id, guardian_name, phone, email, student_name in families:
        for channel in sorted(channels.get((guardian_id, student_id), ())):
            result.append(
                Recipient(
                    guardian_id=guardian_id,
                    guardian_name=guardian_name,
                    student_id=student_id,
                    student_name=student_name,
                    address=phone if channel == Channel.SMS else email,
                    channel=channel,
                    digest=(guardian_id, student_id) in digest_pairs,
                )
            )
    return result


class Outbox:
    """The rows of one message-writing action; `write()` inserts them in the caller's transaction."""

    def __init__(self, school: School, *, kind: str, category: str, urgent: bool = False, now: datetime) -> None:
        self.school, self.kind, self.category, self.urgent, self.now = school, kind, category, urgent, now
        self.settings: ServiceSettings = settings_of(school)
        self.zone = ZoneInfo(current_app.config["TIMEZONE"])
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        recipient: Recipient,
        *,
        key: str,
        body: str,
        subject: str | None = None,
        segments: int = 0,
        start: datetime | None = None,
        notice_id: int | None = None,
    ) -> None:
        """One message to `recipient`; `key` (unique across the outbox) makes it never written twice."""
        start = max(start or self.now, self.now)
        settings = self.settings
        digest = recipient.digest and not self.urgent
        due = next_digest_time(start, self.zone, settings.digest_hour) if digest else start
        self.rows.append(
            {
                "school_id": self.school.id,
                "notice_id": notice_id,
                "kind": self.kind,
                "category": self.category,
                "urgent": self.urgent,
                "guardian_id": recipient.guardian_id,
                "student_id": recipient.student_id,
                "channel": recipient.channel.value,
                "to_address": recipient.address,
                "subject": None if recipient.channel == Channel.SMS else subject,
                "body": body,
                "dedupe_key": key,
                "status": MessageStatus.QUEUED,
                "digest": digest,
                "attempts": 0,
                "next_attempt_at": next_allowed(
                    due, self.zone, settings.quiet_end_hour, settings.quiet_start_hour, self.urgent
                ),
                "expires_at": due + EXPIRY,
                "segments": segments,
                "cost": segments * settings.sms_segment_price,
                "created_at": self.now,
            }
        )

    def write(self) -> int:
        """Insert the rows (COPY on PostgreSQL); the caller commits. Returns how many."""
        insert_many(cast(Table, Message.__table__), self.rows)
        return len(self.rows)


def nudge_delivery() -> None:
    """Wake the workers, after the commit that wrote the outbox rows.

    If the broker is away the beat sweep delivers the rows anyway, so a failed nudge is logged, never
    raised: what the user did is already safely recorded.
    """
    try:
        tasks.send(DISPATCH_TASK)
    except Exception:  # whatever the broker client raises, the page must not fail after the commit
        current_app.logger.warning(
            "Could not nudge the workers (%s); the sweep will deliver", DISPATCH_TASK, exc_info=True
        )
