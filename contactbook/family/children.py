"""The children a family sees: those linked to one of its guardian records, each read in its own school.

Every read here runs under the child's school's row scope, and asks for the family's guardian ids in
that school: a child of another family, or a row of another school, is never found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.family.session import SignedInFamily
from contactbook.models import Enrolment, School, SchoolClass, SchoolStatus, SchoolYear, Student, StudentGuardian
from contactbook.tenancy import MAX_ID, school_scope


@dataclass(frozen=True)
class Child:
    """A child of the family, as the portal shows it."""

    student_id: int
    full_name: str
    date_of_birth: date
    school_id: int
    school_name: str
    class_id: int | None  # the class of the child's latest school year, if enrolled
    class_name: str | None
    guardian_ids: tuple[int, ...]  # the family's guardian records linked to this child


@dataclass(frozen=True)
class SchoolChildren:
    """One school of the family and its children there."""

    school_id: int
    school_name: str
    school_slug: str
    children: list[Child]


def _children_in(family: SignedInFamily, school: School, student_id: int | None = None) -> list[Child]:
    guardian_ids = family.guardian_ids(school.id)
    if not guardian_ids:
        return []
    with school_scope(school.id):
        links = select(StudentGuardian.student_id, StudentGuardian.guardian_id).where(
            StudentGuardian.school_id == school.id, StudentGuardian.guardian_id.in_(guardian_ids)
        )
        if student_id is not None:
            links = links.where(StudentGuardian.student_id == student_id)
        by_student: dict[int, set[int]] = {}
        for sid, gid in db.session.execute(links):
            by_student.setdefault(sid, set()).add(gid)
        if not by_student:
            return []
        students = db.session.scalars(
            select(Student)
            .where(Student.school_id == school.id, Student.id.in_(by_student))
            .order_by(Student.full_name)
        ).all()
        classes: dict[int, tuple[int, str]] = {}
        rows = db.session.execute(
            select(Enrolment.student_id, SchoolClass.id, SchoolClass.name)
            .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .join(SchoolYear, SchoolYear.id == Enrolment.school_year_id)
            .where(Enrolment.school_id == school.id, Enrolment.student_id.in_(by_student))
            .order_by(SchoolYear.starts_on)
        )
        for sid, class_id, class_name in rows:
            classes[sid] = (class_id, class_name)  # the latest year's class wins
    return [
        Child(
            student_id=student.id,
            full_name=student.full_name,
            date_of_birth=student.date_of_birth,
            school_id=school.id,
            school_name=school.name,
            class_id=classes.get(student.id, (None, None))[0],
            class_name=classes.get(student.id, (None, None))[1],
            guardian_ids=tuple(sorted(by_student[student.id])),
        )
        for student in students
    ]


def _schools(family: SignedInFamily) -> list[School]:
    if not family.school_ids:
        return []
    return list(
        db.session.scalars(
            select(School)
            .where(School.id.in_(family.school_ids), School.status == SchoolStatus.ACTIVE)
            .order_by(School.name)
        )
    )


def children_of(family: SignedInFamily) -> list[SchoolChildren]:
    """The family's children, grouped by school (schools by name, children by name)."""
    groups = []
    for school in _schools(family):
        children = _children_in(family, school)
        if children:
            groups.append(SchoolChildren(school.id, school.name, school.slug, children))
    return groups


def child_or_404(family: SignedInFamily, student_id: int) -> Child:
    """The family's child with this id; any other student, of any school, answers 404."""
    if not 0 < student_id <= MAX_ID:
        abort(404)
    for school in _schools(family):
        found = _children_in(family, school, student_id)
        if found:
            return found[0]
    abort(404)
