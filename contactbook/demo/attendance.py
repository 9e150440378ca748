"""The demo's attendance: class 6A1 marked by its homeroom teacher for the last school days before today.

Everyone present but a few: one late, one absent with permission, and one absent without permission on the
latest of those days, the child of the demo family (0901 234 567) when it is in the class, so that the class
summary, the month's sheet and the family's attendance tab show real totals. Past days go through the
marking service as a correction would (with a reason, audited), so no alert is written at seed time.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from contactbook.attendance.services.marking import mark_class
from contactbook.demo.families import DEMO_FAMILIES
from contactbook.extensions import db
from contactbook.models import (
    AttendanceMark,
    AttendanceStatus,
    Guardian,
    School,
    SchoolClass,
    SchoolYear,
    StudentGuardian,
    User,
)
from contactbook.roster.queries import class_students
from contactbook.timezones import school_today

DAYS = 5
REASON = "Dữ liệu mẫu: điểm danh các ngày trước"


def school_days_before(today: date, year: SchoolYear, count: int = DAYS) -> list[date]:
    """The `count` weekdays before `today` within the school year, oldest first (fewer at its start)."""
    days: list[date] = []
    day = today - timedelta(days=1)
    while len(days) < count and day >= year.starts_on:
        if day.weekday() < 5 and day <= year.ends_on:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def _demo_child(school_class: SchoolClass, student_ids: list[int]) -> int | None:
    phones = [family.phone for family in DEMO_FAMILIES]
    return db.session.scalar(
        select(StudentGuardian.student_id)
        .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
        .where(Guardian.school_id == school_class.school_id, Guardian.phone.in_(phones))
        .where(StudentGuardian.student_id.in_(student_ids))
        .order_by(Guardian.phone, StudentGuardian.student_id)
        .limit(1)
    )


def seed_attendance(school: School, showcase: SchoolClass, homeroom: User) -> None:
    """Mark the showcase class for the last school days (once: nothing if the school has marks)."""
    if db.session.scalar(select(AttendanceMark.id).where(AttendanceMark.school_id == school.id).limit(1)):
        return
    year = db.session.get(SchoolYear, showcase.school_year_id)
    students = [student.id for student in class_students(showcase)]
    if year is None or len(students) < 3:
        return
    days = school_days_before(school_today(), year)
    if not days:
        return
    absent = _demo_child(showcase, students) or students[0]
    others = [sid for sid in students if sid != absent]
    special = {
        days[0]: {others[0]: AttendanceStatus.LATE},
        days[len(days) // 2]: {others[1]: AttendanceStatus.EXCUSED},
        days[-1]: {absent: AttendanceStatus.UNEXCUSED},
    }
    for day in days:
        statuses = {sid: AttendanceStatus.PRESENT for sid in students} | special.get(day, {})
        mark_class(school, homeroom, showcase, day, "day", statuses, reason=REASON, times=None)
