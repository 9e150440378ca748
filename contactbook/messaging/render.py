"""Message text from the templates in `templates/`: one plain-text template per message kind and language."""

from __future__ import annotations

import functools
import re
import secrets
import unicodedata
from collections.abc import Callable, Collection
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from contactbook.messaging.text import to_gsm

KINDS = (
    "notice",
    "digest",
    "email_digest",
    "digest_item",
    "renewal",
    "email_notice",
    "score",
    "score_correction",
    "sign_in_code",
    "sign_in_link",
    "welcome",
    "email_footer",
    "warning",
    "daily_note",
    "daily_note_item",
    "leave_decision",
    "attendance",
    "attendance_present",
)
LOCALES = ("vi", "en")
TEMPLATE_DIR = Path(__file__).parent / "templates"

_SPACES = re.compile(r"[^\S\n]+")
_BLANK_RUNS = re.compile(r"\n{3,}")


def _dmy(day: date) -> str:
    """A date as Vietnamese readers write it, dd/mm/yyyy."""
    return day.strftime("%d/%m/%Y")


def _sentence(text: str) -> str:
    """`text` ending with a full stop, unless it already ends with punctuation."""
    text = text.strip()
    return text if not text or text[-1] in ".!?:…" else text + "."


@functools.cache
def _environment() -> Environment:
    """The template environment, built on first use rather than at import."""
    # Messages are plain text: HTML escaping would turn "&" into "&amp;" in an SMS.
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=False,  # noqa: S701
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,  # a missing value must fail, not send a message with a hole in it
    )
    environment.filters["dmy"] = _dmy
    environment.filters["sentence"] = _sentence
    return environment


def normalise_whitespace(text: str) -> str:
    """`text` with runs of spaces collapsed, lines trimmed, at most one blank line in a row, ends stripped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def render_message(kind: str, locale: str, context: dict[str, Any], *, unaccented: bool) -> str:
    """The text of a `kind` message in `locale`; GSM-7 plain text when `unaccented`, else NFC-composed."""
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    if locale not in LOCALES:
        raise ValueError(f"unknown message locale {locale!r}")
    text = _environment().get_template(f"{kind}.{locale}.txt").render(context)
    # Composed form keeps each accented letter one UTF-16 unit, so accented SMS cost no more than needed.
    text = to_gsm(text) if unaccented else unicodedata.normalize("NFC", text)
    return normalise_whitespace(text)


def personalised(
    kind: str, locale: str, context: dict[str, Any], fields: Collection[str], *, unaccented: bool
) -> Callable[[dict[str, str]], str]:
    """Render a `kind` message once for many recipients; the result fills in each one's `fields`.

    `fill(values)` gives the same text as `render_message` with `values` in `context`: the template is
    rendered with a random marker in each field, and each marker is replaced by its value normalised
    as the whole text would be. A notice to 10,000 families renders once instead of 10,000 times.
    Should a template transform a field (a filter, a slice), its marker is not found intact and every
    call renders in full: slower, never wrong.
    """
    token = secrets.token_hex(8)
    marks = {name: f"X{token}{index}X" for index, name in enumerate(fields)}
    text = render_message(kind, locale, {**context, **marks}, unaccented=unaccented)
    intact = all(text.count(mark) == text.lower().count(mark.lower()) for mark in marks.values())
    intact = intact and text.lower().count(token) == sum(text.count(mark) for mark in marks.values())

    def fill(values: dict[str, str]) -> str:
        if values.keys() != marks.keys():
            raise ValueError(f"give exactly the fields {sorted(marks)}")
        # An empty value or one with unusual spacing could meet the whitespace rules differently.
        if not intact or any(not value or " ".join(value.split()) != value for value in values.values()):
            return render_message(kind, locale, {**context, **values}, unaccented=unaccented)
        result = text
        for name, value in values.items():
            value = to_gsm(value) if unaccented else unicodedata.normalize("NFC", value)
            result = result.replace(marks[name], value)
        return result

    return fill


def email_footer(school_name: str, portal: str) -> str:
    """The lines every email to a family ends with: how to stop (the portal) and whom to contact (the school)."""
    return render_message("email_footer", "vi", {"school_name": school_name, "portal": portal}, unaccented=False)


def with_footer(body: str, footer: str) -> str:
    """An email's `body` followed by its `footer`, once (a body that already ends with it is left as it is)."""
    if body.endswith(footer):
        return body
    return f"{body}\n\n{footer}"
