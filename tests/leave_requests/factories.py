"""The world of leave requests: school alpha's class 6A1 in a school year around today (whatever the real date),
led by "homeroom"; An, whose mother (+84912345678) subscribed to notices by SMS; Cường of another family; and
class 6A2 led by nobody, with Hoa."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from contactbook.extensions import db
from contactbook.models import (
    AttendanceMark,
    AttendanceStatus,
    Guardian,
    LeaveRequest,
    LeaveStatus,
    SchoolClass,
    SchoolYear,
    Student,
)
from contactbook.models.base import utcnow
from contactbook.roster import services as roster
from contactbook.timezones import school_today
from tests.factories import SchoolPeople
from tests.roster.factories import ClassWorld, make_class, make_guardian, make_student
from tests.subscriptions.payment_factories import monthly_plan, service_on, subscribe

MOTHER = "+84912345678"
FATHER = "+84987654321"


@dataclass
class LeaveWorld:
    people: SchoolPeople
    year: SchoolYear
    school_class: SchoolClass
    other_class: SchoolClass
    an: Student
    cuong: Student
    hoa: Student
    mother: Guardian
    father: Guardian
    today: date


def make_leave_world(people: SchoolPeople) -> LeaveWorld:
    """The year runs from 60 days ago to 120 days ahead; semester II began 9 days ago."""
    today = school_today()
    year = roster.create_year(
        people.school,
        people.admin,
        name="Năm nay",
        semester_dates=(
            (today - timedelta(days=60), today - timedelta(days=10)),
            (today - timedelta(days=9), today + timedelta(days=120)),
        ),
    )
    school_class = make_class(people, year, "6A1", homeroom=people.staff["homeroom"])
    other_class = make_class(people, year, "6A2")
    an = make_student(people, school_class, "Nguyễn Văn An", "790100000101")
    cuong = make_student(people, school_class, "Lê Văn Cường", "790100000102")
    hoa = make_student(people, other_class, "Phạm Thị Hoa", "790100000103")
    mother = make_guardian(people, [an], "Trần Thị Bình", phone=MOTHER, email="binh@example.vn")
    father = make_guardian(people, [cuong], "Lê Văn Dũng", relation="father", phone=FATHER)
    service_on(people)
    subscribe(people, mother, an, monthly_plan(people), today, purposes={"notices_sms"}, actor=people.admin)
    return LeaveWorld(people, year, school_class, other_class, an, cuong, hoa, mother, father, today)


def put_leave(
    world: LeaveWorld,
    student: Student,
    starts_on: date,
    ends_on: date | None = None,
    *,
    slots: str = "day",
    status: LeaveStatus = LeaveStatus.PENDING,
    guardian: Guardian | None = None,
    reason: str = "Con bị sốt",
) -> LeaveRequest:
    """A request written directly (the services' own rules are tested through them)."""
    school_class_id = world.other_class.id if student.id == world.hoa.id else world.school_class.id
    request = LeaveRequest(
        school_id=world.people.school.id,
        student_id=student.id,
        class_id=school_class_id,
        starts_on=starts_on,
        ends_on=ends_on or starts_on,
        slots=slots,
        reason=reason,
        status=status,
        guardian_id=guardian.id if guardian else None,
        created_at=utcnow(),
    )
    db.session.add(request)
    db.session.commit()
    return request


def put_mark(
    world: LeaveWorld,
    student: Student,
    on: date,
    status: AttendanceStatus,
    slot: str = "day",
    *,
    alerted: bool = False,
    arrived: time | None = None,
) -> AttendanceMark:
    """A mark written directly, as the marking service would leave it."""
    mark = AttendanceMark(
        school_id=world.people.school.id,
        class_id=world.other_class.id if student.id == world.hoa.id else world.school_class.id,
        student_id=student.id,
        on=on,
        slot=slot,
        status=status,
        arrived_at=arrived,
        marked_by_id=world.people.staff["homeroom"].id,
        marked_at=utcnow(),
        alerted_at=utcnow() if alerted else None,
    )
    db.session.add(mark)
    db.session.commit()
    return mark


def waiting_request(roster: ClassWorld, student: Student | None = None, guardian: Guardian | None = None) -> int:
    """A request waiting for an answer, for a day of the class world's year (the authorization matrix's world):
    for `student` (the world's student by default), asked by `guardian` (its mother by default)."""
    request = LeaveRequest(
        school_id=roster.school_class.school_id,
        student_id=(student or roster.student).id,
        class_id=roster.school_class.id,
        starts_on=roster.year.starts_on + timedelta(days=30),
        ends_on=roster.year.starts_on + timedelta(days=31),
        slots="day",
        reason="Con bị sốt",
        status=LeaveStatus.PENDING,
        guardian_id=(guardian or roster.guardian).id,
        created_at=utcnow(),
    )
    db.session.add(request)
    db.session.commit()
    return request.id
