"""The attendance world: alpha's class 6A1 (led by "homeroom") with three children and their families.

Nguyễn Văn An's mother Trần Thị Bình has a phone and an email; Lê Văn Cường's father Lê Văn Dũng only a
phone; Phạm Thị Hoa has no guardian. Nobody subscribes: the alerts reach them as free essentials, when the
school makes attendance one. The tests live on `DAY`, a Tuesday of semester II of 2025-2026.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import (
    AttendanceMark,
    AttendanceStatus,
    Guardian,
    LeaveRequest,
    LeaveStatus,
    Message,
    SchoolClass,
    Student,
)
from contactbook.subscriptions import services as subscriptions
from tests.factories import SchoolPeople
from tests.roster.factories import ClassWorld, make_class_world, make_guardian, make_student

DAY = date(2026, 3, 10)


@dataclass
class AttendanceWorld:
    people: SchoolPeople
    roster: ClassWorld
    an: Student
    cuong: Student
    hoa: Student
    mother: Guardian  # An's: phone and email
    father: Guardian  # Cường's: phone only

    @property
    def school_class(self) -> SchoolClass:
        return self.roster.school_class

    @property
    def url(self) -> str:
        return f"/s/{self.people.slug}/attendance/classes/{self.school_class.id}"


def make_attendance_world(people: SchoolPeople, *, free: bool = True) -> AttendanceWorld:
    """The class world; with `free`, attendance is among the school's free essentials."""
    cw = make_class_world(people)
    cuong = make_student(people, cw.school_class, "Lê Văn Cường", "790100000002")
    father = make_guardian(people, [cuong], "Lê Văn Dũng", relation="father", phone="+84987654321")
    hoa = make_student(people, cw.school_class, "Phạm Thị Hoa", "790100000003")
    if free:
        make_attendance_free(people)
    return AttendanceWorld(people, cw, cw.student, cuong, hoa, cw.guardian, father)


def make_attendance_free(people: SchoolPeople) -> None:
    subscriptions.update_settings(
        people.school,
        people.admin,
        free_categories=["emergency", "closure", "attendance"],
        allow_unpaid_start=True,
        unpaid_flag_days=14,
        reminder_days=7,
    )


def approve_leave(world: AttendanceWorld, student: Student, starts_on: date, ends_on: date, slots: str = "day") -> int:
    """An approved leave request, written directly (the leave requests' own services are tested there)."""
    request = LeaveRequest(
        school_id=world.people.school.id,
        student_id=student.id,
        class_id=world.school_class.id,
        starts_on=starts_on,
        ends_on=ends_on,
        slots=slots,
        reason="Khám bệnh",
        status=LeaveStatus.APPROVED,
        guardian_id=None,
        entered_by_id=world.people.admin.id,
    )
    db.session.add(request)
    db.session.commit()
    return request.id


def marks(world: AttendanceWorld, on: date = DAY) -> dict[int, AttendanceMark]:
    """The class's marks of a day, by student, read afresh."""
    db.session.expire_all()
    rows = db.session.scalars(
        select(AttendanceMark).where(AttendanceMark.class_id == world.school_class.id, AttendanceMark.on == on)
    )
    return {m.student_id: m for m in rows}


def messages(kind: str | None = None) -> list[Message]:
    db.session.expire_all()
    query = select(Message).order_by(Message.id)
    if kind is not None:
        query = query.where(Message.kind == kind)
    return list(db.session.scalars(query))


# Marks written directly (marking a class is tested through its service).


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
