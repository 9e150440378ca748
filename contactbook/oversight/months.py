"""The oversight dashboard's months: messages sent (by school-local month) and uptake (on each month's last day).

Each school is read under its own scope (`school_scope`) in a fixed number of aggregate queries, whatever the
number of months: months are grouped inside SQL (a CASE on the months' bounds, a derived table of the days).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Date, Integer, case, func, literal, or_, select, union_all

from contactbook.extensions import db
from contactbook.models import (
    Enrolment,
    EnrolmentStatus,
    Message,
    MessageStatus,
    School,
    SchoolYear,
    Subscription,
)
from contactbook.subscriptions.reports import Uptake
from contactbook.tenancy import school_scope
from contactbook.timezones import school_zone

SENT_STATUSES = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNDELIVERED)
CHANNELS = ("sms", "email")
FIRST_MONTH = 8  # a school year's business starts in August (enrolment, the platform fee's invoice)


@dataclass(frozen=True)
class Traffic:
    """Messages sent and what they cost (đồng), by channel."""

    sms: int = 0
    sms_cost: int = 0
    email: int = 0
    email_cost: int = 0

    @property
    def count(self) -> int:
        return self.sms + self.email

    @property
    def cost(self) -> int:
        return self.sms_cost + self.email_cost

    def __add__(self, other: Traffic) -> Traffic:
        return Traffic(
            self.sms + other.sms,
            self.sms_cost + other.sms_cost,
            self.email + other.email,
            self.email_cost + other.email_cost,
        )


@dataclass(frozen=True)
class MonthPoint:
    """A month of the school year across every school: uptake at its end (or today), messages sent in it."""

    month: date  # its first day
    uptake: Uptake
    traffic: Traffic


def year_months(day: date) -> list[date]:
    """The first days of the months of `day`'s school year, from August up to `day`'s month."""
    first = day.year if day.month >= FIRST_MONTH else day.year - 1
    months, month = [], date(first, FIRST_MONTH, 1)
    while month <= day:
        months.append(month)
        month = _next_month(month)
    return months


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in the schools' time zone."""
    zone = school_zone()
    return datetime.combine(month, time(), zone), datetime.combine(_next_month(month), time(), zone)


def traffic(school_id: int, month: date) -> Traffic:
    """The school's messages sent in `month` (school-local), by channel, with their cost. Under the school's scope."""
    start, end = _month_bounds(month)
    rows = db.session.execute(
        select(Message.channel, func.count(Message.id), func.coalesce(func.sum(Message.cost), 0))
        .where(
            Message.school_id == school_id,
            Message.status.in_(SENT_STATUSES),
            Message.sent_at >= start,
            Message.sent_at < end,
        )
        .group_by(Message.channel)
    ).tuples()
    figures = {channel: (int(count), int(cost)) for channel, count, cost in rows}
    sms, email = figures.get("sms", (0, 0)), figures.get("email", (0, 0))
    return Traffic(sms[0], sms[1], email[0], email[1])


def _month_days(months: Sequence[date], today: date) -> list[date]:
    """The day each month's uptake is counted on: its last day, or today for this month."""
    return [min(_next_month(month) - timedelta(days=1), today) for month in months]


def _monthly_uptake(school_id: int, months: Sequence[date], today: date) -> list[Uptake]:
    """The school's uptake on each month's day (`_month_days`), in its year containing that day (as
    `class_uptake` counts it), in two queries whatever the number of months. Under the school's scope."""
    years = db.session.scalars(
        select(SchoolYear).where(SchoolYear.school_id == school_id).order_by(SchoolYear.id)
    ).all()
    days = []  # (the month's index, its day, the school year containing that day)
    for index, day in enumerate(_month_days(months, today)):
        year = next((y for y in years if y.starts_on <= day <= y.ends_on), None)
        if year is not None:
            days.append((index, day, year.id))
    uptake = [Uptake(0, 0)] * len(months)
    if not days:
        return uptake
    on = union_all(
        *(
            select(
                literal(index, Integer).label("month"),
                literal(day, Date).label("day"),
                literal(year_id, Integer).label("year_id"),
            )
            for index, day, year_id in days
        )
    ).subquery("month_days")
    running = (
        select(Subscription.id)
        .where(
            Subscription.school_id == school_id,
            Subscription.student_id == Enrolment.student_id,
            Subscription.starts_on <= on.c.day,
            Subscription.ends_on >= on.c.day,
            or_(Subscription.cancelled_on.is_(None), Subscription.cancelled_on > on.c.day),
        )
        .exists()
    )
    rows = db.session.execute(
        select(on.c.month, func.count(Enrolment.id), func.coalesce(func.sum(case((running, 1), else_=0)), 0))
        .select_from(on)
        .join(Enrolment, Enrolment.school_year_id == on.c.year_id)
        .where(Enrolment.status == EnrolmentStatus.ACTIVE)
        .group_by(on.c.month)
    ).tuples()
    for index, enrolled, subscribed in rows:
        uptake[int(index)] = Uptake(int(enrolled), int(subscribed))
    return uptake


def _monthly_traffic(school_id: int, months: Sequence[date]) -> list[Traffic]:
    """The school's messages sent in each month (school-local), as `traffic` counts them, in one query."""
    if not months:
        return []
    bounds = [_month_bounds(month)[0] for month in months] + [_month_bounds(months[-1])[1]]
    month = case(*((Message.sent_at < end, index) for index, end in enumerate(bounds[1:])))
    rows = db.session.execute(
        select(month, Message.channel, func.count(Message.id), func.coalesce(func.sum(Message.cost), 0))
        .where(
            Message.school_id == school_id,
            Message.status.in_(SENT_STATUSES),
            Message.sent_at >= bounds[0],
            Message.sent_at < bounds[-1],
        )
        .group_by(month, Message.channel)
    ).tuples()
    figures: dict[tuple[int, str], tuple[int, int]] = {
        (int(index), channel): (int(count), int(cost)) for index, channel, count, cost in rows
    }
    sent = []
    for index in range(len(months)):
        sms, email = figures.get((index, "sms"), (0, 0)), figures.get((index, "email"), (0, 0))
        sent.append(Traffic(sms[0], sms[1], email[0], email[1]))
    return sent


def month_points(schools: Sequence[School], today: date) -> list[MonthPoint]:
    """Each month of the school year so far, across the schools: uptake on its last day (today for this month),
    in each school's year containing that day; and the messages sent in it.

    Each school is read under its own scope in a fixed number of queries, whatever the number of months.
    """
    months = year_months(today)
    uptake, sent = [Uptake(0, 0)] * len(months), [Traffic()] * len(months)
    for school in schools:
        with school_scope(school.id):
            school_uptake = _monthly_uptake(school.id, months, today)
            school_sent = _monthly_traffic(school.id, months)
        uptake = [total + own for total, own in zip(uptake, school_uptake, strict=True)]
        sent = [total + own for total, own in zip(sent, school_sent, strict=True)]
    return [MonthPoint(month, *figures) for month, figures in zip(months, zip(uptake, sent, strict=True), strict=True)]
