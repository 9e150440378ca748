"""Reading leave requests (read only): the class a child is in on a day, a staff member's list, a child's requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, select

from contactbook.attendance.rules import covers
from contactbook.extensions import db
from contactbook.models import (
    AttendanceMark,
    AttendanceStatus,
    Enrolment,
    EnrolmentStatus,
    LeaveRequest,
    LeaveStatus,
    SchoolClass,
    SchoolYear,
    Student,
    User,
)

PAGE_SIZE = 50


@dataclass(frozen=True)
class Placement:
    """A student's class in one school year, with the year's dates."""

    class_id: int
    class_name: str
    homeroom_teacher_id: int | None
    year_starts: date
    year_ends: date


def placement_on(school_id: int, student_id: int, on: date) -> Placement | None:
    """The student's class in the school year holding day `on`, else in its latest year; None if never enrolled."""
    rows = db.session.execute(
        select(
            SchoolClass.id, SchoolClass.name, SchoolClass.homeroom_teacher_id, SchoolYear.starts_on, SchoolYear.ends_on
        )
        .join(Enrolment, Enrolment.class_id == SchoolClass.id)
        .join(SchoolYear, SchoolYear.id == Enrolment.school_year_id)
        .where(
            Enrolment.school_id == school_id,
            Enrolment.student_id == student_id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
        .order_by(SchoolYear.starts_on.desc())
    ).all()
    placements = [Placement(*row) for row in rows]
    for placement in placements:
        if placement.year_starts <= on <= placement.year_ends:
            return placement
    return placements[0] if placements else None


@dataclass(frozen=True)
class Listed:
    """A request as the staff list shows it."""

    request: LeaveRequest
    student_name: str
    class_name: str


@dataclass(frozen=True)
class Page:
    rows: list[Listed]
    page: int
    has_next: bool


def requests_for(school_id: int, user: User, *, every_class: bool, page: int) -> Page:
    """The requests a staff member decides: every class's with `every_class`, else its homeroom classes'; the
    waiting ones first (soonest first), then the others newest first."""
    query = (
        select(LeaveRequest, Student.full_name, SchoolClass.name)
        .join(Student, Student.id == LeaveRequest.student_id)
        .join(SchoolClass, SchoolClass.id == LeaveRequest.class_id)
        .where(LeaveRequest.school_id == school_id)
    )
    if not every_class:
        query = query.where(SchoolClass.homeroom_teacher_id == user.id)
    pending = LeaveRequest.status == LeaveStatus.PENDING
    query = query.order_by(
        case((pending, 0), else_=1),
        case((pending, LeaveRequest.starts_on), else_=None),
        LeaveRequest.created_at.desc(),
        LeaveRequest.id.desc(),
    )
    rows = db.session.execute(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).tuples().all()
    listed = [Listed(request, student, class_name) for request, student, class_name in rows[:PAGE_SIZE]]
    return Page(listed, page, len(rows) > PAGE_SIZE)


@dataclass(frozen=True)
class Enterable:
    """A student a staff member may enter a request for."""

    student_id: int
    full_name: str
    class_name: str


def students_for_entry(school_id: int, user: User, *, every_class: bool, today: date) -> list[Enterable]:
    """The students of the current school year (the one holding today, else the latest begun) whose requests
    the staff member enters: every class's with `every_class`, else its homeroom classes'."""
    year_id = db.session.scalar(
        select(SchoolYear.id)
        .where(SchoolYear.school_id == school_id, SchoolYear.starts_on <= today)
        .order_by(case((SchoolYear.ends_on >= today, 0), else_=1), SchoolYear.starts_on.desc())
        .limit(1)
    )
    if year_id is None:
        return []
    query = (
        select(Student.id, Student.full_name, SchoolClass.name)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .where(
            Enrolment.school_id == school_id,
            Enrolment.school_year_id == year_id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
        .order_by(SchoolClass.grade_level, SchoolClass.name, Student.full_name, Student.id)
    )
    if not every_class:
        query = query.where(SchoolClass.homeroom_teacher_id == user.id)
    return [Enterable(*row) for row in db.session.execute(query)]


def requests_of_child(school_id: int, student_id: int, limit: int = 50) -> list[LeaveRequest]:
    """A child's requests, the latest days first."""
    return list(
        db.session.scalars(
            select(LeaveRequest)
            .where(LeaveRequest.school_id == school_id, LeaveRequest.student_id == student_id)
            .order_by(LeaveRequest.starts_on.desc(), LeaveRequest.id.desc())
            .limit(limit)
        )
    )


def absences_covered(request: LeaveRequest) -> int:
    """The absences already marked that approving `request` would excuse (unexcused ones, in its slots)."""
    rows = db.session.execute(
        select(AttendanceMark.slot).where(
            AttendanceMark.school_id == request.school_id,
            AttendanceMark.student_id == request.student_id,
            AttendanceMark.on >= request.starts_on,
            AttendanceMark.on <= request.ends_on,
            AttendanceMark.status == AttendanceStatus.UNEXCUSED,
        )
    ).scalars()
    return sum(1 for slot in rows if covers(request.slots, slot))
