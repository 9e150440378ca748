"""The students at risk a staff member sees, with why and what changed since last week (read only)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from contactbook.attendance.totals import absences_between
from contactbook.early_warnings.services import year_of
from contactbook.extensions import db
from contactbook.models import RiskWarning, School, SchoolClass, SchoolYear, Student, User
from contactbook.roster.queries import name_order

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class WarningLine:
    """One warning that went: its rule, the figures that made it fire, and whether it is new this week."""

    rule: str
    detail: dict[str, Any]
    fired_at: datetime
    new: bool


@dataclass
class StudentRisk:
    """A student with at least one warning this school year, and its absences now and a week ago."""

    student_id: int
    name: str
    class_name: str
    warnings: list[WarningLine] = field(default_factory=list)
    absences: int = 0
    absences_week_ago: int = 0

    @property
    def new_warnings(self) -> int:
        return sum(1 for w in self.warnings if w.new)

    @property
    def absences_this_week(self) -> int:
        return self.absences - self.absences_week_ago


@dataclass
class AtRisk:
    year: SchoolYear | None
    students: list[StudentRisk]
    class_count: int


def seen_classes(school: School, user: User, *, sees_all: bool, year: SchoolYear) -> list[SchoolClass]:
    """The year's classes the user follows: every class with `roster.view_all`, else those it leads (homeroom)."""
    query = select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.school_year_id == year.id)
    if not sees_all:
        query = query.where(SchoolClass.homeroom_teacher_id == user.id)
    return list(db.session.scalars(query.order_by(SchoolClass.grade_level, SchoolClass.name)))


def at_risk(school: School, user: User, *, sees_all: bool, today: date, now: datetime) -> AtRisk:
    """The students of the user's classes with warnings this school year, by class then name."""
    year = year_of(school, today)
    if year is None:
        return AtRisk(None, [], 0)
    classes = seen_classes(school, user, sees_all=sees_all, year=year)
    class_names = {c.id: c.name for c in classes}
    rows = db.session.execute(
        select(RiskWarning, Student.full_name)
        .join(Student, Student.id == RiskWarning.student_id)
        .where(RiskWarning.school_id == school.id, RiskWarning.class_id.in_(list(class_names)))
        .order_by(RiskWarning.fired_at, RiskWarning.id)
    ).tuples()
    students: dict[int, StudentRisk] = {}
    for warning, full_name in rows:
        risk = students.setdefault(
            warning.student_id, StudentRisk(warning.student_id, full_name, class_names[warning.class_id])
        )
        detail = warning.detail if isinstance(warning.detail, dict) else {}
        risk.warnings.append(WarningLine(warning.rule, detail, warning.fired_at, warning.fired_at >= now - WEEK))
    if students:
        now_totals = absences_between(students, year.starts_on, today)
        before = absences_between(students, year.starts_on, today - WEEK)
        for student_id, risk in students.items():
            risk.absences, risk.absences_week_ago = now_totals[student_id], before[student_id]
    order: dict[str, int] = defaultdict(int, {name: i for i, name in enumerate(class_names.values())})
    ordered = sorted(students.values(), key=lambda r: (order[r.class_name], name_order(r.name), r.student_id))
    return AtRisk(year, ordered, len(classes))
