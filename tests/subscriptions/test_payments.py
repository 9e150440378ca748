"""Money of the paid service: numbered receipts, balances, refund limits, unpaid flags, amounts as typed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from contactbook.extensions import db
from contactbook.models import (
    Guardian,
    Payment,
    PaymentKind,
    PaymentMethod,
    Plan,
    PlanPeriod,
    Student,
    StudentGuardian,
    Subscription,
    SubscriptionStatus,
)
from contactbook.subscriptions import accounts, services
from contactbook.subscriptions.payment_forms import AmountError, parse_dong
from contactbook.subscriptions.services import SubscriptionError, payments
from tests.factories import World, school_day
from tests.roster.factories import ClassWorld, make_class_world, make_guardian, make_student
from tests.subscriptions.payment_factories import (
    YEAR_START,
    make_plan,
    pay,
    refund,
    semester_plan,
    service_on,
    subscribe,
    year_plan,
)
from tests.support import audit_rows


@dataclass
class Alpha:
    roster: ClassWorld
    plan: Plan
    sibling: Student
    subscription: Subscription  # the year plan, 100.000 đ, for roster.student by roster.guardian


@pytest.fixture
def alpha(world: World) -> Alpha:
    roster = make_class_world(world.a)
    service_on(world.a)
    plan = year_plan(world.a)
    sibling = make_student(world.a, roster.school_class, "Nguyễn Thị Bích", "790100000009")
    subscription = subscribe(world.a, roster.guardian, roster.student, plan)
    return Alpha(roster, plan, sibling, subscription)


def link(guardian: Guardian, student: Student) -> None:
    """Make `guardian` a guardian of `student` too."""
    db.session.add(
        StudentGuardian(school_id=guardian.school_id, student_id=student.id, guardian_id=guardian.id, relation="mother")
    )
    db.session.commit()


# --- Receipt numbers ------------------------------------------------------------------------------


def test_receipts_are_numbered_per_school_and_year_without_gaps(world: World, alpha: Alpha) -> None:
    first = pay(world.a, alpha.subscription, 30_000, date(2025, 9, 20))
    second = pay(world.a, alpha.subscription, 70_000, date(2025, 10, 1))
    services.opt_out(world.a.school, world.a.admin, alpha.subscription, date(2025, 11, 1), "moving house")
    third = refund(world.a, alpha.subscription, 10_000, date(2025, 11, 5))

    assert [first.receipt_no, second.receipt_no, third.receipt_no] == [
        "2025-2026/00001",
        "2025-2026/00002",
        "2025-2026/00003",
    ]


def test_another_school_numbers_its_receipts_from_one(world: World, alpha: Alpha) -> None:
    pay(world.a, alpha.subscription, 30_000, date(2025, 9, 20))
    pay(world.a, alpha.subscription, 30_000, date(2025, 9, 21))
    beta = make_class_world(world.b)
    service_on(world.b)
    beta_subscription = subscribe(world.b, beta.guardian, beta.student, year_plan(world.b))

    assert pay(world.b, beta_subscription, 50_000, date(2025, 9, 22)).receipt_no == "2025-2026/00001"


def test_a_payment_outside_any_school_year_is_numbered_in_its_calendar_year(world: World, alpha: Alpha) -> None:
    month = make_plan(world.a, "Gói hè", 20_000, PlanPeriod.MONTH)
    subscription = subscribe(world.a, alpha.roster.guardian, alpha.roster.student, month, date(2025, 6, 10))

    assert pay(world.a, subscription, 20_000, date(2025, 6, 12)).receipt_no == "2025/00001"
    assert pay(world.a, alpha.subscription, 20_000, date(2025, 9, 12)).receipt_no == "2025-2026/00001"


# --- Once per confirmation, and the rules, in the service ------------------------------------------


CONFIRMATION = "a-token-from-the-confirmation-page"


def record(world: World, subscription: Subscription, amount: int, paid_on: date, *, kind: str = "payment",
           token: str | None = CONFIRMATION, payer: str = "Trần Thị Bình") -> payments.Recorded:  # fmt: skip
    """Record money as the page does after its confirmation (`token`), or the CLI without one."""
    return payments.record_payment(
        world.a.school,
        world.a.staff["accountant"],
        subscription=subscription,
        amount=amount,
        paid_on=paid_on,
        method=PaymentMethod.CASH,
        payer=payer,
        token=token,
        kind=PaymentKind(kind),
    )


def test_a_confirmation_recorded_again_returns_the_first_payment_flagged(world: World, alpha: Alpha) -> None:
    first = record(world, alpha.subscription, 50_000, date(2025, 9, 20))
    again = record(world, alpha.subscription, 50_000, date(2025, 9, 20))

    assert (first.already, again.already) == (False, True)
    assert again.payment.id == first.payment.id and again.payment.receipt_no == "2025-2026/00001"
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    assert len(audit_rows("payment.recorded", world.a.school.id)) == 1
    assert pay(world.a, alpha.subscription, 10_000, date(2025, 9, 21)).receipt_no == "2025-2026/00002"  # no gap


def test_a_refund_confirmed_twice_returns_the_first_though_nothing_is_owed_any_more(world: World, alpha: Alpha) -> None:
    pay(world.a, alpha.subscription, 100_000, date(2025, 9, 10))
    services.opt_out(world.a.school, world.a.admin, alpha.subscription, date(2025, 11, 1), None)
    first = record(world, alpha.subscription, 78_810, date(2025, 11, 3), kind="refund")
    assert payments.refund_owed(alpha.subscription) == 0

    again = record(world, alpha.subscription, 78_810, date(2025, 11, 3), kind="refund")

    assert again.already and again.payment.id == first.payment.id
    assert db.session.scalar(select(func.count(Payment.id)).where(Payment.kind == PaymentKind.REFUND)) == 1


def test_without_a_token_each_call_records_money(world: World, alpha: Alpha) -> None:
    record(world, alpha.subscription, 10_000, date(2025, 9, 20), token=None)
    record(world, alpha.subscription, 10_000, date(2025, 9, 20), token=None)
    assert db.session.scalar(select(func.count(Payment.id))) == 2


def test_every_problem_of_the_money_is_named_with_its_field(world: World, alpha: Alpha) -> None:
    problems = payments.money_problems(
        world.a.school, alpha.subscription, kind=PaymentKind.REFUND, amount=5_000, paid_on=date(2999, 1, 1), payer=" "
    )
    fields = {problem.field: (str(problem), problem.params) for problem in problems}

    assert fields == {
        "amount": ("The school owes this family %(owed)s for this subscription; refund at most that.", {"owed": 0}),
        "paid_on": (
            "The date must be between %(earliest)s and %(latest)s (the subscription's period, give or take a year).",
            {"earliest": date(2024, 9, 5), "latest": date(2027, 5, 31)},
        ),
        "payer": ("Write who paid or received the money.", {}),
    }


@pytest.mark.parametrize(
    ("paid_on", "message"),
    [
        (date(2024, 9, 4), "The date must be between %(earliest)s and %(latest)s"),
        (date(2027, 6, 1), "The date must be between %(earliest)s and %(latest)s"),
        (date(2025, 10, 2), "The date cannot be in the future."),  # today is 1 October 2025
    ],
)
def test_a_payment_dated_far_from_its_period_or_in_the_future_is_refused(
    world: World, alpha: Alpha, paid_on: date, message: str
) -> None:
    with school_day(date(2025, 10, 1)), pytest.raises(SubscriptionError) as refused:
        record(world, alpha.subscription, 10_000, paid_on)
    assert refused.value.field == "paid_on" and str(refused.value).startswith(message)
    assert db.session.scalar(select(func.count(Payment.id))) == 0


# --- Balances -------------------------------------------------------------------------------------


def test_balance_is_charged_less_paid_plus_refunded(world: World, alpha: Alpha) -> None:
    link(alpha.roster.guardian, alpha.sibling)
    second = subscribe(world.a, alpha.roster.guardian, alpha.sibling, semester_plan(world.a))
    pay(world.a, alpha.subscription, 100_000, date(2025, 9, 10))
    pay(world.a, second, 20_000, date(2025, 9, 10))

    balance = payments.balance_of(alpha.roster.guardian)

    assert (balance.charged, balance.paid, balance.refunded) == (160_000, 120_000, 0)
    assert balance.outstanding == 40_000


def test_after_an_opt_out_the_balance_is_negative_until_the_refund_is_paid(world: World, alpha: Alpha) -> None:
    pay(world.a, alpha.subscription, 100_000, date(2025, 9, 10))
    quote = services.opt_out(world.a.school, world.a.admin, alpha.subscription, date(2025, 11, 1), None)
    # 57 of the 269 days from 5/9/2025 to 31/5/2026 were used: 100.000 × 57 / 269, rounded up.
    assert (quote.used_charge, quote.refund) == (21_190, 78_810)

    assert payments.balance_of(alpha.roster.guardian).outstanding == -78_810
    refund(world.a, alpha.subscription, 78_810, date(2025, 11, 3))
    assert payments.balance_of(alpha.roster.guardian).outstanding == 0


def test_family_list_balances_agree_with_balance_of(world: World, alpha: Alpha) -> None:
    other = make_guardian(world.a, [alpha.sibling], "Lê Văn Cường", phone="+84987654321")
    other_subscription = subscribe(world.a, other, alpha.sibling, semester_plan(world.a))
    pay(world.a, alpha.subscription, 40_000, date(2025, 9, 10))
    pay(world.a, other_subscription, 60_000, date(2025, 9, 10))
    pay(world.a, other_subscription, 15_000, date(2025, 9, 11))  # paid too much

    bulk = accounts.outstanding_balances([alpha.roster.guardian.id, other.id])

    assert bulk == {
        alpha.roster.guardian.id: payments.balance_of(alpha.roster.guardian).outstanding,
        other.id: payments.balance_of(other).outstanding,
    }
    assert bulk == {alpha.roster.guardian.id: 60_000, other.id: -15_000}


# --- Refund limits --------------------------------------------------------------------------------


def test_a_refund_cannot_exceed_what_is_owed(world: World, alpha: Alpha) -> None:
    pay(world.a, alpha.subscription, 100_000, date(2025, 9, 10))
    services.opt_out(world.a.school, world.a.admin, alpha.subscription, date(2025, 11, 1), None)

    with pytest.raises(SubscriptionError, match="owes this family") as refused:
        refund(world.a, alpha.subscription, 78_811, date(2025, 11, 3))
    assert (refused.value.field, refused.value.params) == ("amount", {"owed": 78_810})
    refund(world.a, alpha.subscription, 50_000, date(2025, 11, 3))
    assert payments.refund_owed(alpha.subscription) == 28_810
    refund(world.a, alpha.subscription, 28_810, date(2025, 11, 4))
    with pytest.raises(SubscriptionError):
        refund(world.a, alpha.subscription, 1, date(2025, 11, 5))


def test_nothing_is_owed_back_on_a_running_subscription_paid_exactly(world: World, alpha: Alpha) -> None:
    pay(world.a, alpha.subscription, 100_000, date(2025, 9, 10))

    assert payments.refund_owed(alpha.subscription) == 0
    with pytest.raises(SubscriptionError):
        refund(world.a, alpha.subscription, 1_000, date(2025, 9, 11))


@pytest.mark.parametrize("amount", [0, -5_000, payments.MAX_AMOUNT + 1])
def test_a_payment_must_be_a_positive_reasonable_amount(world: World, alpha: Alpha, amount: int) -> None:
    with pytest.raises(SubscriptionError):
        pay(world.a, alpha.subscription, amount, date(2025, 9, 10))


# --- Unpaid flags ---------------------------------------------------------------------------------


def test_unpaid_subscription_is_flagged_after_the_set_days_and_never_cancelled(world: World, alpha: Alpha) -> None:
    pay(world.a, alpha.subscription, 50_000, date(2025, 9, 10))
    flag_days = services.settings_of(world.a.school).unpaid_flag_days

    day_before = YEAR_START + timedelta(days=flag_days - 1)
    on_the_day = YEAR_START + timedelta(days=flag_days)

    assert payments.unpaid_flagged(world.a.school, day_before) == []
    assert payments.unpaid_flagged(world.a.school, on_the_day) == [alpha.subscription]
    db.session.expire_all()
    assert db.session.get(Subscription, alpha.subscription.id).status == SubscriptionStatus.ACTIVE  # type: ignore[union-attr]


def test_paid_exempt_and_cancelled_subscriptions_are_not_flagged(world: World, alpha: Alpha) -> None:
    link(alpha.roster.guardian, alpha.sibling)
    exempt = subscribe(world.a, alpha.roster.guardian, alpha.sibling, semester_plan(world.a))
    services.set_exemption(world.a.school, world.a.admin, exempt, "Hộ nghèo")
    other = make_guardian(world.a, [alpha.sibling], "Lê Văn Cường", phone="+84987654321")
    cancelled = subscribe(world.a, other, alpha.sibling, semester_plan(world.a))
    services.opt_out(world.a.school, world.a.admin, cancelled, date(2025, 9, 6), None)
    pay(world.a, alpha.subscription, 100_000, date(2025, 9, 10))

    assert payments.unpaid_flagged(world.a.school, date(2025, 12, 1)) == []


def test_the_family_page_flags_exactly_what_unpaid_flagged_does(world: World, alpha: Alpha) -> None:
    link(alpha.roster.guardian, alpha.sibling)
    paid = subscribe(world.a, alpha.roster.guardian, alpha.sibling, semester_plan(world.a))
    pay(world.a, paid, 60_000, date(2025, 9, 10))
    today = date(2025, 10, 1)

    account = accounts.family_account(world.a.school, alpha.roster.guardian, today)

    flagged = {line.subscription.id for line in account.subscriptions if line.flagged}
    assert flagged == {s.id for s in payments.unpaid_flagged(world.a.school, today)} == {alpha.subscription.id}


# --- Finding a family -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("binh", True),
        ("Trần Bình", True),
        ("tran b", True),
        ("0912", True),
        ("0912 345 678", True),
        ("+84912345678", True),
        ("912.345", True),
        ("an", False),
        ("0987", False),
    ],
)
def test_a_family_is_found_by_name_without_accents_or_by_phone(typed: str, found: bool) -> None:
    assert accounts.matches_family(typed, "Trần Thị Bình", "+84912345678") is found


def test_without_a_search_the_list_holds_the_families_with_a_subscription(world: World, alpha: Alpha) -> None:
    make_guardian(world.a, [alpha.sibling], "Lê Văn Cường", phone="+84987654321")

    result = accounts.search_families(world.a.school, "", 1)

    assert [line.guardian.id for line in result.families] == [alpha.roster.guardian.id]
    assert result.families[0].outstanding == 100_000
    assert [line.guardian.full_name for line in accounts.search_families(world.a.school, "cuong", 1).families] == [
        "Lê Văn Cường"
    ]


# --- Amounts as typed -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("50000", 50_000),
        ("50.000", 50_000),
        ("50,000", 50_000),
        ("50 000", 50_000),
        (" 1.250.000 đ", 1_250_000),
        ("120000đ", 120_000),
        ("75.000 VNĐ", 75_000),
    ],
)
def test_an_amount_is_read_as_whole_dong(typed: str, amount: int) -> None:
    assert parse_dong(typed) == amount


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("50,5", "without decimals"),
        ("50.5", "without decimals"),
        ("50.000,00", "without decimals"),
        ("-50.000", "cannot be negative"),
        ("0", "more than 0"),
        ("0.000", "more than 0"),
        ("năm mươi nghìn", "as a number"),
        ("5.00.000", "as a number"),
        ("", "Write the amount"),
        ("1.000.000.000", "too large"),
    ],
)
def test_an_amount_that_is_not_positive_whole_dong_is_refused_with_the_reason(
    app: Flask, typed: str, reason: str
) -> None:
    with pytest.raises(AmountError, match=reason):
        parse_dong(typed)
