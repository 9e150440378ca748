"""How a warning reads on the staff's page, in the page's language (families read the message templates)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from contactbook.early_warnings import rules
from contactbook.grading.grid import ROMAN
from contactbook.grading.rules import Level, format_score


def _score(text: Any) -> str:
    try:
        return format_score(Decimal(str(text)))
    except (InvalidOperation, ValueError):
        return str(text)


def _semester(detail: dict[str, Any]) -> str:
    number = detail.get("semester")
    return ROMAN.get(number, str(number)) if isinstance(number, int) else str(number or "")


def warning_text(rule: str, detail: dict[str, Any]) -> str:
    """Why a warning went, with its figures: "Toán, semester I: average 4,7 so far, below 5,0"."""
    if rule == rules.ABSENCES:
        return _(
            "%(absences)s sessions absent this school year (warning at %(threshold)s)",
            absences=detail.get("absences", "?"),
            threshold=detail.get("threshold", "?"),
        )
    if rule == rules.SUBJECT_BELOW:
        values = {
            "subject": detail.get("subject", ""),
            "semester": _semester(detail),
            "average": _score(detail.get("average", "")),
            "below": _score(detail.get("below", "")),
        }
        if detail.get("complete"):
            return _("%(subject)s, semester %(semester)s: average %(average)s, below %(below)s", **values)
        return _("%(subject)s, semester %(semester)s: average %(average)s so far, below %(below)s", **values)
    if rule == rules.COMMENT_FAILED:
        return _(
            "%(subject)s, semester %(semester)s: %(level)s",
            subject=detail.get("subject", ""),
            semester=_semester(detail),
            level=Level.CHUA_DAT.label,
        )
    if rule == rules.RESULT_PROJECTED:
        subjects = detail.get("subjects") or []
        text = _(
            "Learning result of semester %(semester)s heading for %(level)s",
            semester=_semester(detail),
            level=Level.CHUA_DAT.label,
        )
        if isinstance(subjects, list) and subjects:
            text += " (" + ", ".join(str(s) for s in subjects) + ")"
        return text
    return rule
