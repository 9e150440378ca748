"""Staff accounts, the roles and single permissions granted to them, and the audit log."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contactbook.models.base import Base, UTCDateTime, utcnow
from contactbook.models.school import Authority, School


def new_session_token() -> str:
    """A fresh random token; changing it ends every session of the account."""
    return secrets.token_urlsafe(24)


class User(Base):
    """A staff account of one school, or a platform operator / authority officer (no school)."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("school_id", "username", name="uq_users_school_username"),
        Index(
            "uq_users_platform_username",
            "username",
            unique=True,
            postgresql_where=text("school_id IS NULL"),
            sqlite_where=text("school_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_platform_operator: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Two-factor sign-in (TOTP): the shared secret (base32), set once the account confirmed a first code.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None]  # the time step of the last code accepted at sign-in: never accepted again

    school: Mapped[School | None] = relationship()
    authority: Mapped[Authority | None] = relationship()
    grants: Mapped[list[Grant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="Grant.user_id"
    )

    # Flask-Login protocol. The id carries the session token, so a changed token logs out everywhere,
    # and a staff account's school, under whose row-level scope the account is read back.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        school = "" if self.school_id is None else f":{self.school_id}"
        return f"{self.id}:{self.session_token}{school}"


class Grant(Base):
    """A role or a single permission held by a user in a school, and who granted it."""

    __tablename__ = "grants"
    __table_args__ = (UniqueConstraint("user_id", "kind", "name", name="uq_grants_user_kind_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "role" or "permission"
    name: Mapped[str] = mapped_column(String(64))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])


class AuditLog(Base):
    """Who did what, when, in which school, from which address."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(45))

    actor: Mapped[User | None] = relationship()
