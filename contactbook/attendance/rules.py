"""Pure rules of attendance: the slots a school marks, and how absences count as sessions (buổi).

Nothing here touches Flask or the database. The promotion rule allows at most 45 sessions absent in a
school year, excused or not (`contactbook.grading.rules.MAX_ABSENCES`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from contactbook.models.attendance import ABSENT_STATUSES, AttendanceStatus, AttendanceUnit

DAY = "day"
MORNING = "morning"
AFTERNOON = "afternoon"
SESSIONS = (MORNING, AFTERNOON)
PERIODS = tuple(f"p{n}" for n in range(1, 11))  # tiết 1–5 in the morning, 6–10 in the afternoon
# A leave request covers a whole day or one session of each of its days.
LEAVE_SLOTS = (DAY, MORNING, AFTERNOON)


def slots_for(unit: AttendanceUnit) -> tuple[str, ...]:
    """The slots a school marks in a day, by its unit."""
    if unit == AttendanceUnit.SESSION:
        return SESSIONS
    if unit == AttendanceUnit.PERIOD:
        return PERIODS
    return (DAY,)


def half_of(slot: str) -> str:
    """The session a slot lies in: "day" for a whole-day mark, else "morning" or "afternoon"."""
    if slot in PERIODS:
        return MORNING if PERIODS.index(slot) < 5 else AFTERNOON
    return slot


def covers(leave_slots: str, slot: str) -> bool:
    """Whether a leave request for `leave_slots` of a day ("day", "morning", "afternoon") covers `slot`."""
    return leave_slots == DAY or half_of(slot) in (leave_slots, DAY)


def absent_sessions(marks: Iterable[tuple[date, str, AttendanceStatus]]) -> int:
    """Sessions absent, from one student's marks (day, slot, status).

    A whole-day or a session mark absent counts one session. Periods count by the session they lie in:
    a session counts when the student was absent from every period marked in it (one period missed is
    not a session missed).
    """
    halves: dict[tuple[date, str], list[bool]] = defaultdict(list)
    count = 0
    for on, slot, status in marks:
        absent = status in ABSENT_STATUSES
        if slot in PERIODS:
            halves[(on, half_of(slot))].append(absent)
        elif absent:
            count += 1
    return count + sum(1 for periods in halves.values() if all(periods))


@dataclass
class AbsenceTotals:
    """A student's absences over some days: sessions with and without permission, late marks, sessions in all."""

    excused: int = 0
    unexcused: int = 0
    late: int = 0
    sessions: int = 0


def absence_totals(marks: Iterable[tuple[date, str, AttendanceStatus]]) -> AbsenceTotals:
    """The totals of one student's marks (day, slot, status), counted in sessions as `absent_sessions` counts
    them (a session missed period by period: unexcused if any of its periods was); lates count each mark."""
    marks = list(marks)
    totals = AbsenceTotals(late=sum(1 for _on, _slot, status in marks if status == AttendanceStatus.LATE))
    halves: dict[tuple[date, str], list[AttendanceStatus]] = defaultdict(list)
    for on, slot, status in marks:
        if slot in PERIODS:
            halves[(on, half_of(slot))].append(status)
        elif status == AttendanceStatus.EXCUSED:
            totals.excused += 1
        elif status == AttendanceStatus.UNEXCUSED:
            totals.unexcused += 1
    for statuses in halves.values():
        if all(status in ABSENT_STATUSES for status in statuses):
            if AttendanceStatus.UNEXCUSED in statuses:
                totals.unexcused += 1
            else:
                totals.excused += 1
    totals.sessions = absent_sessions(marks)
    return totals
