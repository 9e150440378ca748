"""A preschool child's daily notes, as its family reads them in the portal (read only).

Read under the child's school's row scope, by the child's id; only for a child of a preschool (`has_daily_notes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import g
from sqlalchemy import or_, select

from contactbook.daily_notes.rules import FIELDS
from contactbook.extensions import db
from contactbook.family.children import Child
from contactbook.models import DailyNote, School, SchoolLevel
from contactbook.tenancy import school_scope

PAGE_SIZE = 14  # two weeks of school days and more


@dataclass(frozen=True)
class ChildNote:
    """One day's note: its texts in the order of `FIELDS` (empty ones left out)."""

    on: date
    texts: list[tuple[str, str]]  # (field, text)


@dataclass(frozen=True)
class NotePage:
    notes: list[ChildNote]
    page: int
    has_next: bool


def has_daily_notes(child: Child) -> bool:
    """Whether the child's school keeps daily notes (a preschool); read once per school and request."""
    cache: dict[int, bool] = g.setdefault("_preschools", {})
    if child.school_id not in cache:
        level = db.session.scalar(select(School.level).where(School.id == child.school_id))
        cache[child.school_id] = level == SchoolLevel.PRESCHOOL
    return cache[child.school_id]


def daily_notes_of(child: Child, page: int) -> NotePage:
    """One page of the child's notes, newest day first; notes left all empty are not shown."""
    page = max(page, 1)
    with school_scope(child.school_id):
        rows = db.session.scalars(
            select(DailyNote)
            .where(
                DailyNote.school_id == child.school_id,
                DailyNote.student_id == child.student_id,
                or_(*(getattr(DailyNote, field).is_not(None) for field in FIELDS)),
            )
            .order_by(DailyNote.on.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        ).all()
        notes = [
            ChildNote(row.on, [(field, text) for field in FIELDS if (text := getattr(row, field))])
            for row in rows[:PAGE_SIZE]
        ]
    return NotePage(notes, page, len(rows) > PAGE_SIZE)
