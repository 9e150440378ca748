"""What the money pages show: families found by name or phone, and each family's account. Read only."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from contactbook.extensions import db
from contactbook.models import (
    Enrolment,
    Guardian,
    Payment,
    PaymentKind,
    School,
    Student,
    StudentGuardian,
    Subscription,
    SubscriptionStatus,
)
from contactbook.roster.queries import enrolments_in_year, name_order
from contactbook.roster.rules import fold
from contactbook.roster.services import current_year
from contactbook.subscriptions.eligibility import net_paid, settings_of
from contactbook.subscriptions.services.payments import Balance, balance_of

PAGE_SIZE = 50
_PHONE_PUNCTUATION = re.compile(r"[\s.\-()]")


def matches_family(text: str, full_name: str, phone: str | None) -> bool:
    """Whether a search for `text` finds this guardian: digits within its phone (`0912…` or `+84912…`),
    else each word starting a word of its name, accents ignored."""
    compact = _PHONE_PUNCTUATION.sub("", text)
    if compact.lstrip("+").isdigit():
        if not phone:
            return False
        digits = compact.lstrip("+")
        international = phone.lstrip("+")
        domestic = "0" + international[2:] if international.startswith("84") else international
        return digits in international or digits in domestic
    words = fold(text).split()
    name_words = fold(full_name).split()
    return bool(words) and all(any(w.startswith(t) for w in name_words) for t in words)


def outstanding_balances(guardian_ids: Iterable[int]) -> dict[int, int]:
    """Each guardian's outstanding balance (charged − paid + refunded; negative: owed back), as `balance_of`."""
    ids = list(guardian_ids)
    balances: dict[int, int] = dict.fromkeys(ids, 0)
    if not ids:
        return balances
    charged = db.session.execute(
        select(Subscription.guardian_id, func.sum(Subscription.charge))
        .where(Subscription.guardian_id.in_(ids))
        .group_by(Subscription.guardian_id)
    ).tuples()
    for guardian_id, total in charged:
        balances[guardian_id] += int(total or 0)
    money = db.session.execute(
        select(Payment.guardian_id, Payment.kind, func.sum(Payment.amount))
        .where(Payment.guardian_id.in_(ids))
        .group_by(Payment.guardian_id, Payment.kind)
    ).tuples()
    for guardian_id, kind, total in money:
        balances[guardian_id] += int(total or 0) * (-1 if kind == PaymentKind.PAYMENT else 1)
    return balances


def is_flagged(subscription: Subscription, paid: int, flag_days: int, today: date) -> bool:
    """The rule of `payments.unpaid_flagged` for one subscription: running, not exempt, started at least
    `flag_days` ago, and not fully paid. A flag only draws the accountant's eye; nothing is cancelled."""
    return (
        subscription.status == SubscriptionStatus.ACTIVE
        and not subscription.exempt
        and subscription.starts_on <= today - timedelta(days=flag_days)
        and paid < subscription.charge
    )


# --- Finding a family -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyLine:
    """A guardian found, with its children and its outstanding balance."""

    guardian: Guardian
    children: list[Student]
    outstanding: int


@dataclass(frozen=True)
class FamilySearch:
    """One page of a family search."""

    families: list[FamilyLine]
    page: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.page * PAGE_SIZE < self.total


def search_families(school: School, text: str, page: int) -> FamilySearch:
    """The school's guardians whose name or phone matches `text`; with no text, those with a subscription."""
    text = text.strip()
    query = select(Guardian.id, Guardian.full_name, Guardian.phone).where(Guardian.school_id == school.id)
    if not text:
        query = query.where(
            Guardian.id.in_(select(Subscription.guardian_id).where(Subscription.school_id == school.id))
        )
    found = sorted(
        (name_order(name), guardian_id)
        for guardian_id, name, phone in db.session.execute(query).tuples()
        if not text or matches_family(text, name, phone)
    )
    page_ids = [guardian_id for _key, guardian_id in found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]
    guardians = {
        g.id: g
        for g in db.session.scalars(
            select(Guardian)
            .where(Guardian.id.in_(page_ids))
            .options(selectinload(Guardian.student_links).selectinload(StudentGuardian.student))
        )
    }
    balances = outstanding_balances(page_ids)
    lines = [
        FamilyLine(
            guardians[gid],
            sorted((link.student for link in guardians[gid].student_links), key=lambda s: name_order(s.full_name)),
            balances[gid],
        )
        for gid in page_ids
    ]
    return FamilySearch(lines, page, len(found))


# --- A family's account ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionLine:
    """A subscription on a family's account, with what was paid for it (net of refunds)."""

    subscription: Subscription
    paid: int
    refund_owed: int
    flagged: bool

    @property
    def due(self) -> int:
        return max(self.subscription.charge - self.paid, 0)


@dataclass(frozen=True)
class Child:
    student: Student
    relation: str
    enrolment: Enrolment | None


@dataclass(frozen=True)
class Account:
    """A family's account: its children, subscriptions, payments and refunds, and balance."""

    guardian: Guardian
    children: list[Child]
    subscriptions: list[SubscriptionLine]
    payments: list[Payment]
    balance: Balance


def subscription_line(subscription: Subscription, paid: int, flag_days: int, today: date) -> SubscriptionLine:
    return SubscriptionLine(
        subscription,
        paid,
        max(paid - subscription.charge, 0),
        is_flagged(subscription, paid, flag_days, today),
    )


def family_account(school: School, guardian: Guardian, today: date) -> Account:
    """Everything the family page shows about `guardian`'s money."""
    links = db.session.scalars(
        select(StudentGuardian)
        .where(StudentGuardian.guardian_id == guardian.id)
        .options(selectinload(StudentGuardian.student))
    ).all()
    enrolments = enrolments_in_year((link.student_id for link in links), current_year(school, today))
    children = sorted(
        (Child(link.student, link.relation, enrolments.get(link.student_id)) for link in links),
        key=lambda c: name_order(c.student.full_name),
    )
    subscriptions = db.session.scalars(
        select(Subscription)
        .where(Subscription.guardian_id == guardian.id)
        .options(selectinload(Subscription.student), selectinload(Subscription.plan))
        .order_by(Subscription.starts_on.desc(), Subscription.id.desc())
    ).all()
    paid = net_paid(s.id for s in subscriptions)
    flag_days = settings_of(school).unpaid_flag_days
    payments = db.session.scalars(
        select(Payment)
        .where(Payment.guardian_id == guardian.id)
        .options(selectinload(Payment.recorded_by))
        .order_by(Payment.paid_on.desc(), Payment.id.desc())
    ).all()
    return Account(
        guardian,
        children,
        [subscription_line(s, paid.get(s.id, 0), flag_days, today) for s in subscriptions],
        list(payments),
        balance_of(guardian),
    )
