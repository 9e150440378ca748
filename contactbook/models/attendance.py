"""Attendance, families' leave requests, early warnings and preschools' daily notes.

A class is marked for a day, a session (morning, afternoon) or a period, as the school's
`AttendanceSettings.unit` says: one `AttendanceMark` per student and (day, slot), present by default.
An absence without an approved `LeaveRequest` alerts the families at once; `alerted_at` records that
they were told (so a correction to "present" within the day tells them again, and only them).
A `RiskWarning` row is the proof that one warning (a rule and its threshold) went for a student:
unique, so that two runs of the rules, or two workers, send it once.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contactbook.models.base import Base, UTCDateTime, str_enum, utcnow
from contactbook.models.roster import Student


class AttendanceUnit(enum.StrEnum):
    """What a class is marked for: the whole day, each session (buổi), or each period (tiết)."""

    DAY = "day"
    SESSION = "session"
    PERIOD = "period"


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"  # absent with permission (có phép), e.g. covered by an approved leave request
    UNEXCUSED = "unexcused"  # absent without permission (không phép)


ABSENT_STATUSES = frozenset({AttendanceStatus.EXCUSED, AttendanceStatus.UNEXCUSED})


class LeaveStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class AttendanceSettings(Base):
    """One school's attendance settings; a school without a row marks by day, warns at 20, 30, 40."""

    __tablename__ = "attendance_settings"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    unit: Mapped[AttendanceUnit] = mapped_column(
        str_enum(AttendanceUnit, "attendance_unit"), default=AttendanceUnit.DAY
    )
    # Absences (sessions) at which the family and the homeroom teacher are warned, ascending.
    warning_thresholds: Mapped[list[int]] = mapped_column(JSON, default=lambda: [20, 30, 40])
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AttendanceMark(Base):
    """A student's attendance in one slot of one day: `slot` is "day", "morning"/"afternoon", or "p1"…"p10"."""

    __tablename__ = "attendance_marks"
    __table_args__ = (
        UniqueConstraint("student_id", "on", "slot", name="uq_attendance_marks_student_day_slot"),
        # A class's sheet for a day or a month.
        Index("ix_attendance_marks_class_on", "class_id", "on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    on: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(10), default="day")
    status: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus, "attendance_status"))
    # Preschools mark arrival and pick-up instead of periods (school-local times).
    arrived_at: Mapped[time | None] = mapped_column(Time)
    picked_up_at: Mapped[time | None] = mapped_column(Time)
    leave_request_id: Mapped[int | None] = mapped_column(ForeignKey("leave_requests.id"))
    # Why it changed after its day (required then), and who marked it last.
    reason: Mapped[str | None] = mapped_column(String(300))
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the families were told of this absence (an alert written to the outbox), if they were.
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    student: Mapped[Student] = relationship()


class LeaveRequest(Base):
    """A family's (or staff's, on its behalf) request that a child be excused from `starts_on` to `ends_on`."""

    __tablename__ = "leave_requests"
    __table_args__ = (Index("ix_leave_requests_student_dates", "student_id", "starts_on", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # Which slots of those days: "day" (all of them), "morning" or "afternoon".
    slots: Mapped[str] = mapped_column(String(10), default="day")
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[LeaveStatus] = mapped_column(str_enum(LeaveStatus, "leave_status"), default=LeaveStatus.PENDING)
    # Who asked: a guardian through the portal, or a staff member on the family's behalf.
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardians.id"), index=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(String(300))

    student: Mapped[Student] = relationship()


class RiskWarning(Base):
    """An early warning that went for a student: one row per rule and threshold, never two."""

    __tablename__ = "risk_warnings"
    __table_args__ = (UniqueConstraint("student_id", "rule", "threshold", name="uq_risk_warnings_student_rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    # e.g. rule "absences" threshold "2025-2026:20"; rule "subject_below" threshold "<semester id>:<subject id>:5.0".
    rule: Mapped[str] = mapped_column(String(30))
    threshold: Mapped[str] = mapped_column(String(60))
    # What the family and the teacher read: the figures that made it fire.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DailyNote(Base):
    """A preschool child's day: meals, nap, health, activities and a short comment, sent in the evening."""

    __tablename__ = "daily_notes"
    __table_args__ = (UniqueConstraint("student_id", "on", name="uq_daily_notes_student_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    on: Mapped[date] = mapped_column(Date)
    meals: Mapped[str | None] = mapped_column(String(200))
    nap: Mapped[str | None] = mapped_column(String(200))
    health: Mapped[str | None] = mapped_column(String(200))
    activities: Mapped[str | None] = mapped_column(String(300))
    comment: Mapped[str | None] = mapped_column(Text)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # When it went to the families (written to the outbox): a later change sends nothing more that day.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    student: Mapped[Student] = relationship()
