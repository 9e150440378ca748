"""What the app accepts from people, whatever the form: free text without control or bidi override
characters, names with letters in them, dates within sensible bounds, page numbers within range.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import abort, request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from wtforms import Field, Form
from wtforms.validators import ValidationError

from contactbook.i18n import N_

# Control characters (a literal ESC, NUL or BEL in a stored text), and the invisible marks that reorder
# text (bidi overrides and isolates, e.g. U+202E) or hide in it (zero-width characters): typed by nobody,
# they make a name or a title display as something else.
_UNSEEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_LINE_BREAKS = re.compile(r"[\r\n\t]")
MAX_PAGE = 10_000
MAX_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL


def plain_text(text: str) -> str:
    """One line of text as people typed it: control and bidi characters dropped, runs of spaces made one."""
    return " ".join(_UNSEEN.sub(" ", _LINE_BREAKS.sub(" ", text)).split())


def plain_paragraphs(text: str) -> str:
    """Text of several lines as people typed it: line breaks kept (as \\n), control and bidi characters dropped."""
    lines = _UNSEEN.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def one_line(value: Any) -> Any:
    """A WTForms filter: `plain_text` for a string, anything else as it is."""
    return plain_text(value) if isinstance(value, str) else value


def paragraphs(value: Any) -> Any:
    """A WTForms filter: `plain_paragraphs` for a string, anything else as it is."""
    return plain_paragraphs(value) if isinstance(value, str) else value


def has_letters(text: str) -> bool:
    """Whether `text` holds a letter of some script (a name of only punctuation or marks holds none)."""
    return any(unicodedata.category(char).startswith("L") for char in text)


class HasLetters:
    """A validator: a name must contain letters (refuses one made only of punctuation, digits or marks)."""

    def __init__(self, message: str | LazyString) -> None:
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        if field.data and not has_letters(str(field.data)):
            raise ValidationError(str(self.message))


NEEDS_LETTERS = HasLetters(_l("A name must contain letters."))


class Within:
    """A validator: a date (or datetime) from `earliest()` to `latest()`, both included; `message` says the range.

    The bounds are functions, so that "today" is the day of the request, not of the import.
    """

    def __init__(
        self,
        earliest: Callable[[Form], date | datetime],
        latest: Callable[[Form], date | datetime],
        message: Callable[[date | datetime, date | datetime], str],
    ) -> None:
        self.earliest, self.latest, self.message = earliest, latest, message

    def __call__(self, form: Form, field: Field) -> None:
        if field.data is None:
            return
        earliest, latest = self.earliest(form), self.latest(form)
        if not earliest <= field.data <= latest:
            raise ValidationError(self.message(earliest, latest))


def page_number() -> int:
    """The `page` query argument: ASCII digits from 1 to `MAX_PAGE`; anything else is page 1 or the last page."""
    raw = request.args.get("page", "")
    if not raw.isascii() or not raw.isdigit():
        return 1
    digits = raw.lstrip("0")
    return MAX_PAGE if len(digits) > len(str(MAX_PAGE)) else min(max(int(digits or "0"), 1), MAX_PAGE)


def id_argument(name: str) -> int | None:
    """The id in query argument `name`: ASCII digits, as in a URL's path; 404 beyond `MAX_ID` (no such object).

    Anything else (`１`, `١`, `-1`, a word) is no id at all: None, as if the argument were absent.
    """
    raw = request.args.get(name, "").strip()
    if not raw.isascii() or not raw.isdigit():
        return None
    if len(raw.lstrip("0")) > len(str(MAX_ID)) or int(raw) > MAX_ID:
        abort(404)
    return int(raw)


SCHOOL_PHONE_MAX = 20  # characters, as stored
_SCHOOL_PHONE = re.compile(r"\+?[0-9 .()-]+")
SCHOOL_PHONE_PROBLEM = N_("Write the phone number with 8 to 15 digits (spaces, dots, dashes and brackets allowed).")


def is_school_phone(text: str) -> bool:
    """Whether `text` is a school's own number as its page shows it (a landline or a mobile, written as people
    write them): 8 to 15 ASCII digits, spaces, dots, dashes and brackets, a leading +, at most 20 characters.
    The one rule of the registration form and of the public page's contacts."""
    digits = sum(char in "0123456789" for char in text)
    return len(text) <= SCHOOL_PHONE_MAX and _SCHOOL_PHONE.fullmatch(text) is not None and 8 <= digits <= 15
