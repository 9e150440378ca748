"""Whom a staff member may address a notice to, this school year.

Staff holding `roster.view_all` may write to the whole school, to grade levels, to any class or to
chosen students. Anyone else may write only to the classes it teaches or leads, or to students of
those classes. Read only: nothing here writes or commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import Enrolment, EnrolmentStatus, School, SchoolClass, Student, User
from contactbook.notices.services import Audience
from contactbook.roster.queries import name_order
from contactbook.roster.services import current_year, visible_classes

KINDS = ("school", "grades", "classes", "students")


@dataclass(frozen=True)
class AudienceOptions:
    """The audiences offered to one staff member: kinds, grade levels, classes and their students."""

    kinds: tuple[str, ...]
    grades: tuple[int, ...] = ()
    classes: tuple[SchoolClass, ...] = ()
    students: dict[int, list[Student]] = field(default_factory=dict)  # by class id, in class-list order

    @property
    def student_ids(self) -> frozenset[int]:
        return frozenset(s.id for group in self.students.values() for s in group)

    def allows(self, audience: Audience) -> bool:
        """Whether the staff member may send to `audience` (every id must be one it was offered)."""
        if audience.kind not in self.kinds:
            return False
        offered = {
            "school": frozenset[int](),
            "grades": frozenset(self.grades),
            "classes": frozenset(c.id for c in self.classes),
            "students": self.student_ids,
        }[audience.kind]
        return set(audience.ids) <= offered


def options_for(school: School, user: User, *, sees_all: bool) -> AudienceOptions:
    """What `user` may choose from; `sees_all` is whether it holds `roster.view_all`."""
    year = current_year(school)
    kinds = KINDS if sees_all else ("classes", "students")
    if year is None:
        return AudienceOptions(kinds)
    classes = tuple(db.session.scalars(visible_classes(school, user, sees_all=sees_all, year=year)))
    rows = db.session.execute(
        select(Enrolment.class_id, Student)
        .join(Student, Student.id == Enrolment.student_id)
        .where(
            Enrolment.school_id == school.id,
            Enrolment.school_year_id == year.id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Enrolment.class_id.in_([c.id for c in classes]),
        )
    ).all()
    students: dict[int, list[Student]] = defaultdict(list)
    for class_id, student in rows:
        students[class_id].append(student)
    for group in students.values():
        group.sort(key=lambda s: name_order(s.full_name))
    grades = tuple(sorted({c.grade_level for c in classes})) if sees_all else ()
    return AudienceOptions(kinds, grades, classes, dict(students))
