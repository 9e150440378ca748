"""Account recovery and second factor for staff, officer and operator accounts; the platform's settings;
and the outbox of emails to accounts and schools (set-up and reset links, invitations, decisions).

Tokens and recovery codes carry their account's school (NULL for platform accounts), so they are tenant
rows under row-level security like the account itself. Only hashes are stored.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contactbook.models.base import Base, UTCDateTime, str_enum, utcnow
from contactbook.models.school import School
from contactbook.models.user import User


class TokenPurpose(enum.StrEnum):
    SETUP = "setup"  # a new account sets its first password (a school admin after approval)
    RESET = "reset"  # a forgotten password


class AccountToken(Base):
    """A single-use, expiring link that lets an account set its password; only its hash is kept."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)  # the account's
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class RecoveryCode(Base):
    """A single-use code that stands in for the second factor once; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)  # the account's
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PlatformSettings(Base):
    """The platform's own settings, one row (id 1), changed by an operator."""

    __tablename__ = "platform_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Who must use a second factor: any of "school_admin", "officer", "operator" (offered to all regardless).
    two_factor_required_for: Mapped[list[str]] = mapped_column(JSON, default=list)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AccountEmailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # a permanent refusal, or tries exhausted


class AccountEmail(Base):
    """An email to an account or a school's contact (not to a family): the row exists before the send.

    `dedupe_key` makes a mail that must go once (a reminder per invitation and day) go once.
    """

    __tablename__ = "account_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[AccountEmailStatus] = mapped_column(
        str_enum(AccountEmailStatus, "account_email_status"), default=AccountEmailStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(String(300))


class PublicAnnouncement(Base):
    """A public announcement on the school's public page, posted by its admin."""

    __tablename__ = "public_announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published_on: Mapped[date] = mapped_column(Date)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlatformFee(Base):
    """The platform's yearly fee to a school for the website service: the amount, invoiced, paid."""

    __tablename__ = "platform_fees"
    __table_args__ = (UniqueConstraint("school_id", "school_year", name="uq_platform_fees_school_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    school_year: Mapped[str] = mapped_column(String(9))  # "2026-2027"
    amount: Mapped[int] = mapped_column(Integer)  # VND
    invoiced_on: Mapped[date | None] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # invoice number, note
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    school: Mapped[School] = relationship()
