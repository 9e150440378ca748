"""How attendance's codes read on pages and in the audit log."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from contactbook.models import AttendanceUnit

UNIT_LABELS: dict[str, LazyString] = {
    AttendanceUnit.DAY.value: _l("day"),
    AttendanceUnit.SESSION.value: _l("session (morning, afternoon)"),
    AttendanceUnit.PERIOD.value: _l("period"),
}


def unit_label(unit: str) -> str:
    """The unit a school marks by, as a few words ("day"); an unknown code as it is."""
    label = UNIT_LABELS.get(unit)
    return str(label) if label is not None else unit
