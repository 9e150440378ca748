"""A family's request about its data in one school: a copy of it, or its erasure (Law 91/2025/QH15).

The school answers within 2 working days (`due_on`, `contactbook.data_requests.rules.due_on`).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contactbook.models.base import Base, UTCDateTime, str_enum, utcnow
from contactbook.models.user import User


class DataRequestKind(enum.StrEnum):
    COPY = "copy"
    ERASURE = "erasure"


class DataRequestStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the school's answer
    PROVIDED = "provided"  # a copy: the family may download it in the portal
    ERASED = "erased"  # an erasure: carried out


class DataRequest(Base):
    """A family's request for a copy or the erasure of its data held by one school."""

    __tablename__ = "data_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    # The family's guardian records in the school when it asked: what the request is about.
    guardian_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    kind: Mapped[DataRequestKind] = mapped_column(str_enum(DataRequestKind, "data_request_kind"))
    status: Mapped[DataRequestStatus] = mapped_column(
        str_enum(DataRequestStatus, "data_request_status"), default=DataRequestStatus.PENDING
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_on: Mapped[date] = mapped_column(Date)  # the last school-local day to answer on
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(500))

    answered_by: Mapped[User | None] = relationship()
