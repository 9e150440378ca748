"""Families: who signs in at the portal, and the one-time secrets they sign in with.

A family is not a tenant row: one family may have children in several schools. It is known by a
verified mobile number or email address; its members are the guardian records (of any school) with
that number or address, looked up when it signs in (`contactbook.family.session`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from contactbook.models.base import Base, UTCDateTime, utcnow


class Family(Base):
    """A family account: a verified phone (E.164) or email, never both on one row."""

    __tablename__ = "families"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)  # stored lower-case
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FamilySignIn(Base):
    """A sign-in secret sent to a phone (a 6-digit code) or an email address (a one-time link), hashed."""

    __tablename__ = "family_sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))  # "sms" | "email"
    address: Mapped[str] = mapped_column(String(254), index=True)  # E.164 phone or lower-case email
    secret_hash: Mapped[str] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
