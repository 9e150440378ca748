"""Authorities (a tree) and the schools under them; a school is the tenant."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contactbook.models.base import Base, UTCDateTime, str_enum, utcnow


class AuthorityKind(enum.StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    WARD_COMMUNE = "ward_commune"


class SchoolLevel(enum.StrEnum):
    PRESCHOOL = "preschool"
    PRIMARY = "primary"
    LOWER_SECONDARY = "lower_secondary"
    UPPER_SECONDARY = "upper_secondary"


class SchoolStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Authority(Base):
    """An education authority: a provincial department, or a district / ward-commune body below it."""

    __tablename__ = "authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AuthorityKind] = mapped_column(str_enum(AuthorityKind, "authority_kind"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped[Authority | None] = relationship(remote_side="Authority.id", back_populates="children")
    children: Mapped[list[Authority]] = relationship(back_populates="parent")
    schools: Mapped[list[School]] = relationship(back_populates="authority")


class School(Base):
    """A school: the tenant. Reached at `<slug>.<BASE_DOMAIN>` or `/s/<slug>/`."""

    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    level: Mapped[SchoolLevel] = mapped_column(str_enum(SchoolLevel, "school_level"))
    status: Mapped[SchoolStatus] = mapped_column(str_enum(SchoolStatus, "school_status"), default=SchoolStatus.ACTIVE)
    # Shown on the school's public page (from its registration; its admin keeps them up to date).
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    authority: Mapped[Authority] = relationship(back_populates="schools")

    @property
    def is_preschool(self) -> bool:
        """A preschool: it marks attendance by the day (arrival and pick-up) and keeps daily notes."""
        return self.level == SchoolLevel.PRESCHOOL
