"""Whose data a copy (or an erasure) is about: the family's guardian records in one school and their children."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import LazyString
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import Guardian, School, StudentGuardian
from contactbook.tenancy import school_scope

Row = dict[str, Any]


@dataclass(frozen=True)
class Holder:
    """Whose data the copy is: the family's guardian records in one school, and the children linked to them."""

    school: School
    family_id: int
    guardian_ids: tuple[int, ...]
    student_ids: tuple[int, ...]


@dataclass(frozen=True)
class Section:
    """One kind of record in the copy: a stable name (file name, JSON key), a title, the read."""

    name: str
    title: LazyString
    rows: Callable[[Holder], list[Row]]


def holder_of(school: School, family_id: int, guardian_ids: list[int]) -> Holder:
    """The holder for these guardian records of `school` (ids of other schools are ignored)."""
    with school_scope(school.id):
        guardians = db.session.scalars(
            select(Guardian.id).where(Guardian.school_id == school.id, Guardian.id.in_(guardian_ids))
        ).all()
        students = db.session.scalars(
            select(StudentGuardian.student_id)
            .where(StudentGuardian.school_id == school.id, StudentGuardian.guardian_id.in_(guardians))
            .distinct()
        ).all()
    return Holder(school, family_id, tuple(sorted(guardians)), tuple(sorted(students)))
