"""How the roster's values are shown: names of coded values (translated; Vietnamese by default), phone numbers."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from contactbook.models import AssessmentKind, Gender
from contactbook.phones import display_vn_phone

ASSESSMENT_LABELS: dict[str, LazyString] = {
    AssessmentKind.SCORED: _l("Score and comment"),
    AssessmentKind.COMMENT: _l("Comment only (pass or fail)"),
    AssessmentKind.LEVEL: _l("Level (primary school)"),
}

GENDER_LABELS: dict[str, LazyString] = {
    Gender.MALE: _l("Male"),
    Gender.FEMALE: _l("Female"),
}

RELATION_LABELS: dict[str, LazyString] = {
    "father": _l("Father"),
    "mother": _l("Mother"),
    "guardian": _l("Guardian"),
}


def assessment_label(kind: str) -> str:
    return str(ASSESSMENT_LABELS.get(kind, kind))


def gender_label(gender: str | None) -> str:
    return str(GENDER_LABELS[gender]) if gender in GENDER_LABELS else ""


def relation_label(relation: str) -> str:
    return str(RELATION_LABELS.get(relation, relation))


def domestic_phone(e164: str | None) -> str:
    """A stored phone number in the domestic form people dial (`0912 345 678`); as stored if it is odd."""
    if not e164:
        return ""
    try:
        return display_vn_phone(e164)
    except ValueError:
        return e164
