"""Plain factories for attendance: marks written directly (marking a class is tested through its service)."""

from __future__ import annotations

from datetime import date, timedelta

from contactbook.extensions import db
from contactbook.models import AttendanceMark, AttendanceStatus, SchoolClass, Student


def put_mark(
    school_class: SchoolClass,
    student: Student,
    on: date,
    status: AttendanceStatus = AttendanceStatus.UNEXCUSED,
    slot: str = "day",
) -> AttendanceMark:
    """One stored mark of `student` in `school_class`."""
    mark = AttendanceMark(
        school_id=school_class.school_id, class_id=school_class.id, student_id=student.id, on=on, slot=slot,
        status=status,
    )  # fmt: skip
    db.session.add(mark)
    db.session.commit()
    return mark


def put_absences(
    school_class: SchoolClass,
    student: Student,
    starts_on: date,
    count: int,
    status: AttendanceStatus = AttendanceStatus.UNEXCUSED,
) -> None:
    """`count` whole days absent from `starts_on` on, one a day (weekends included: the count is what matters)."""
    for offset in range(count):
        db.session.add(
            AttendanceMark(
                school_id=school_class.school_id, class_id=school_class.id, student_id=student.id,
                on=starts_on + timedelta(days=offset), slot="day", status=status,
            )
        )  # fmt: skip
    db.session.commit()
