"""Money of the paid service: payments, refunds, numbered receipts and each family's balance.

A confirmation is recorded once: recording with a `token` already recorded (a double click, a second tab,
even at the same moment) returns the first record, flagged `already`, whatever the rules say now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from contactbook.audit import services as audit
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.models import (
    Guardian,
    Payment,
    PaymentKind,
    PaymentMethod,
    ReceiptSequence,
    School,
    SchoolYear,
    Subscription,
    SubscriptionStatus,
    User,
)
from contactbook.subscriptions.eligibility import net_paid, settings_of
from contactbook.subscriptions.rules import SubscriptionError
from contactbook.timezones import school_today

MAX_AMOUNT = 100_000_000
MARGIN = timedelta(days=365)  # a payment is dated within its subscription's period, give or take a year


@dataclass(frozen=True)
class Recorded:
    """A payment or refund recorded; `already`: its confirmation was recorded before, `payment` is that record."""

    payment: Payment
    already: bool = False


def paid_for(subscription: Subscription) -> int:
    """Payments for the subscription less refunds made for it."""
    return net_paid([subscription.id]).get(subscription.id, 0)


def recorded_for(school: School, token: str) -> Payment | None:
    """The payment or refund recorded for the confirmation `token` of `school`, if any."""
    return db.session.scalar(select(Payment).where(Payment.school_id == school.id, Payment.confirmation_token == token))


def year_label(school: School, on: date) -> str:
    """The school year a receipt dated `on` belongs to (its name), or the calendar year."""
    name = db.session.scalar(
        select(SchoolYear.name).where(
            SchoolYear.school_id == school.id, SchoolYear.starts_on <= on, SchoolYear.ends_on >= on
        )
    )
    return name or str(on.year)


def next_receipt_no(school: School, on: date) -> str:
    """The next receipt number of the school in the year of `on`: '2025-2026/00001', without gaps."""
    label = year_label(school, on)
    sequence = db.session.scalar(
        select(ReceiptSequence)
        .where(ReceiptSequence.school_id == school.id, ReceiptSequence.year_label == label)
        .with_for_update()
    )
    if sequence is None:
        sequence = ReceiptSequence(school_id=school.id, year_label=label, last_number=0)
        db.session.add(sequence)
    sequence.last_number += 1
    return f"{label}/{sequence.last_number:05d}"


def refund_owed(subscription: Subscription) -> int:
    """What the school owes back: paid beyond the (possibly reduced) charge."""
    return max(paid_for(subscription) - subscription.charge, 0)


def money_problems(
    school: School, subscription: Subscription, *, kind: PaymentKind, amount: int, paid_on: date, payer: str
) -> list[SubscriptionError]:
    """Every reason the rules refuse this payment or refund (each naming its form field); empty if none.

    The amount is a positive whole number of đồng, a refund at most what is owed; the date is not in the
    future and within the subscription's period, give or take a year; someone paid or received it.
    """
    problems: list[SubscriptionError] = []
    if subscription.school_id != school.id:
        return [SubscriptionError(N_("This subscription is not of this school."))]
    if not 0 < amount <= MAX_AMOUNT:
        problems.append(SubscriptionError(N_("The amount must be a positive number of đồng."), field="amount"))
    elif kind == PaymentKind.REFUND and amount > (owed := refund_owed(subscription)):
        message = N_("The school owes this family %(owed)s for this subscription; refund at most that.")
        problems.append(SubscriptionError(message, field="amount", owed=owed))
    earliest, latest = subscription.starts_on - MARGIN, subscription.ends_on + MARGIN
    if not earliest <= paid_on <= latest:
        message = N_(
            "The date must be between %(earliest)s and %(latest)s (the subscription's period, give or take a year)."
        )
        problems.append(SubscriptionError(message, field="paid_on", earliest=earliest, latest=latest))
    elif paid_on > school_today():
        problems.append(SubscriptionError(N_("The date cannot be in the future."), field="paid_on"))
    if not payer.strip():
        problems.append(SubscriptionError(N_("Write who paid or received the money."), field="payer"))
    return problems


def record_payment(
    school: School,
    actor: User,
    *,
    subscription: Subscription,
    amount: int,
    paid_on: date,
    method: PaymentMethod,
    payer: str,
    reference: str | None = None,
    token: str | None = None,
    kind: PaymentKind = PaymentKind.PAYMENT,
) -> Recorded:
    """Record money received for a subscription (`kind` REFUND: paid back to the family, never more than is
    owed), with a numbered receipt; once per confirmation `token`.

    Raises `SubscriptionError` (the first of `money_problems`) and records nothing when the rules refuse it.
    """
    # Once per confirmation, before any rule: the second click of a refund finds nothing left to refund,
    # yet it is the same refund, already recorded.
    earlier = recorded_for(school, token) if token else None
    if earlier is not None:
        return Recorded(earlier, already=True)
    problems = money_problems(school, subscription, kind=kind, amount=amount, paid_on=paid_on, payer=payer)
    if problems:
        raise problems[0]
    payment = Payment(
        school_id=school.id,
        guardian_id=subscription.guardian_id,
        subscription_id=subscription.id,
        kind=kind,
        method=method,
        amount=amount,
        paid_on=paid_on,
        payer=" ".join(payer.split()),
        reference=(reference or "").strip()[:100] or None,
        receipt_no=next_receipt_no(school, paid_on),
        confirmation_token=token or None,
        recorded_by_id=actor.id,
    )
    db.session.add(payment)
    try:
        db.session.flush()
    except IntegrityError:
        # The same confirmation recorded in parallel: the database's unique token decides which one.
        db.session.rollback()
        earlier = recorded_for(school, token) if token else None
        if earlier is None:
            raise
        return Recorded(earlier, already=True)
    audit.record(
        f"{kind.value}.recorded",
        actor=actor,
        school_id=school.id,
        target=payment,
        subscription_id=subscription.id,
        amount=amount,
        receipt_no=payment.receipt_no,
    )
    db.session.commit()
    return Recorded(payment)


@dataclass(frozen=True)
class Balance:
    """A family's account: charged, paid, refunded, and the outstanding balance (negative: owed back)."""

    charged: int
    paid: int
    refunded: int

    @property
    def outstanding(self) -> int:
        return self.charged - self.paid + self.refunded


def balance_of(guardian: Guardian) -> Balance:
    """The guardian's account across all its subscriptions."""
    charged = db.session.scalar(
        select(func.coalesce(func.sum(Subscription.charge), 0)).where(Subscription.guardian_id == guardian.id)
    )
    totals: dict[PaymentKind, int] = {
        kind: int(total)
        for kind, total in db.session.execute(
            select(Payment.kind, func.coalesce(func.sum(Payment.amount), 0))
            .where(Payment.guardian_id == guardian.id)
            .group_by(Payment.kind)
        )
    }
    return Balance(int(charged or 0), int(totals.get(PaymentKind.PAYMENT, 0)), int(totals.get(PaymentKind.REFUND, 0)))


def unpaid_flagged(school: School, today: date) -> list[Subscription]:
    """Running, non-exempt subscriptions not fully paid N days after they started (flagged, never cancelled)."""
    days = settings_of(school).unpaid_flag_days
    candidates = db.session.scalars(
        select(Subscription).where(
            Subscription.school_id == school.id,
            Subscription.status == SubscriptionStatus.ACTIVE,
            Subscription.exempt.is_(False),
            Subscription.starts_on <= today - timedelta(days=days),
        )
    ).all()
    return [s for s in candidates if paid_for(s) < s.charge]
