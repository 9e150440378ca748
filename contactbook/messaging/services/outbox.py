"""Writing the outbox: who a message about some students goes to, and the rows that carry it.

Every feature that tells families something (notices, published scores, corrections) goes through
here, in the transaction that records what it tells: the rows exist before any worker sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import Table, event, select
from sqlalchemy.orm import Session, SessionTransaction

from contactbook.extensions import among, db, insert_many, tasks
from contactbook.messaging.render import email_footer, with_footer
from contactbook.messaging.services import digests
from contactbook.messaging.timing import next_allowed, next_digest_time
from contactbook.messaging.vocabulary import Channel
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
from contactbook.subscriptions.eligibility import eligibility_for_many, settings_of
from contactbook.timezones import school_zone

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


@dataclass(frozen=True)
class FamilyContact:
    """A guardian's phone or email for a message about no one child (a family's sign-in code): never digested."""

    guardian_id: int
    address: str
    channel: Channel
    student_id: None = None
    digest: bool = False


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
        self.zone = school_zone()
        self.rows: list[dict[str, Any]] = []
        # Every email to a family ends with how to stop and whom to contact (a digest's item gets it from its digest).
        self.footer = email_footer(school.name, current_app.config["PORTAL_URL"])

    def add(
        self,
        recipient: Recipient | FamilyContact,
        *,
        key: str,
        body: str,
        subject: str | None = None,
        segments: int = 0,
        start: datetime | None = None,
        notice_id: int | None = None,
        line: str | None = None,
        subscription_id: int | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        """One message to `recipient`; `key` (unique across the outbox) makes it never written twice.

        `expires_at` (by default 48 hours after its start) is when it is no longer worth sending.

        For a guardian who chose the daily digest (and a message that is not urgent) the row is an item of
        that guardian's digest: `line` (by default `body`) is how it reads there, and the digest carries the cost.
        """
        start = max(start or self.now, self.now)
        settings = self.settings
        row: dict[str, Any] = {
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
            "digest": False,
            "digest_id": None,
            "digest_on": None,
            "subscription_id": subscription_id,
            "attempts": 0,
            "next_attempt_at": next_allowed(
                start, self.zone, settings.quiet_end_hour, settings.quiet_start_hour, self.urgent
            ),
            "expires_at": expires_at or start + EXPIRY,
            "segments": segments,
            "cost": segments * settings.sms_segment_price,
            "created_at": self.now,
        }
        if recipient.digest and not self.urgent:
            due = next_digest_time(start, self.zone, settings.digest_hour)
            # `digests.attach` fills in the digest (and may move the item to the next day's).
            # One line in the digest, whatever paragraphs the notice had.
            row |= {"body": " ".join((line or body).split()), "digest": True}
            row |= {"digest_on": due.astimezone(self.zone).date()}
            row |= {"next_attempt_at": due, "expires_at": None, "segments": 0, "cost": 0}
        elif recipient.channel == Channel.EMAIL:
            row["body"] = with_footer(body, self.footer)
        self.rows.append(row)

    def write(self) -> int:
        """Insert the rows (COPY on PostgreSQL), digests first; the caller commits, which nudges the workers.
        Returns how many rows, not counting the digests."""
        digests.attach(
            [row for row in self.rows if row["digest"]],
            school_id=self.school.id,
            settings=self.settings,
            zone=self.zone,
            now=self.now,
            expiry=EXPIRY,
        )
        insert_many(cast(Table, Message.__table__), self.rows)
        if self.rows:
            nudge_after_commit()
        return len(self.rows)


# --- Commit, then nudge ------------------------------------------------------------------------------
# A service that makes work due calls `nudge_after_commit()` (`Outbox.write()` does; the account emails
# name their own task); the session remembers in which transaction it did. The commit of the outermost
# transaction sends one nudge per task however many writes it holds; a rollback drops the writes it undoes
# (a savepoint's rollback only its own).

_PENDING = "contactbook.nudge"  # session.info key: (transaction, task) of the work that wants a nudge


def nudge_after_commit(task: str = DISPATCH_TASK) -> None:
    """Have `task`'s workers woken once the session's current transaction is committed, never if rolled back."""
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((transaction, task))


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def _send_pending(session: Session) -> None:
    # `after_commit` also follows a savepoint's release (the committing one is still the current
    # transaction): its writes wait for the outermost commit, which may yet roll them back.
    if not session.in_nested_transaction():
        pending = session.info.pop(_PENDING, None) or []
        for task in dict.fromkeys(task for _, task in pending):
            nudge_delivery(task)


def _drop_undone(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        pending[:] = [(t, task) for t, task in pending if not _within(t, previous_transaction)]


def _drop_unfinished(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost ended without a commit (closed): nothing was recorded
        session.info.pop(_PENDING, None)


def install_nudges() -> None:
    """Listen to every session's commits and rollbacks (once, however many apps are created)."""
    for name, listener in (
        ("after_commit", _send_pending),
        ("after_soft_rollback", _drop_undone),
        ("after_transaction_end", _drop_unfinished),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def nudge_delivery(task: str = DISPATCH_TASK) -> None:
    """Wake the workers, after the commit that wrote the outbox rows (services call `nudge_after_commit`).

    If the broker is away the beat sweep delivers the rows anyway, so a failed nudge is logged, never
    raised: what the user did is already safely recorded.
    """
    try:
        tasks.send(task)
    except Exception:  # whatever the broker client raises, the page must not fail after the commit
        current_app.logger.warning("Could not nudge the workers (%s); the sweep will deliver", task, exc_info=True)
