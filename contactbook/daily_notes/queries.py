"""Reading daily notes for the staff screens: a preschool's classes, and one class's notes for a day (read only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from contactbook.extensions import among, db
from contactbook.models import (
    DailyNote,
    Enrolment,
    EnrolmentStatus,
    School,
    SchoolClass,
    SchoolYear,
    User,
)


@dataclass(frozen=True)
class ClassDay:
    """A class on the index: how many of its children have a note of the day."""

    school_class: SchoolClass
    children: int
    written: int


def classes_for(school: School, user: User, *, sees_all: bool, year: SchoolYear | None, on: date) -> list[ClassDay]:
    """The classes of `year` whose notes `user` writes (all of them with `sees_all`), with the day's count."""
    query = select(SchoolClass).where(SchoolClass.school_id == school.id)
    if year is not None:
        query = query.where(SchoolClass.school_year_id == year.id)
    if not sees_all:
        query = query.where(SchoolClass.homeroom_teacher_id == user.id)
    classes = list(db.session.scalars(query.order_by(SchoolClass.grade_level, SchoolClass.name)))
    ids = [c.id for c in classes]
    children = dict(
        db.session.execute(
            select(Enrolment.class_id, func.count())
            .where(
                Enrolment.school_id == school.id,
                among(Enrolment.class_id, ids),
                Enrolment.status == EnrolmentStatus.ACTIVE,
            )
            .group_by(Enrolment.class_id)
        )
        .tuples()
        .all()
    )
    written = dict(
        db.session.execute(
            select(DailyNote.class_id, func.count())
            .where(DailyNote.school_id == school.id, among(DailyNote.class_id, ids), DailyNote.on == on)
            .group_by(DailyNote.class_id)
        )
        .tuples()
        .all()
    )
    return [ClassDay(c, children.get(c.id, 0), written.get(c.id, 0)) for c in classes]


def notes_of_day(school_class: SchoolClass, student_ids: list[int], on: date) -> dict[int, DailyNote]:
    """The notes of day `on` of these children of the class, by child."""
    return {
        note.student_id: note
        for note in db.session.scalars(
            select(DailyNote).where(
                DailyNote.school_id == school_class.school_id,
                DailyNote.on == on,
                among(DailyNote.student_id, student_ids),
            )
        )
    }
