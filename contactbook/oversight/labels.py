"""How the oversight pages and their export write statuses, levels and survey answers."""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from contactbook.models import RegistrationStatus, SchoolLevel
from contactbook.platform.forms import SCHOOL_LEVELS

STATUS_LABELS: dict[RegistrationStatus | None, LazyString] = {
    None: _l("Invited, nothing submitted"),
    RegistrationStatus.SUBMITTED: _l("Submitted, waiting for review"),
    RegistrationStatus.CHANGES_REQUESTED: _l("Changes requested"),
    RegistrationStatus.APPROVED: _l("Registered"),
    RegistrationStatus.DECLINED: _l("Declined"),
}
_LEVELS = dict(SCHOOL_LEVELS)


def status_label(status: RegistrationStatus | None) -> str:
    return str(STATUS_LABELS.get(status, status or ""))


def level_label(level: SchoolLevel) -> str:
    return str(_LEVELS.get(level.value, level.value))


def answer_text(value: Any) -> str:
    """A survey answer as written: yes/no in words, a list joined, nothing as a dash."""
    if isinstance(value, bool) or value in ("yes", "no"):
        return _("Yes") if value in (True, "yes") else _("No")
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
