"""How the paid service's values are shown: names of coded values (translated; Vietnamese by default), money."""

from __future__ import annotations

from datetime import date

from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l

from contactbook.messaging.vocabulary import Category
from contactbook.models import PlanPeriod, SubscriptionStatus
from contactbook.subscriptions.rules import SubscriptionError

PURPOSE_LABELS: dict[str, LazyString] = {
    "grades_sms": _l("Grades by SMS"),
    "notices_sms": _l("Notices by SMS"),
    "grades_email": _l("Grades by email"),
    "notices_email": _l("Notices by email"),
}

CATEGORY_LABELS: dict[str, LazyString] = {
    Category.EMERGENCY: _l("Emergencies"),
    Category.CLOSURE: _l("School closures"),
    Category.ATTENDANCE: _l("Attendance"),
    Category.FEE: _l("Fee notices"),
    Category.EVENT: _l("School events"),
    Category.GENERAL: _l("General notices"),
    Category.GRADES: _l("Grades"),
}

PERIOD_LABELS: dict[str, LazyString] = {
    PlanPeriod.MONTH: _l("Month"),
    PlanPeriod.SEMESTER: _l("Semester"),
    PlanPeriod.SCHOOL_YEAR: _l("School year"),
}

STATUS_LABELS: dict[str, LazyString] = {
    SubscriptionStatus.ACTIVE: _l("Running"),
    SubscriptionStatus.CANCELLED: _l("Cancelled"),
    SubscriptionStatus.EXPIRED: _l("Expired"),
}

CONSENT_METHOD_LABELS: dict[str, LazyString] = {
    "paper": _l("Paper form"),
    "portal": _l("Parents' portal"),
}


def purpose_label(purpose: str) -> str:
    return str(PURPOSE_LABELS.get(purpose, purpose))


def category_label(category: str) -> str:
    return str(CATEGORY_LABELS.get(category, category))


def period_label(period: str) -> str:
    return str(PERIOD_LABELS.get(period, period))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def consent_method_label(method: str) -> str:
    return str(CONSENT_METHOD_LABELS.get(method, method))


def vnd(amount: int | None) -> str:
    """An amount of đồng as Vietnamese write it: dots between thousands, then "đ" (`50.000 đ`, `-16.667 đ`)."""
    if amount is None:
        return "—"
    grouped = f"{abs(int(amount)):,}".replace(",", ".")
    return f"{'-' if amount < 0 else ''}{grouped} đ"


def refusal(error: SubscriptionError) -> str:
    """A refusal of the rules as the page says it: translated, its amounts in đồng and its dates as dd/mm/yyyy."""
    params = {
        name: value.strftime("%d/%m/%Y") if isinstance(value, date) else vnd(value)
        for name, value in error.params.items()
    }
    return gettext(str(error), **params)
