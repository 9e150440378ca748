"""How the family's subscription pages name things: the paid service's labels, kinds of message, money."""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from contactbook.roster.labels import domestic_phone
from contactbook.subscriptions.labels import (
    category_label,
    consent_method_label,
    period_label,
    purpose_label,
    status_label,
)
from contactbook.subscriptions.payment_forms import method_label
from contactbook.subscriptions.references import payment_reference

MESSAGE_KIND_LABELS: dict[str, LazyString] = {
    "notice": _l("Notices"),
    "score": _l("Grades"),
    "score_correction": _l("Grade corrections"),
    "digest": _l("Daily digests"),
    "renewal": _l("Renewal reminders"),
    "welcome": _l("Welcome"),
    "attendance": _l("Absence alerts"),
    "attendance_present": _l("Arrived after all"),
    "leave_decision": _l("Answers to leave requests"),
    "warning": _l("Early warnings"),
    "daily_note": _l("Daily notes"),
}


def message_kind_label(kind: str) -> str:
    """What a kind of message is called on the family's value statement."""
    return str(MESSAGE_KIND_LABELS.get(kind, kind))


def display_helpers() -> dict[str, Any]:
    """The names the family service templates (and the school's receipts they include) use."""
    return {
        "purpose_label": purpose_label,
        "category_label": category_label,
        "period_label": period_label,
        "status_label": status_label,
        "consent_method_label": consent_method_label,
        "payment_reference": payment_reference,
        "message_kind_label": message_kind_label,
        "method_label": method_label,
        "domestic_phone": domestic_phone,
    }
