"""Sending a notice's failed messages again, when they failed for a reason that may have passed."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, update

from contactbook.audit import services as audit
from contactbook.extensions import db
from contactbook.messaging.outbox import nudge_after_commit
from contactbook.models import Message, MessageStatus, Notice, School, User
from contactbook.models.base import utcnow

# Failures worth another try: the provider or network was away ("temporary: …"), or retries ran out
# ("gave up after …"). Permanent refusals (invalid number, unsubscribed) fail the same way again.
RETRYABLE_PREFIXES = ("temporary", "gave up")


def retryable(notice_id: int) -> ColumnElement[bool]:
    """The condition that picks the notice's failed messages worth another try."""
    return and_(
        Message.notice_id == notice_id,
        Message.status == MessageStatus.FAILED,
        or_(*(Message.error.startswith(prefix, autoescape=True) for prefix in RETRYABLE_PREFIXES)),
    )


def retry_failed(school: School, actor: User | None, notice: Notice) -> int:
    """Queue the notice's temporarily failed messages again, due now, attempts kept; returns how many.

    The commit nudges the workers when there are any.
    """
    if notice.school_id != school.id:
        raise ValueError("the notice belongs to another school")
    result = db.session.execute(
        update(Message)
        .where(Message.school_id == school.id, retryable(notice.id))
        .values(status=MessageStatus.QUEUED, next_attempt_at=utcnow(), claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        nudge_after_commit()
    audit.record("notice.retried", actor=actor, school_id=school.id, target=notice, messages=count)
    db.session.commit()
    return count
