"""Every message the family was sent about a child: channel, status in the family's words, when, the text.

Read only, under the child's school's row scope, by the child's id and the family's guardian records.
An item of a daily digest shows the digest's fate: it went (or not) with the digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import aliased

from contactbook.extensions import db
from contactbook.family.children import Child
from contactbook.models import Message, MessageStatus
from contactbook.tenancy import school_scope

PAGE_SIZE = 20
_DIGEST = aliased(Message, name="digest")  # the digest an item went with; made once (31 column proxies)

# The words the family reads: sent, delivered to the phone (or mailbox), failed; the rest in plain words.
STATUS_LABELS: dict[str, LazyString] = {
    MessageStatus.QUEUED: _l("waiting to be sent"),
    MessageStatus.CLAIMED: _l("being sent"),
    MessageStatus.SENDING: _l("being sent"),
    MessageStatus.SENT: _l("sent"),
    MessageStatus.DELIVERED: _l("delivered to the phone"),
    MessageStatus.UNDELIVERED: _l("failed"),
    MessageStatus.FAILED: _l("failed"),
    MessageStatus.SKIPPED: _l("not sent"),
    MessageStatus.EXPIRED: _l("not sent (too late)"),
    MessageStatus.AMBIGUOUS: _l("unknown"),
    MessageStatus.DIGESTED: _l("sent in the daily digest"),
}
EMAIL_DELIVERED = _l("delivered to the mailbox")
CHANNEL_LABELS: dict[str, LazyString] = {"sms": _l("SMS"), "email": _l("Email")}
KIND_LABELS: dict[str, LazyString] = {
    "notice": _l("Notice"),
    "score": _l("Grade"),
    "renewal": _l("Subscription"),
    "daily_note": _l("Daily note"),
    "attendance": _l("Absence"),
    "attendance_present": _l("Arrived after all"),
    "leave_decision": _l("Leave request"),
    "warning": _l("Early warning"),
    "welcome": _l("Welcome"),
}


def status_label(status: str, channel: str) -> str:
    """A message's status as the family reads it ("đã gửi", "đã đến máy", "lỗi")."""
    if status == MessageStatus.DELIVERED and channel == "email":
        return str(EMAIL_DELIVERED)
    return str(STATUS_LABELS.get(status, status))


def status_tone(status: str) -> str:
    """A CSS class for the status: ok, bad or waiting."""
    if status in (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.DIGESTED):
        return "ok"
    if status in (MessageStatus.FAILED, MessageStatus.UNDELIVERED):
        return "bad"
    return "waiting"


@dataclass(frozen=True)
class ChildMessage:
    """A message on the child's page."""

    id: int
    kind: str
    channel: str
    status: str  # the item's own, or for a digest item the digest's
    subject: str | None
    body: str
    created_at: datetime
    in_digest: bool

    @property
    def status_label(self) -> str:
        return status_label(self.status, self.channel)

    @property
    def status_tone(self) -> str:
        return status_tone(self.status)

    @property
    def channel_label(self) -> str:
        return str(CHANNEL_LABELS.get(self.channel, self.channel))

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


@dataclass(frozen=True)
class MessagePage:
    messages: list[ChildMessage]
    page: int
    has_next: bool


def messages_of(child: Child, page: int) -> MessagePage:
    """One page of the messages sent to the family's guardian records about `child`, newest first."""
    page = max(page, 1)
    if not child.guardian_ids:
        return MessagePage([], page, False)
    digest = _DIGEST
    with school_scope(child.school_id):
        rows = db.session.execute(
            select(
                Message.id,
                Message.kind,
                Message.channel,
                Message.status,
                Message.subject,
                Message.body,
                Message.created_at,
                Message.digest,
                digest.status.label("digest_status"),
            )
            .outerjoin(digest, digest.id == Message.digest_id)
            .where(
                Message.school_id == child.school_id,
                Message.guardian_id.in_(child.guardian_ids),
                Message.student_id == child.student_id,
            )
            .order_by(Message.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        ).all()
    messages = [
        ChildMessage(
            row.id,
            row.kind,
            row.channel,
            _status(row.status, row.digest, row.digest_status),
            row.subject,
            row.body,
            row.created_at,
            bool(row.digest),
        )
        for row in rows[:PAGE_SIZE]
    ]
    return MessagePage(messages, page, len(rows) > PAGE_SIZE)


def _status(status: MessageStatus, in_digest: bool, digest_status: MessageStatus | None) -> str:
    """An item of a daily digest goes with the digest: until it is settled otherwise, it shares the digest's status."""
    if in_digest and digest_status is not None and status in (MessageStatus.QUEUED, MessageStatus.DIGESTED):
        return str(digest_status)
    return str(status)
