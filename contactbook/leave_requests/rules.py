"""Pure rules of leave requests: which dates, slots and reasons a request may have, and when two overlap.

Nothing here touches Flask or the database. Messages are English message ids, translated for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from contactbook.attendance.rules import DAY, LEAVE_SLOTS
from contactbook.auth.rules import Permission
from contactbook.i18n import N_
from contactbook.messaging.vocabulary import Channel

MAX_DAYS = 30  # a longer absence is a matter for the school, not a leave request
REASON_MAX = 500  # the column's length
NOTE_MAX = 300  # the decision note's column


class LeaveError(ValueError):
    """A request the rules refuse. The message (an English message id) says why; `field` names the form field
    it concerns, when one does, and `params` fill the message."""

    def __init__(self, message: str, *, field: str | None = None, **params: str | int) -> None:
        super().__init__(message)
        self.field = field
        self.params = params


@dataclass(frozen=True)
class Asked:
    """What a request asks for, as typed (reason already cleaned of control characters)."""

    starts_on: date
    ends_on: date
    slots: str
    reason: str


def problems(asked: Asked, *, earliest: date, year_starts: date, year_ends: date) -> list[LeaveError]:
    """Why `asked` cannot be a request (empty if it can): days from `earliest` within the school year, at most
    `MAX_DAYS` of them, a known slot, a reason of 1 to `REASON_MAX` characters."""
    found: list[LeaveError] = []
    if asked.slots not in LEAVE_SLOTS:
        found.append(LeaveError(N_("Choose the whole day, the morning or the afternoon."), field="slots"))
    if not asked.reason.strip():
        found.append(LeaveError(N_("Write the reason for the absence."), field="reason"))
    elif len(asked.reason) > REASON_MAX:
        found.append(LeaveError(N_("The reason has at most %(count)d characters."), field="reason", count=REASON_MAX))
    if asked.ends_on < asked.starts_on:
        found.append(LeaveError(N_("The last day comes before the first day."), field="ends_on"))
        return found
    if asked.starts_on < earliest:
        found.append(LeaveError(N_("The first day cannot be in the past."), field="starts_on"))
    if not (year_starts <= asked.starts_on and asked.ends_on <= year_ends):
        found.append(
            LeaveError(
                N_("The days must lie within the school year (%(starts)s to %(ends)s)."),
                field="starts_on",
                starts=year_starts.strftime("%d/%m/%Y"),
                ends=year_ends.strftime("%d/%m/%Y"),
            )
        )
    elif days_of(asked) > MAX_DAYS:
        found.append(LeaveError(N_("A leave request covers at most %(count)d days."), field="ends_on", count=MAX_DAYS))
    return found


def days_of(asked: Asked) -> int:
    """How many calendar days the request spans, both ends included."""
    return (asked.ends_on - asked.starts_on).days + 1


def overlaps(a_starts: date, a_ends: date, a_slots: str, b_starts: date, b_ends: date, b_slots: str) -> bool:
    """Whether two requests ask for some slot of the same day (the morning and the afternoon do not meet)."""
    if a_ends < b_starts or b_ends < a_starts:
        return False
    return DAY in (a_slots, b_slots) or a_slots == b_slots


def may_decide(user_id: int, held: frozenset[Permission], homeroom_teacher_id: int | None) -> bool:
    """Whether a staff member holding `held` decides (and enters) leave requests for a class: its homeroom
    teacher, or staff who see every class and record attendance."""
    if Permission.ATTENDANCE_RECORD not in held:
        return False
    return homeroom_teacher_id == user_id or Permission.ROSTER_VIEW_ALL in held


def decision_contact(
    phone: str | None, email: str | None, phone_unusable: datetime | None, email_unusable: datetime | None
) -> tuple[Channel | None, str | None]:
    """How a decision reaches a guardian who asked, subscribed or not: by email when usable, else by SMS, else
    not at all (None, None)."""
    if email and email_unusable is None:
        return Channel.EMAIL, email
    if phone and phone_unusable is None:
        return Channel.SMS, phone
    return None, None
