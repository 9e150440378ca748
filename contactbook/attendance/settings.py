"""A school's attendance settings as read: the unit it marks and its warning thresholds (defaults when unset).

Reading only; changing them is `contactbook.attendance.services.settings.update_settings`.
"""

from __future__ import annotations

import re
from itertools import pairwise

from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.models import AttendanceSettings, AttendanceUnit, School

DEFAULT_UNIT = AttendanceUnit.DAY
DEFAULT_THRESHOLDS = (20, 30, 40)
# Warnings come before the promotion rule's 45 sessions; a handful of them is plenty.
MIN_THRESHOLD, MAX_THRESHOLD, MAX_THRESHOLDS = 1, 45, 5
_SEPARATORS = re.compile(r"[\s,;]+")
_WHOLE = re.compile(r"[0-9]{1,3}")


class ThresholdsError(ValueError):
    """Warning thresholds as typed that cannot be taken; the message (an msgid) says why."""


def settings_of(school: School) -> AttendanceSettings:
    """The school's attendance settings: its row, or the defaults (by day, warn at 20, 30, 40) unsaved."""
    settings = db.session.get(AttendanceSettings, school.id)
    if settings is not None:
        return settings
    return AttendanceSettings(school_id=school.id, unit=DEFAULT_UNIT, warning_thresholds=list(DEFAULT_THRESHOLDS))


def parse_thresholds(text: str) -> list[int]:
    """Thresholds as typed ("20, 30, 40"): whole numbers from 1 to 45, strictly ascending, one to five."""
    parts = [part for part in _SEPARATORS.split(text.strip()) if part]
    if not parts:
        raise ThresholdsError(N_("Enter at least one number of sessions, e.g. 20, 30, 40."))
    if len(parts) > MAX_THRESHOLDS:
        raise ThresholdsError(N_("At most 5 thresholds."))
    if not all(_WHOLE.fullmatch(part) for part in parts):
        raise ThresholdsError(N_("Thresholds are whole numbers of sessions, separated by commas."))
    numbers = [int(part) for part in parts]
    if not all(MIN_THRESHOLD <= n <= MAX_THRESHOLD for n in numbers):
        raise ThresholdsError(N_("Each threshold is from 1 to 45 sessions."))
    if any(later <= earlier for earlier, later in pairwise(numbers)):
        raise ThresholdsError(N_("List the thresholds from the smallest to the largest, each once."))
    return numbers


def thresholds_text(thresholds: list[int]) -> str:
    """Thresholds as the form shows them: "20, 30, 40"."""
    return ", ".join(str(n) for n in thresholds)
