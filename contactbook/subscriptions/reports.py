"""The paid service's figures for a school and for an authority: uptake, money, exemptions. Read only.

Counts and sums only: nothing here returns who did or did not subscribe.

What the figures mean:
- A school year's money is that of the subscriptions starting within the year's dates, with the
  payments and refunds recorded for them (whenever they were paid); months are those of the payment dates.
- Uptake on a day: students actively enrolled in the year's classes that day, and those of them with
  a subscription running that day (started, not ended, not stopped by an opt-out before that day).
  The day is today, or the year's first or last day for a year that is not under way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_percent
from sqlalchemy import ColumnElement, func, or_, select

from contactbook.extensions import db
from contactbook.models import (
    Authority,
    Enrolment,
    EnrolmentStatus,
    Payment,
    PaymentKind,
    Plan,
    PlanPeriod,
    PriceCeiling,
    School,
    SchoolClass,
    SchoolYear,
    Subscription,
    SubscriptionStatus,
)
from contactbook.platform.services import authority_subtree_ids
from contactbook.roster.services import current_year
from contactbook.tenancy import school_scope


@dataclass(frozen=True)
class Uptake:
    """Students enrolled, and how many of them have a subscription running."""

    enrolled: int
    subscribed: int

    @property
    def ratio(self) -> float | None:
        """Subscribed / enrolled (None without students)."""
        return self.subscribed / self.enrolled if self.enrolled else None

    def __add__(self, other: Uptake) -> Uptake:
        return Uptake(self.enrolled + other.enrolled, self.subscribed + other.subscribed)


def percent(ratio: float | None) -> str:
    """A share as a percentage with one decimal, in the visitor's language (`62,5%`); a dash for none."""
    return "—" if ratio is None else str(format_percent(ratio, "#,##0.0%"))


@dataclass(frozen=True)
class Money:
    """Payments received and refunds paid back, in đồng."""

    payments: int = 0
    refunds: int = 0

    @property
    def net(self) -> int:
        return self.payments - self.refunds

    def __add__(self, other: Money) -> Money:
        return Money(self.payments + other.payments, self.refunds + other.refunds)


@dataclass(frozen=True)
class ClassFigures:
    """One class of the year: its uptake, and what its students' subscriptions charged and collected."""

    class_id: int
    name: str
    grade_level: int
    uptake: Uptake
    charged: int
    collected: int


@dataclass(frozen=True)
class MonthFigures:
    month: date  # the first day of the month
    money: Money


@dataclass(frozen=True)
class PeriodFigures:
    """The subscriptions of plans of one period (month, semester, school year) and their money."""

    period: PlanPeriod
    subscriptions: int
    charged: int
    money: Money


@dataclass(frozen=True)
class Totals:
    """The year's subscriptions: what they charge against what was collected for them."""

    subscriptions: int
    cancelled: int
    charged: int
    money: Money
    to_collect: int  # the sum of what each subscription still lacks
    refunds_owed: int  # the sum of what was paid beyond each subscription's charge

    @property
    def collected(self) -> int:
        return self.money.net


@dataclass(frozen=True)
class Exemptions:
    count: int
    waived: int  # the prices of the exempt subscriptions


@dataclass(frozen=True)
class RefundFigures:
    count: int
    amount: int
    owed: int  # still to be paid back


@dataclass(frozen=True)
class SchoolReport:
    """The report of one school year of one school."""

    year_id: int
    year_name: str
    starts_on: date
    ends_on: date
    as_of: date
    classes: list[ClassFigures]
    uptake: Uptake
    without_class: Money  # money of subscriptions of students not in a class of the year
    without_class_charged: int
    months: list[MonthFigures]
    periods: list[PeriodFigures]
    totals: Totals
    exemptions: Exemptions
    refunds: RefundFigures


def uptake_day(year: SchoolYear, today: date) -> date:
    """The day uptake is counted on: today, within the year's dates."""
    return min(max(today, year.starts_on), year.ends_on)


def _running_on(day: date) -> list[ColumnElement[bool]]:
    """SQL conditions: a subscription running on `day` (an opt-out stops it from its stop day)."""
    return [
        Subscription.starts_on <= day,
        Subscription.ends_on >= day,
        or_(Subscription.cancelled_on.is_(None), Subscription.cancelled_on > day),
    ]


def _of_year(year: SchoolYear) -> list[ColumnElement[bool]]:
    """SQL conditions: a subscription of `year`'s school starting within the year's dates."""
    return [
        Subscription.school_id == year.school_id,
        Subscription.starts_on >= year.starts_on,
        Subscription.starts_on <= year.ends_on,
    ]


def class_uptake(year: SchoolYear, day: date) -> dict[int, Uptake]:
    """Each class of `year` (with students): active enrolments, and how many of them are subscribed on `day`."""
    enrolled = db.session.execute(
        select(Enrolment.class_id, func.count(Enrolment.id))
        .where(Enrolment.school_year_id == year.id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .group_by(Enrolment.class_id)
    ).tuples()
    running = (
        select(Subscription.student_id)
        .where(Subscription.school_id == year.school_id, *_running_on(day))
        .scalar_subquery()
    )
    subscribed = db.session.execute(
        select(Enrolment.class_id, func.count(Enrolment.id))
        .where(
            Enrolment.school_year_id == year.id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Enrolment.student_id.in_(running),
        )
        .group_by(Enrolment.class_id)
    ).tuples()
    counts = {class_id: count for class_id, count in subscribed}  # a Result has .keys(): dict() misreads it
    return {class_id: Uptake(total, counts.get(class_id, 0)) for class_id, total in enrolled}


@dataclass(frozen=True)
class _Sub:
    id: int
    student_id: int
    period: PlanPeriod
    status: SubscriptionStatus
    charge: int
    price: int
    exempt: bool


@dataclass
class _Ledger:
    """Money by subscription and by month, and the refunds, of the subscriptions in scope."""

    by_subscription: dict[int, Money] = field(default_factory=lambda: defaultdict(Money))
    by_month: dict[date, Money] = field(default_factory=lambda: defaultdict(Money))
    refund_count: int = 0


def _year_subscriptions(year: SchoolYear) -> Sequence[_Sub]:
    rows = db.session.execute(
        select(
            Subscription.id,
            Subscription.student_id,
            Plan.period,
            Subscription.status,
            Subscription.charge,
            Subscription.price,
            Subscription.exempt,
        )
        .join(Plan, Plan.id == Subscription.plan_id)
        .where(*_of_year(year))
    ).tuples()
    return [_Sub(*row) for row in rows]


def _ledger(year: SchoolYear) -> _Ledger:
    ledger = _Ledger()
    rows = db.session.execute(
        select(Payment.subscription_id, Payment.kind, Payment.amount, Payment.paid_on)
        .join(Subscription, Subscription.id == Payment.subscription_id)
        .where(*_of_year(year))
    ).tuples()
    for subscription_id, kind, amount, paid_on in rows:
        assert subscription_id is not None  # joined on it
        money = Money(amount, 0) if kind == PaymentKind.PAYMENT else Money(0, amount)
        ledger.by_subscription[subscription_id] += money
        ledger.by_month[paid_on.replace(day=1)] += money
        ledger.refund_count += kind == PaymentKind.REFUND
    return ledger


def school_report(year: SchoolYear, today: date) -> SchoolReport:
    """The figures of `year` (its school's), with uptake counted as of `today`."""
    day = uptake_day(year, today)
    uptakes = class_uptake(year, day)
    classes = db.session.scalars(
        select(SchoolClass)
        .where(SchoolClass.school_year_id == year.id)
        .order_by(SchoolClass.grade_level, SchoolClass.name)
    ).all()
    class_of = {
        student_id: class_id
        for student_id, class_id in db.session.execute(
            select(Enrolment.student_id, Enrolment.class_id).where(Enrolment.school_year_id == year.id)
        ).tuples()
    }
    subscriptions = _year_subscriptions(year)
    ledger = _ledger(year)

    charged_by_class: dict[int | None, int] = defaultdict(int)
    collected_by_class: dict[int | None, Money] = defaultdict(Money)
    by_period: dict[PlanPeriod, list[_Sub]] = defaultdict(list)
    to_collect = refunds_owed = 0
    for sub in subscriptions:
        money = ledger.by_subscription.get(sub.id, Money())
        class_id = class_of.get(sub.student_id)
        charged_by_class[class_id] += sub.charge
        collected_by_class[class_id] += money
        by_period[sub.period].append(sub)
        to_collect += max(sub.charge - money.net, 0)
        refunds_owed += max(money.net - sub.charge, 0)

    total_money = sum(ledger.by_subscription.values(), Money())
    exempt = [s for s in subscriptions if s.exempt]
    return SchoolReport(
        year_id=year.id,
        year_name=year.name,
        starts_on=year.starts_on,
        ends_on=year.ends_on,
        as_of=day,
        classes=[
            ClassFigures(
                c.id,
                c.name,
                c.grade_level,
                uptakes.get(c.id, Uptake(0, 0)),
                charged_by_class.get(c.id, 0),
                collected_by_class.get(c.id, Money()).net,
            )
            for c in classes
        ],
        uptake=sum(uptakes.values(), Uptake(0, 0)),
        without_class=collected_by_class.get(None, Money()),
        without_class_charged=charged_by_class.get(None, 0),
        months=[MonthFigures(month, ledger.by_month[month]) for month in sorted(ledger.by_month)],
        periods=[
            PeriodFigures(
                period,
                len(by_period[period]),
                sum(s.charge for s in by_period[period]),
                sum((ledger.by_subscription.get(s.id, Money()) for s in by_period[period]), Money()),
            )
            for period in PlanPeriod
        ],
        totals=Totals(
            subscriptions=len(subscriptions),
            cancelled=sum(s.status == SubscriptionStatus.CANCELLED for s in subscriptions),
            charged=sum(s.charge for s in subscriptions),
            money=total_money,
            to_collect=to_collect,
            refunds_owed=refunds_owed,
        ),
        exemptions=Exemptions(len(exempt), sum(s.price for s in exempt)),
        refunds=RefundFigures(ledger.refund_count, total_money.refunds, refunds_owed),
    )


def report_years(school: School) -> list[SchoolYear]:
    """The school's years, latest first (the years a report can be asked for)."""
    return list(
        db.session.scalars(
            select(SchoolYear).where(SchoolYear.school_id == school.id).order_by(SchoolYear.starts_on.desc())
        )
    )


# --- For an authority: one line per school ----------------------------------------------------------


@dataclass(frozen=True)
class PlanOffer:
    name: str
    period: PlanPeriod
    price: int


@dataclass(frozen=True)
class SchoolOverview:
    """One school under an authority, in aggregate: no student or family appears here."""

    school_id: int
    school_name: str
    year_name: str | None
    uptake: Uptake
    revenue: int  # net collected this school year
    plans: list[PlanOffer]


def authority_overview(schools: Iterable[School], today: date) -> list[SchoolOverview]:
    """For each school: its current year's uptake (as of today) and net revenue, and the plans it offers.

    Each school is read under its own scope (the authority's pages have none), one school at a time.
    """
    period_order = {p: i for i, p in enumerate(PlanPeriod)}
    lines = []
    for school in schools:
        with school_scope(school.id):
            offers = [
                PlanOffer(name, period, price)
                for name, period, price in db.session.execute(
                    select(Plan.name, Plan.period, Plan.price).where(Plan.school_id == school.id, Plan.active.is_(True))
                ).tuples()
            ]
            year = current_year(school, today)
            uptake, revenue = Uptake(0, 0), 0
            if year is not None:
                uptake = sum(class_uptake(year, uptake_day(year, today)).values(), Uptake(0, 0))
                revenue = _year_revenue(year)
            offers.sort(key=lambda p: (period_order[p.period], p.price, p.name))
            lines.append(SchoolOverview(school.id, school.name, year.name if year else None, uptake, revenue, offers))
    return lines


def _year_revenue(year: SchoolYear) -> int:
    """Payments less refunds for the subscriptions of `year`."""
    rows = db.session.execute(
        select(Payment.kind, func.coalesce(func.sum(Payment.amount), 0))
        .join(Subscription, Subscription.id == Payment.subscription_id)
        .where(*_of_year(year))
        .group_by(Payment.kind)
    ).tuples()
    totals = {kind: int(total) for kind, total in rows}
    return totals.get(PaymentKind.PAYMENT, 0) - totals.get(PaymentKind.REFUND, 0)


# --- For an authority: price ceilings ---------------------------------------------------------------


@dataclass(frozen=True)
class CeilingLine:
    """A ceiling set by the authority or one above it, and how many plans below it are priced higher."""

    authority_id: int
    authority_name: str
    own: bool  # set by the officer's own authority (the only ones it may change)
    period: PlanPeriod
    max_price: int
    plans_above: int


def ceilings_over(authority: Authority) -> list[CeilingLine]:
    """The ceilings binding the schools below `authority`: its own and those of the authorities above it."""
    chain: list[Authority] = []
    current: Authority | None = authority
    while current is not None:
        chain.append(current)
        current = current.parent
    names = {a.id: a.name for a in chain}
    rows = db.session.scalars(select(PriceCeiling).where(PriceCeiling.authority_id.in_(names))).all()
    below = db.session.scalars(select(School.id).where(School.authority_id.in_(authority_subtree_ids(authority.id))))
    prices: list[tuple[PlanPeriod, int]] = []
    for school_id in below.all():
        with school_scope(school_id):  # each school's plans under its own scope
            prices.extend(
                db.session.execute(
                    select(Plan.period, Plan.price).where(Plan.school_id == school_id, Plan.active.is_(True))
                ).tuples()
            )
    depth = {a.id: index for index, a in enumerate(chain)}
    period_order = {p: i for i, p in enumerate(PlanPeriod)}
    lines = [
        CeilingLine(
            row.authority_id,
            names[row.authority_id],
            row.authority_id == authority.id,
            row.period,
            row.max_price,
            sum(1 for period, price in prices if period == row.period and price > row.max_price),
        )
        for row in rows
    ]
    return sorted(lines, key=lambda line: (depth[line.authority_id], period_order[line.period]))
