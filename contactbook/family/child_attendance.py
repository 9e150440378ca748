"""A child's attendance in the portal (read only): totals this semester and year, a month's calendar, the
child's leave requests. Read under the child's school's scope."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from contactbook.attendance.rules import PERIODS
from contactbook.attendance.totals import absence_totals_between
from contactbook.extensions import db
from contactbook.family.children import Child
from contactbook.grading.rules import MAX_ABSENCES
from contactbook.leave_requests.queries import requests_of_child
from contactbook.models import (
    AttendanceMark,
    AttendanceStatus,
    LeaveRequest,
    LeaveStatus,
    SchoolClass,
    SchoolYear,
    Semester,
)
from contactbook.tenancy import school_scope
from contactbook.timezones import school_today

SLOT_ORDER = ("day", "morning", "afternoon", *PERIODS)


@dataclass(frozen=True)
class Totals:
    """Sessions absent (of the 45 a year allows), with and without permission, and late marks."""

    sessions: int
    excused: int
    unexcused: int
    late: int


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    marks: list[tuple[str, AttendanceStatus]] = field(default_factory=list)
    on_leave: bool = False  # an approved request covers some of the day


@dataclass(frozen=True)
class ChildAttendance:
    year_name: str
    semester_number: int | None
    semester: Totals | None
    year: Totals
    max_sessions: int
    month: date  # its first day
    weeks: list[list[CalendarDay]]
    previous_month: date | None
    next_month: date | None
    requests: list[LeaveRequest]


def _totals(student_id: int, starts_on: date, ends_on: date) -> Totals:
    """Sessions absent, with and without permission (sessions, as the month sheet counts them), late marks."""
    found = absence_totals_between([student_id], starts_on, ends_on)[student_id]
    return Totals(found.sessions, found.excused, found.unexcused, found.late)


def _months(starts_on: date, ends_on: date) -> list[date]:
    months, month = [], starts_on.replace(day=1)
    while month <= ends_on:
        months.append(month)
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return months


def shown_month(year_starts: date, year_ends: date, asked: date | None, today: date) -> date | None:
    """The month to show: the one asked for (None if outside the school year), else today's, else the year's
    nearest end."""
    months = _months(year_starts, year_ends)
    if asked is not None:
        return asked if asked in months else None
    this_month = today.replace(day=1)
    if this_month in months:
        return this_month
    return months[-1] if today > year_ends else months[0]


def _weeks(student_id: int, month: date, requests: list[LeaveRequest]) -> list[list[CalendarDay]]:
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    first, last = weeks[0][0], weeks[-1][-1]
    marks: dict[date, list[tuple[str, AttendanceStatus]]] = defaultdict(list)
    rows = db.session.execute(
        select(AttendanceMark.on, AttendanceMark.slot, AttendanceMark.status).where(
            AttendanceMark.student_id == student_id, AttendanceMark.on >= first, AttendanceMark.on <= last
        )
    ).tuples()
    for on, slot, status in rows:
        marks[on].append((slot, status))
    approved = [r for r in requests if r.status == LeaveStatus.APPROVED]
    return [
        [
            CalendarDay(
                day,
                day.month == month.month,
                sorted(marks.get(day, []), key=lambda m: SLOT_ORDER.index(m[0]) if m[0] in SLOT_ORDER else 99),
                any(r.starts_on <= day <= r.ends_on for r in approved),
            )
            for day in week
        ]
        for week in weeks
    ]


def attendance_of(child: Child, asked_month: date | None) -> ChildAttendance | None:
    """The child's attendance in its class's school year; None when it has no class, or the month asked for
    lies outside that year."""
    if child.class_id is None:
        return None
    today = school_today()
    with school_scope(child.school_id):
        year = db.session.scalar(
            select(SchoolYear)
            .join(SchoolClass, SchoolClass.school_year_id == SchoolYear.id)
            .where(SchoolClass.id == child.class_id, SchoolClass.school_id == child.school_id)
        )
        if year is None:
            return None
        month = shown_month(year.starts_on, year.ends_on, asked_month, today)
        if month is None:
            return None
        semesters: list[Semester] = list(year.semesters)
        begun = [s for s in semesters if s.starts_on <= today] or semesters[:1]
        semester = next((s for s in semesters if s.starts_on <= today <= s.ends_on), begun[-1] if begun else None)
        requests = requests_of_child(child.school_id, child.student_id)
        months = _months(year.starts_on, year.ends_on)
        index = months.index(month)
        return ChildAttendance(
            year_name=year.name,
            semester_number=semester.number if semester else None,
            semester=_totals(child.student_id, semester.starts_on, semester.ends_on) if semester else None,
            year=_totals(child.student_id, year.starts_on, year.ends_on),
            max_sessions=MAX_ABSENCES,
            month=month,
            weeks=_weeks(child.student_id, month, requests),
            previous_month=months[index - 1] if index > 0 else None,
            next_month=months[index + 1] if index + 1 < len(months) else None,
            requests=requests,
        )


def leave_of_child(child: Child, leave_id: int) -> LeaveRequest | None:
    """The child's request with this id (under its school's scope); None for any other request."""
    with school_scope(child.school_id):
        leave = db.session.get(LeaveRequest, leave_id)
    if leave is None or leave.school_id != child.school_id or leave.student_id != child.student_id:
        return None
    return leave
