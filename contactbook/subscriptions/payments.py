"""Money of the paid service: payments, refunds, numbered receipts and each family's balance."""

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
from contactbook.subscriptions.services import SubscriptionError, paid_for, settings_of
from contactbook.timezones import school_today

MAX_AMOUNT = 100_000_000


class AlreadyRecorded(Exception):
    """This confirmation was recorded before (a double click, a second tab): `payment` is that record."""

    def __init__(self, payment: Payment) -> None:
        super().__init__(payment.receipt_no)
        self.payment = payment


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


def _record(
    school: School,
    actor: User,
    *,
    kind: PaymentKind,
    subscription: Subscription,
    amount: int,
    paid_on: date,
    method: PaymentMethod,
    payer: str,
    reference: str | None,
    token: str | None,
) -> Payment:
    if subscription.school_id != school.id:
        raise SubscriptionError(N_("This subscription is not of this school."))
    if not 0 < amount <= MAX_AMOUNT:
        raise SubscriptionError(N_("The amount must be a positive number of đồng."))
    if paid_on > school_today():
        raise SubscriptionError(N_("The date cannot be in the future."))
    if not payer.strip():
        raise SubscriptionError(N_("Write who paid or received the money."))
    earlier = recorded_for(school, token) if token else None
    if earlier is not None:
        raise AlreadyRecorded(earlier)
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
        raise AlreadyRecorded(earlier) from None
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
    return payment


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
) -> Payment:
    """Record money received for a subscription, with a numbered receipt; once per confirmation `token`."""
    return _record(
        school,
        actor,
        kind=PaymentKind.PAYMENT,
        subscription=subscription,
        amount=amount,
        paid_on=paid_on,
        method=method,
        payer=payer,
        reference=reference,
        token=token,
    )


def refund_owed(subscription: Subscription) -> int:
    """What the school owes back: paid beyond the (possibly reduced) charge."""
    return max(paid_for(subscription) - subscription.charge, 0)


def record_refund(
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
) -> Payment:
    """Record money paid back to a family; never more than is owed; once per confirmation `token`."""
    if amount > refund_owed(subscription):
        raise SubscriptionError(N_("The refund is more than the school owes for this subscription."))
    return _record(
        school,
        actor,
        kind=PaymentKind.REFUND,
        subscription=subscription,
        amount=amount,
        paid_on=paid_on,
        method=method,
        payer=payer,
        reference=reference,
        token=token,
    )


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
