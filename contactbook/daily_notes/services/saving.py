"""Saving a preschool class's daily notes for a day: one unit of work for the whole class, or nothing.

Only in a preschool, by the class's homeroom teacher or staff who see every class (`roster.view_all`). Every
field is checked first; one refused field saves nothing. A child's note left all empty is removed while it has
not gone to the family; one that went keeps its row (the family was told) with its texts emptied.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contactbook.auth.access import sees_all
from contactbook.daily_notes import rules
from contactbook.extensions import among, db
from contactbook.models import DailyNote, School, SchoolClass, User
from contactbook.models.base import utcnow
from contactbook.roster.queries import class_students
from contactbook.timezones import school_today


class NotesError(Exception):
    """The notes cannot be written at all (not a preschool, not the writer's class, a day outside the year)."""


def may_write(user: User, school_class: SchoolClass) -> bool:
    """Whether `user` writes the class's notes: its homeroom teacher, or staff who see every class."""
    return school_class.homeroom_teacher_id == user.id or sees_all(user)


def save_class_notes(
    school: School, actor: User, school_class: SchoolClass, on: date, form: Mapping[str, str]
) -> dict[str, rules.Refusal]:
    """Store the class's notes of day `on` from its form (fields `meals-<student id>`, ...); returns the refusals
    by field, and then stores nothing."""
    if not school.is_preschool or school_class.school_id != school.id:
        raise NotesError("daily notes are kept by preschools only")
    if not may_write(actor, school_class):
        raise NotesError("only the class's homeroom teacher writes its notes")
    days = rules.writable_days(school_class.school_year.starts_on, school_class.school_year.ends_on, school_today())
    if days is None or not days[0] <= on <= days[1]:
        raise NotesError("a day outside the days the class writes notes for")
    for attempt in (1, 2):
        try:
            return _save(school, actor, school_class, on, form)
        except IntegrityError:
            # Another save of the class wrote a child's note of that day between our read and our insert: once
            # more, that note is now found and updated.
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _existing(school: School, on: date, student_ids: list[int]) -> dict[int, DailyNote]:
    """The stored notes of day `on` of these children, by child."""
    return {
        note.student_id: note
        for note in db.session.scalars(
            select(DailyNote).where(
                DailyNote.school_id == school.id, DailyNote.on == on, among(DailyNote.student_id, student_ids)
            )
        )
    }


def _save(
    school: School, actor: User, school_class: SchoolClass, on: date, form: Mapping[str, str]
) -> dict[str, rules.Refusal]:
    students = class_students(school_class)
    wanted, refusals = rules.read_class_form(form, [student.id for student in students])
    if refusals:
        return refusals
    existing = _existing(school, on, list(wanted))
    now = utcnow()
    for student_id, texts in wanted.items():
        note = existing.get(student_id)
        if texts.empty and note is not None and note.sent_at is None:
            db.session.delete(note)
            continue
        if note is None:
            if texts.empty:
                continue
            note = DailyNote(school_id=school.id, class_id=school_class.id, student_id=student_id, on=on)
            db.session.add(note)
        if any(getattr(note, field) != getattr(texts, field) for field in rules.FIELDS) or note.id is None:
            for field in rules.FIELDS:
                setattr(note, field, getattr(texts, field))
            note.class_id, note.written_by_id, note.updated_at = school_class.id, actor.id, now
    db.session.commit()
    return {}
