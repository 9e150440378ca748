"""Notices and the outbox: every SMS or email is a `Message` row before anything is sent."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contactbook.messaging.vocabulary import FailureKind
from contactbook.models.base import Base, UTCDateTime, str_enum, utcnow
from contactbook.models.user import User


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its time (quiet hours, retry backoff) or a worker
    CLAIMED = "claimed"  # taken by a worker, not yet handed to the provider: safe to requeue
    SENDING = "sending"  # being handed to the provider: if the worker dies now, we cannot know
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"  # the carrier confirmed it (status callback)
    UNDELIVERED = "undelivered"  # the carrier could not deliver it (status callback)
    FAILED = "failed"  # a permanent error, or retries exhausted
    SKIPPED = "skipped"  # not sent, on purpose (no longer eligible...): `error` says why
    EXPIRED = "expired"  # too late to be worth sending
    AMBIGUOUS = "ambiguous"  # the request may have reached the provider: never resent automatically
    DIGESTED = "digested"  # gathered into the guardian's daily digest message


FINAL_STATUSES = frozenset(
    {
        MessageStatus.SENT,
        MessageStatus.DELIVERED,
        MessageStatus.UNDELIVERED,
        MessageStatus.FAILED,
        MessageStatus.SKIPPED,
        MessageStatus.EXPIRED,
        MessageStatus.AMBIGUOUS,
        MessageStatus.DIGESTED,
    }
)


class Notice(Base):
    """A notice written by a teacher or the school, to the school, grade levels, classes or students."""

    __tablename__ = "notices"
    # One notice per confirmation: a double click or a confirmation posted again finds the notice it made.
    __table_args__ = (UniqueConstraint("school_id", "submission", name="uq_notices_school_submission"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The token of the preview the notice was confirmed from (none for notices written by other means).
    submission: Mapped[str | None] = mapped_column(String(32))

    author: Mapped[User | None] = relationship()


class Message(Base):
    """One SMS or email owed to one guardian about one student; the row exists before any send."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_due", "status", "next_attempt_at"),
        # A family's page lists the messages about one child, newest first; it also finds a guardian's.
        Index("ix_messages_guardian_student", "guardian_id", "student_id", "id"),
        # A status report finds its message; a message has no reference until it is sent, and each
        # state it passes through before would otherwise add an index entry of NULL.
        Index(
            "ix_messages_provider_ref",
            "provider_ref",
            postgresql_where=text("provider_ref IS NOT NULL"),
            sqlite_where=text("provider_ref IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # notice | score | digest | renewal
    category: Mapped[str] = mapped_column(String(20))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"))
    channel: Mapped[str] = mapped_column(String(10))  # sms | email
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[MessageStatus] = mapped_column(str_enum(MessageStatus, "message_status"))
    # An item of a daily digest (`digest`) is never sent alone: its body is its line in the digest it points
    # to (`digest_id`), a message of kind "digest" for the guardian, channel and school-local day `digest_on`.
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    digest_on: Mapped[date | None] = mapped_column(Date)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))  # what a renewal is about
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    provider_ref: Mapped[str | None] = mapped_column(String(64))
    segments: Mapped[int] = mapped_column(SmallInteger, default=0)
    cost: Mapped[int] = mapped_column(Integer, default=0)
    # Why it was not (or may not have been) sent: a human reason, and for a failure its kind (which alone
    # decides whether it may be tried again) and the provider's code (Twilio error, SMTP reply, HTTP status).
    error: Mapped[str | None] = mapped_column(String(300))
    failure_kind: Mapped[FailureKind | None] = mapped_column(str_enum(FailureKind, "failure_kind"))
    failure_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
