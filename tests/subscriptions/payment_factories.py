"""Plain factories for the money tests: the service on, plans, subscriptions with consent, payments, refunds.

Everything goes through the real services, as a school would do it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from contactbook.models import (
    Guardian,
    Payment,
    PaymentKind,
    PaymentMethod,
    Plan,
    PlanPeriod,
    Student,
    Subscription,
    User,
)
from contactbook.subscriptions import services
from contactbook.subscriptions.rules import PURPOSES
from contactbook.subscriptions.services import payments
from tests.factories import SchoolPeople, school_day

YEAR_START = date(2025, 9, 5)  # 2025-2026 as tests/roster/factories.py makes it: 5/9/2025 to 31/5/2026
YEAR_END = date(2026, 5, 31)
SEMESTER_II_START = date(2026, 1, 19)


def service_on(people: SchoolPeople) -> None:
    services.set_service_enabled(people.school, people.admin, True)


def make_plan(people: SchoolPeople, name: str, price: int, period: PlanPeriod, *, email: bool = False) -> Plan:
    return services.create_plan(
        people.school, people.admin, name=name, price=price, period=period, sms=True, email=email, digest_only=False
    )


def monthly_plan(people: SchoolPeople, price: int = 20_000) -> Plan:
    """ "Gói tháng": SMS and email, by the month."""
    return make_plan(people, "Gói tháng", price, PlanPeriod.MONTH, email=True)


SMS_PURPOSES = frozenset(p for p in PURPOSES if p.endswith("_sms"))


def subscribe(
    people: SchoolPeople,
    guardian: Guardian,
    student: Student,
    plan: Plan,
    starts_on: date = YEAR_START,
    *,
    purposes: Iterable[str] = SMS_PURPOSES,
    email: bool = False,
    actor: User | None = None,
) -> Subscription:
    """The guardian subscribes the student by SMS (and email), with a paper consent form signed by both
    (the child is 7+) and recorded on `starts_on` by `actor` (the accountant unless given)."""
    consent = services.ConsentForm(
        given_by=guardian.full_name,
        method="paper",
        purposes=frozenset(purposes),
        child_consent=True,
    )
    with school_day(starts_on):
        return services.subscribe(
            people.school,
            actor or people.staff["accountant"],
            guardian=guardian,
            student=student,
            plan=plan,
            sms=True,
            email=email,
            digest=False,
            starts_on=starts_on,
            consent=consent,
        )


def pay(
    people: SchoolPeople,
    subscription: Subscription,
    amount: int,
    paid_on: date,
    method: PaymentMethod = PaymentMethod.CASH,
) -> Payment:
    return payments.record_payment(
        people.school,
        people.staff["accountant"],
        subscription=subscription,
        amount=amount,
        paid_on=paid_on,
        method=method,
        payer=subscription.guardian.full_name,
    ).payment


def refund(people: SchoolPeople, subscription: Subscription, amount: int, paid_on: date) -> Payment:
    return payments.record_payment(
        people.school,
        people.staff["accountant"],
        subscription=subscription,
        amount=amount,
        paid_on=paid_on,
        method=PaymentMethod.CASH,
        payer=subscription.guardian.full_name,
        kind=PaymentKind.REFUND,
    ).payment


def year_plan(people: SchoolPeople, price: int = 100_000) -> Plan:
    return make_plan(people, "Gói cả năm", price, PlanPeriod.SCHOOL_YEAR)


def semester_plan(people: SchoolPeople, price: int = 60_000) -> Plan:
    return make_plan(people, "Gói học kỳ", price, PlanPeriod.SEMESTER)
