"""What a preschool daily note holds and which days a class's notes may be written for (pure functions).

A note is a few short texts about a child's day: meals, nap, health, activities and a comment. The class's
screen posts them all at once, one form field per child and text (`meals-<student id>`, ...); a field left
empty says nothing that day. A class writes notes for a day of its school year up to today, never ahead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from contactbook.i18n import N_
from contactbook.inputs import plain_paragraphs, plain_text

# The texts of a note, in the order the screen, the message and the portal show them, with their longest length
# (the columns of `daily_notes`; the comment is a text column, kept short enough for a message).
FIELDS: tuple[str, ...] = ("meals", "nap", "health", "activities", "comment")
MAX_LENGTHS: dict[str, int] = {"meals": 200, "nap": 200, "health": 200, "activities": 300, "comment": 500}
LABELS: dict[str, str] = {
    "meals": N_("Meals"),
    "nap": N_("Nap"),
    "health": N_("Health"),
    "activities": N_("Activities"),
    "comment": N_("Teacher's comment"),
}
# The "same for everyone" row of the screen: what it holds fills each child's box that is left empty.
EVERYONE = "all"
TOO_LONG = N_("At most %(count)s characters.")
BAD_DAY = N_("Choose a day from %(first)s to %(last)s.")


@dataclass(frozen=True)
class Refusal:
    """Why a field was refused: a message to translate (`N_`) and the values it names."""

    message: str
    values: dict[str, str | int]


def field_name(field: str, student_id: int | str) -> str:
    """The form field of one text of one child's note (`meals-12`), or of the "same for everyone" row (`meals-all`)."""
    return f"{field}-{student_id}"


def cleaned(field: str, raw: str) -> str:
    """A text as it is stored: control and bidi characters dropped; the comment keeps its line breaks."""
    return plain_paragraphs(raw) if field == "comment" else plain_text(raw)


@dataclass(frozen=True)
class NoteTexts:
    """The texts of one child's note as submitted (None: left empty)."""

    meals: str | None = None
    nap: str | None = None
    health: str | None = None
    activities: str | None = None
    comment: str | None = None

    @property
    def empty(self) -> bool:
        return not any(getattr(self, field) for field in FIELDS)


def read_class_form(form: Mapping[str, str], student_ids: list[int]) -> tuple[dict[int, NoteTexts], dict[str, Refusal]]:
    """Each child's texts from the class's form, the "same for everyone" row filling the boxes left empty; and
    the refusals by field (a text too long). A child whose fields are all absent from the form is left out."""
    refusals: dict[str, Refusal] = {}
    everyone: dict[str, str] = {}
    for field in FIELDS:
        text = _read(form, field_name(field, EVERYONE), field, refusals)
        if text:
            everyone[field] = text
    notes: dict[int, NoteTexts] = {}
    for student_id in student_ids:
        names = {field: field_name(field, student_id) for field in FIELDS}
        if not any(name in form for name in names.values()):
            continue
        values = {field: _read(form, name, field, refusals) or everyone.get(field) for field, name in names.items()}
        notes[student_id] = NoteTexts(**values)
    return notes, refusals


def _read(form: Mapping[str, str], name: str, field: str, refusals: dict[str, Refusal]) -> str | None:
    text = cleaned(field, form.get(name, ""))
    if len(text) > MAX_LENGTHS[field]:
        refusals[name] = Refusal(TOO_LONG, {"count": MAX_LENGTHS[field]})
        return None
    return text or None


def writable_days(year_starts_on: date, year_ends_on: date, today: date) -> tuple[date, date] | None:
    """The first and last day a class of this school year may write notes for (None: its year has not begun)."""
    last = min(today, year_ends_on)
    return (year_starts_on, last) if year_starts_on <= last else None


def parse_day(raw: str) -> date | None:
    """A day written YYYY-MM-DD (ASCII digits only), or None."""
    if len(raw) != 10 or not raw.isascii() or raw[4] != "-" or raw[7] != "-":
        return None
    if not (raw[:4] + raw[5:7] + raw[8:]).isdigit():
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def neighbours(day: date, first: date, last: date) -> tuple[date | None, date | None]:
    """The day before and the day after `day`, where they are days notes may be written for."""
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    return (before if before >= first else None, after if after <= last else None)
