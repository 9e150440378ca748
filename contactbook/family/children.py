"""The children a family sees: those linked to one of its guardian records, each read in its own school.

Every read here runs under the child's school's row scope, and asks for the family's guardian ids in
that school: a child of another family, or a row of another school, is never found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort, g
from sqlalchemy import BindParameter, Integer, String, and_, bindparam, func, or_, select

from contactbook.extensions import db
from contactbook.family.session import SignedInFamily
from contactbook.models import (
    Enrolment,
    Guardian,
    School,
    SchoolClass,
    SchoolStatus,
    SchoolYear,
    Student,
    StudentGuardian,
)
from contactbook.tenancy import MAX_ID, school_scope

_SCHOOL: BindParameter[int] = bindparam("school_id", type_=Integer)
# A school's children of the family's guardian records, with each of their classes (one row per link and
# year). Every tenant table is filtered by the school too (the row scope guarantees it again on PostgreSQL);
# a suspended school gives no row. A guardian record counts only while it still holds the number or address
# the family proved: one the school has since given another number is no longer the family's.
_CHILDREN = (
    select(
        Student.id, Student.full_name, Student.date_of_birth, StudentGuardian.guardian_id,
        School.name.label("school_name"), School.slug.label("school_slug"),
        SchoolClass.id.label("class_id"), SchoolClass.name.label("class_name"), SchoolYear.starts_on,
    )
    .join(StudentGuardian, and_(StudentGuardian.student_id == Student.id, StudentGuardian.school_id == _SCHOOL))
    .join(Guardian, and_(Guardian.id == StudentGuardian.guardian_id, Guardian.school_id == _SCHOOL))
    .join(School, School.id == Student.school_id)
    .outerjoin(Enrolment, and_(Enrolment.student_id == Student.id, Enrolment.school_id == _SCHOOL))
    .outerjoin(SchoolClass, and_(SchoolClass.id == Enrolment.class_id, SchoolClass.school_id == _SCHOOL))
    .outerjoin(SchoolYear, and_(SchoolYear.id == Enrolment.school_year_id, SchoolYear.school_id == _SCHOOL))
    .where(
        Student.school_id == _SCHOOL,
        StudentGuardian.guardian_id.in_(bindparam("guardian_ids", expanding=True)),
        or_(
            Guardian.phone == bindparam("phone", type_=String),
            func.lower(Guardian.email) == bindparam("email", type_=String),
        ),
        School.status == SchoolStatus.ACTIVE,
    )
    .order_by(Student.full_name, Student.id)
)  # fmt: skip


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


def _children_in(family: SignedInFamily, school_id: int) -> SchoolChildren | None:
    """The family's children in one active school: one statement, under that school's row scope."""
    guardian_ids = family.guardian_ids(school_id)
    if not guardian_ids:
        return None
    by_student: dict[int, tuple[Any, set[int], date | None, int | None, str | None]] = {}
    school: tuple[str, str] | None = None
    with school_scope(school_id):
        parameters = {
            "school_id": school_id,
            "guardian_ids": guardian_ids,
            "phone": family.phone,
            "email": family.email.lower() if family.email else None,
        }
        for row in db.session.execute(_CHILDREN, parameters):
            school = (row.school_name, row.school_slug)
            entry = by_student.setdefault(row.id, (row, set(), None, None, None))
            entry[1].add(row.guardian_id)
            if row.class_id is not None and (entry[2] is None or row.starts_on > entry[2]):
                by_student[row.id] = (row, entry[1], row.starts_on, row.class_id, row.class_name)  # latest year wins
    if school is None:
        return None
    children = [
        Child(
            student_id=row.id,
            full_name=row.full_name,
            date_of_birth=row.date_of_birth,
            school_id=school_id,
            school_name=school[0],
            class_id=class_id,
            class_name=class_name,
            guardian_ids=tuple(sorted(linked)),
        )
        for row, linked, _, class_id, class_name in by_student.values()
    ]
    return SchoolChildren(school_id, school[0], school[1], children)


def children_of(family: SignedInFamily) -> list[SchoolChildren]:
    """The family's children, grouped by school (schools by name, children by name); read once per request."""
    cached: tuple[SignedInFamily, list[SchoolChildren]] | None = g.get("_family_children")
    if cached is not None and cached[0] == family:
        return cached[1]
    groups = [group for school_id in family.school_ids if (group := _children_in(family, school_id)) is not None]
    groups.sort(key=lambda group: (group.school_name, group.school_id))
    g._family_children = (family, groups)
    return groups


def child_or_404(family: SignedInFamily, student_id: int) -> Child:
    """The family's child with this id; any other student, of any school, answers 404."""
    if not 0 < student_id <= MAX_ID:
        abort(404)
    for group in children_of(family):
        for child in group.children:
            if child.student_id == student_id:
                return child
    abort(404)
