"""Whom a notice concerns, and which families said they have read it (the families' portal).

A notice's audience (the whole school, grade levels, classes, chosen students) is resolved to its
students when the notice is written: `NoticeStudent` keeps them, so a family's page finds the notices
about its child by the child's id, and a student who moves class later does not change who a notice was
for. `NoticeRead` is the only read tracking: a family pressed "I have read it" (one row per guardian
record of the family and notice, whatever the number of presses or of children concerned).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contactbook.models.base import Base, UTCDateTime, utcnow


class NoticeStudent(Base):
    """A student the notice was written to (its audience when written)."""

    __tablename__ = "notice_students"
    __table_args__ = (
        UniqueConstraint("notice_id", "student_id", name="uq_notice_students_notice_student"),
        # A child's page lists its notices, newest first.
        Index("ix_notice_students_student_notice", "student_id", "notice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))


class NoticeRead(Base):
    """A family said it has read the notice: one row per guardian record of that family and notice."""

    __tablename__ = "notice_reads"
    __table_args__ = (UniqueConstraint("notice_id", "guardian_id", name="uq_notice_reads_notice_guardian"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
