"""How leave requests read on a page: statuses, slots, and a refusal's message (translated; Vietnamese by default)."""

from __future__ import annotations

from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l

from contactbook.attendance.rules import AFTERNOON, DAY, MORNING
from contactbook.leave_requests.rules import LeaveError
from contactbook.models import LeaveStatus

STATUS_LABELS: dict[str, LazyString] = {
    LeaveStatus.PENDING: _l("Waiting for an answer"),
    LeaveStatus.APPROVED: _l("Approved"),
    LeaveStatus.DECLINED: _l("Declined"),
    LeaveStatus.WITHDRAWN: _l("Withdrawn"),
}
SLOT_LABELS: dict[str, LazyString] = {
    DAY: _l("Whole day"),
    MORNING: _l("Morning"),
    AFTERNOON: _l("Afternoon"),
}


def leave_status_label(status: str) -> str:
    """The status of a request as people read it."""
    return str(STATUS_LABELS.get(status, status))


def slot_label(slots: str) -> str:
    """Which part of each day a request covers."""
    return str(SLOT_LABELS.get(slots, slots))


def refusal(error: LeaveError) -> str:
    """A refusal's message in the page's language."""
    return gettext(str(error), **error.params)
