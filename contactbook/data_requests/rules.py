"""The answer's deadline (2 working days, Decree 356/2025) and what an erasure keeps: pure data and functions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

WORKING_DAYS_TO_ANSWER = 2
# Public holidays on a fixed solar date (Labour Code 2019, art. 112). The lunar ones (Tết, the Hùng Kings'
# day) move every year and are not counted: the deadline may then fall a day or two early, never late.
FIXED_HOLIDAYS = frozenset({(1, 1), (4, 30), (5, 1), (9, 2)})
# Where an erased guardian's name stood: the record stays (payments point to it), the person is gone.
ERASED_NAME = "—"
# Where an erased family's own words stood: a leave request's reason, and the school's note answering it.
ERASED_TEXT = "—"
MAX_NOTE = 500


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a fixed-date public holiday."""
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


def due_on(requested_at: datetime, zone: ZoneInfo) -> date:
    """The last school-local day to answer a request made at `requested_at`: the second working day after the
    day it was made (a request of Friday is due on Tuesday; one of Saturday or Sunday on Tuesday too)."""
    day = requested_at.astimezone(zone).date()
    counted = 0
    while counted < WORKING_DAYS_TO_ANSWER:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def is_overdue(due: date, today: date, answered_at: datetime | None) -> bool:
    """An unanswered request past its last day."""
    return answered_at is None and today > due


class DataRequestError(Exception):
    """A request refused by the rules: an English message id (translated for display) and its values."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params
