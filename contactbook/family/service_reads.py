"""What the family's subscription pages read of one child's school: plans, the family's own subscriptions of
the child, their payments, and the value statement (messages this semester, the last grade, what was paid).

Every function here is called under `school_scope(child.school_id)` and filters by the child and the family's
guardian records of that child: another family's subscription or payment is never found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from flask import abort
from sqlalchemy import func, select

from contactbook.extensions import db
from contactbook.family.children import Child
from contactbook.models import (
    Message,
    MessageStatus,
    Payment,
    PaymentKind,
    Plan,
    School,
    Score,
    Semester,
    Subject,
    Subscription,
    SubscriptionStatus,
)
from contactbook.subscriptions.services.plans import price_ceiling
from contactbook.tenancy import MAX_ID
from contactbook.timezones import school_today, school_zone

# What counts as received: handed to the provider (or the carrier), or carried in a daily digest.
RECEIVED = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.DIGESTED)


def school_of(child: Child) -> School:
    """The child's school (read under its scope)."""
    school = db.session.get(School, child.school_id)
    if school is None:
        abort(404)
    return school


def plans_offered(school: School) -> list[Plan]:
    """The plans the school offers now and a family can subscribe to, cheapest first: a plan priced above a
    ceiling lowered after it was published is not offered (subscribing to it is refused)."""
    plans = db.session.scalars(
        select(Plan).where(Plan.school_id == school.id, Plan.active.is_(True)).order_by(Plan.price, Plan.name, Plan.id)
    ).all()
    ceilings = {period: price_ceiling(school, period) for period in {plan.period for plan in plans}}
    return [plan for plan in plans if _within(plan.price, ceilings[plan.period])]


def _within(price: int, ceiling: int | None) -> bool:
    return ceiling is None or price <= ceiling


def subscriptions_of(child: Child) -> list[Subscription]:
    """The family's subscriptions for the child, newest first."""
    return list(
        db.session.scalars(
            select(Subscription)
            .where(
                Subscription.school_id == child.school_id,
                Subscription.student_id == child.student_id,
                Subscription.guardian_id.in_(child.guardian_ids),
            )
            .order_by(Subscription.starts_on.desc(), Subscription.id.desc())
        )
    )


def running(subscriptions: list[Subscription]) -> Subscription | None:
    """The subscription running now or next (the earliest active one not yet ended)."""
    today = school_today()
    live = [s for s in subscriptions if s.status == SubscriptionStatus.ACTIVE and s.ends_on >= today]
    return min(live, key=lambda s: s.starts_on) if live else None


def subscription_or_404(child: Child, subscription_id: int) -> Subscription:
    """The family's subscription for the child with this id; any other answers 404."""
    if not 0 < subscription_id <= MAX_ID:
        abort(404)
    found = next((s for s in subscriptions_of(child) if s.id == subscription_id), None)
    if found is None:
        abort(404)
    return found


def payments_of(child: Child) -> list[Payment]:
    """Payments and refunds recorded for the family's subscriptions of the child, newest first."""
    ids = [s.id for s in subscriptions_of(child)]
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Payment)
            .where(Payment.school_id == child.school_id, Payment.subscription_id.in_(ids))
            .order_by(Payment.paid_on.desc(), Payment.id.desc())
        )
    )


@dataclass(frozen=True)
class LastGrade:
    subject: str
    column: str
    value: Decimal | None
    level: str | None
    published_on: date


@dataclass(frozen=True)
class Statement:
    """What the family received for its fee."""

    since: date
    by_kind: dict[str, int]
    last_grade: LastGrade | None
    paid: int
    refunded: int

    @property
    def received(self) -> int:
        return sum(self.by_kind.values())


def _semester_start(school_id: int, today: date) -> date:
    """The first day of the semester running today (or of the last one that began), else 1 January."""
    start = db.session.scalar(
        select(func.max(Semester.starts_on)).where(Semester.school_id == school_id, Semester.starts_on <= today)
    )
    return start or date(today.year, 1, 1)


def statement_of(child: Child) -> Statement:
    """Messages the family received about the child this semester by kind, the last grade, what was paid."""
    today = school_today()
    since = _semester_start(child.school_id, today)
    moment = datetime.combine(since, time(0), tzinfo=school_zone())
    counts = db.session.execute(
        select(Message.kind, func.count(Message.id))
        .where(
            Message.school_id == child.school_id,
            Message.student_id == child.student_id,
            Message.guardian_id.in_(child.guardian_ids),
            Message.status.in_(RECEIVED),
            Message.created_at >= moment,
        )
        .group_by(Message.kind)
    ).tuples()
    score = db.session.execute(
        select(Score, Subject.name)
        .join(Subject, Subject.id == Score.subject_id)
        .where(
            Score.school_id == child.school_id,
            Score.student_id == child.student_id,
            Score.published_at.is_not(None),
        )
        .order_by(Score.published_at.desc(), Score.id.desc())
        .limit(1)
    ).first()
    last = None
    if score is not None:
        row, subject = score
        assert row.published_at is not None
        published_on = row.published_at.astimezone(school_zone()).date()
        last = LastGrade(subject, row.column, row.value, row.level, published_on)
    totals = {PaymentKind.PAYMENT: 0, PaymentKind.REFUND: 0}
    for payment in payments_of(child):
        totals[payment.kind] += payment.amount
    by_kind = {kind: int(count) for kind, count in counts}
    return Statement(since, by_kind, last, totals[PaymentKind.PAYMENT], totals[PaymentKind.REFUND])
