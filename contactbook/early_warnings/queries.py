"""The students at risk a staff member sees, with why and what changed since last week (read only).

The list is the rules evaluated now (`services.findings_of`) for the students now enrolled in the user's
classes, with the figures as they stand: a student who just crossed a threshold is listed at once, one whose
average was corrected back above the floor is not. The recorded warnings (`RiskWarning`, written when the
hourly run tells the families) only say when each went, and so which are new this week.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from contactbook.attendance.totals import absences_between
from contactbook.early_warnings.services import findings_of, year_of
from contactbook.extensions import among, db
from contactbook.models import RiskWarning, School, SchoolClass, SchoolYear, Student, User
from contactbook.roster.queries import name_order

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class WarningLine:
    """One warning the rules find now: its rule, the figures, when it went to the family (None: not yet, the
    hourly run will send it) and whether it is new this week."""

    rule: str
    detail: dict[str, Any]
    fired_at: datetime | None
    new: bool


@dataclass
class StudentRisk:
    """A student the rules find at risk now, and its absences now and a week ago."""

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
    """The students now enrolled in the user's classes whom the rules find at risk today, by class then name."""
    year = year_of(school, today)
    if year is None:
        return AtRisk(None, [], 0)
    classes = seen_classes(school, user, sees_all=sees_all, year=year)
    class_names = {c.id: c.name for c in classes}
    if not classes:
        return AtRisk(year, [], 0)
    class_of, found = findings_of(school, today, list(class_names))
    at_risk_ids = [student_id for student_id, findings in found.items() if findings]
    if not at_risk_ids:
        return AtRisk(year, [], len(classes))
    names = {
        student_id: name
        for student_id, name in db.session.execute(
            select(Student.id, Student.full_name).where(among(Student.id, at_risk_ids))
        ).tuples()
    }
    fired = {
        (student_id, rule, threshold): fired_at
        for student_id, rule, threshold, fired_at in db.session.execute(
            select(RiskWarning.student_id, RiskWarning.rule, RiskWarning.threshold, RiskWarning.fired_at).where(
                RiskWarning.school_id == school.id, among(RiskWarning.student_id, at_risk_ids)
            )
        ).tuples()
    }
    students: dict[int, StudentRisk] = {}
    for student_id in at_risk_ids:
        risk = StudentRisk(student_id, names.get(student_id, ""), class_names[class_of[student_id]])
        for finding in found[student_id]:
            went = fired.get((student_id, finding.rule, finding.threshold))
            risk.warnings.append(WarningLine(finding.rule, finding.detail, went, went is None or went >= now - WEEK))
        risk.warnings.sort(key=lambda w: (w.fired_at is None, w.fired_at or now))
        students[student_id] = risk
    now_totals = absences_between(students, year.starts_on, today)
    before = absences_between(students, year.starts_on, today - WEEK)
    for student_id, risk in students.items():
        risk.absences, risk.absences_week_ago = now_totals[student_id], before[student_id]
    order: dict[str, int] = defaultdict(int, {name: i for i, name in enumerate(class_names.values())})
    ordered = sorted(students.values(), key=lambda r: (order[r.class_name], name_order(r.name), r.student_id))
    return AtRisk(year, ordered, len(classes))
