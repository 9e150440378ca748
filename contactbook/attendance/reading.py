"""Reading a class's attendance form (pure): the day, the slot, each student's status and a preschool's times.

Nothing here touches Flask or the database. A refusal names its field and carries an English message id
(`N_`) with its parameters, translated where it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, time

from contactbook.i18n import N_
from contactbook.inputs import plain_text
from contactbook.models.attendance import AttendanceStatus

STATUS_FIELD = "s-"
ARRIVAL_FIELD = "arr-"
PICKUP_FIELD = "pick-"
REASON_MAX = 300
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"(\d{1,2})[:h](\d{2})")

Problem = tuple[str, dict[str, str]]  # an English message id and its parameters


@dataclass
class Submission:
    """What a class's form says: status and (preschool) times by student id, the reason, and every refusal."""

    statuses: dict[int, AttendanceStatus] = field(default_factory=dict)
    times: dict[int, tuple[time | None, time | None]] = field(default_factory=dict)
    reason: str | None = None
    errors: dict[str, Problem] = field(default_factory=dict)


def parse_day(text: str | None) -> date | None:
    """A day written YYYY-MM-DD, or None when it is not one (a hostile or mistyped value)."""
    if text is None or not _DAY.fullmatch(text.strip()):
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
    """A time of day written HH:MM (or 7h30), or None when it is not one."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


def read_submission(form: Mapping[str, str], student_ids: Collection[int], *, preschool: bool) -> Submission:
    """Each student's status (`s-<id>`), and in a preschool arrival (`arr-<id>`) and pick-up (`pick-<id>`).

    A student absent from the form is left as it is; a field naming no student of the class, or a value that
    is not a status or a time, is refused.
    """
    reading = Submission()
    known = set(student_ids)
    for name, value in form.items():
        prefix = next((p for p in (STATUS_FIELD, ARRIVAL_FIELD, PICKUP_FIELD) if name.startswith(p)), None)
        if prefix is None:
            continue
        digits = name[len(prefix) :]
        if not (digits.isascii() and digits.isdigit() and int(digits) in known):
            reading.errors[name] = (N_("This student is not in the class."), {})
            continue
        student_id = int(digits)
        if prefix == STATUS_FIELD:
            if value not in {s.value for s in AttendanceStatus}:
                reading.errors[name] = (N_("Choose present, late, excused or unexcused."), {})
            else:
                reading.statuses[student_id] = AttendanceStatus(value)
        elif not preschool:
            reading.errors[name] = (N_("Arrival and pick-up times are kept in preschools only."), {})
    if preschool:
        _read_times(form, reading)
    text = plain_text(form.get("reason", ""))
    if len(text) > REASON_MAX:
        reading.errors["reason"] = (N_("At most %(max)s characters."), {"max": str(REASON_MAX)})
    reading.reason = text or None
    return reading


def _read_times(form: Mapping[str, str], reading: Submission) -> None:
    for student_id, status in reading.statuses.items():
        arrival_field, pickup_field = f"{ARRIVAL_FIELD}{student_id}", f"{PICKUP_FIELD}{student_id}"
        values: list[time | None] = []
        for name in (arrival_field, pickup_field):
            text = form.get(name, "").strip()
            parsed = parse_time(text) if text else None
            if text and parsed is None:
                reading.errors[name] = (N_("Write a time as HH:MM, e.g. 07:15."), {})
            values.append(parsed)
        arrived, picked_up = values
        if arrived is not None and status not in (AttendanceStatus.PRESENT, AttendanceStatus.LATE):
            reading.errors[arrival_field] = (N_("An absent child has no arrival time."), {})
        if picked_up is not None and arrived is None and pickup_field not in reading.errors:
            reading.errors[pickup_field] = (N_("A pick-up needs an arrival time first."), {})
        elif picked_up is not None and arrived is not None and picked_up < arrived:
            reading.errors[pickup_field] = (N_("The pick-up is before the arrival."), {})
        reading.times[student_id] = (arrived, picked_up)
