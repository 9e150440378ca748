"""The paid service through its services: subscribing with consent, paying, exemptions, opting out,
the daily expiry, switching the service, eligibility at a moment, price ceilings, isolation, audit."""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from contactbook.extensions import db
from contactbook.messaging.vocabulary import Category, Channel
from contactbook.models import (
    AuditLog,
    AuthorityKind,
    Guardian,
    Payment,
    PaymentMethod,
    Plan,
    PlanPeriod,
    RenewalReminder,
    Student,
    Subscription,
    SubscriptionStatus,
)
from contactbook.models.base import utcnow
from contactbook.platform import services as platform
from contactbook.subscriptions import eligibility, services
from contactbook.subscriptions.rules import PURPOSES, Refund
from contactbook.subscriptions.services import ConsentForm, SubscriptionError, payments
from contactbook.timezones import school_today
from tests.factories import SchoolPeople, World, school_day
from tests.roster.factories import ClassWorld, make_class_world, make_guardian, make_student
from tests.support import audit_rows

SMS, EMAIL = Channel.SMS, Channel.EMAIL
NOTHING: frozenset[Channel] = frozenset()
SEPT_5 = date(2025, 9, 5)  # a monthly subscription from here runs to 4 October: 30 days


# --- Helpers ------------------------------------------------------------------------------------------


def make_plan(
    people: SchoolPeople,
    period: PlanPeriod = PlanPeriod.MONTH,
    *,
    price: int = 100_000,
    sms: bool = True,
    email: bool = True,
) -> Plan:
    return services.create_plan(
        people.school,
        people.admin,
        name=f"Gói {period.value}",
        price=price,
        period=period,
        sms=sms,
        email=email,
        digest_only=False,
    )


def form(
    purposes: Iterable[str] = PURPOSES,
    *,
    child_consent: bool = True,
    given_by: str = "Trần Thị Bình",
) -> ConsentForm:
    return ConsentForm(given_by=given_by, method="paper", purposes=frozenset(purposes), child_consent=child_consent)


def subscribe(
    people: SchoolPeople,
    family: ClassWorld,
    plan: Plan,
    *,
    guardian: Guardian | None = None,
    student: Student | None = None,
    sms: bool = True,
    email: bool = True,
    starts_on: date = SEPT_5,
    consent: ConsentForm | None = None,
) -> Subscription:
    """Subscribe the class world's mother (or `guardian`) for its student, consenting to the chosen channels,
    with the form recorded on its first day."""
    channels = {"sms"} if sms else set()
    channels |= {"email"} if email else set()
    purposes = [p for p in PURPOSES if p.rsplit("_", 1)[1] in channels]
    with school_day(starts_on):
        return services.subscribe(
            people.school,
            people.admin,
            guardian=guardian or family.guardian,
            student=student or family.student,
            plan=plan,
            sms=sms,
            email=email,
            digest=False,
            starts_on=starts_on,
            consent=consent or form(purposes),
        )


def refused(message: str) -> AbstractContextManager[Any]:
    return pytest.raises(SubscriptionError, match=f"^{re.escape(message)}$")


def pay(people: SchoolPeople, subscription: Subscription, amount: int, paid_on: date = SEPT_5) -> None:
    payments.record_payment(
        people.school,
        people.staff["accountant"],
        subscription=subscription,
        amount=amount,
        paid_on=paid_on,
        method=PaymentMethod.CASH,
        payer="Trần Thị Bình",
    )


def channels_at(family: ClassWorld, at: datetime, category: str = Category.GRADES) -> frozenset[Channel]:
    db.session.expire_all()
    return eligibility.eligible_channels(family.guardian, family.student, category, at)


def channels_now(family: ClassWorld, category: str = Category.GRADES) -> frozenset[Channel]:
    return channels_at(family, utcnow(), category)


def subscribe_today(people: SchoolPeople, family: ClassWorld, plan: Plan, **options: Any) -> Subscription:
    """A monthly subscription running today (in the school's time zone)."""
    return subscribe(people, family, plan, starts_on=school_today(), **options)


def another_family(people: SchoolPeople, family: ClassWorld, national_id: str) -> tuple[Student, Guardian]:
    student = make_student(people, family.school_class, f"Học sinh {national_id}", national_id)
    guardian = make_guardian(people, [student], f"Phụ huynh {national_id}", email=f"{national_id}@example.vn")
    return student, guardian


def audited(action: str, people: SchoolPeople, target: Any) -> AuditLog:
    """The single audit row of `action` in the school, checked to point at `target`."""
    rows = audit_rows(action, people.school.id)
    assert [(row.target_type, row.target_id) for row in rows] == [(type(target).__name__, target.id)]
    return rows[0]


def reminders_of(subscription: Subscription) -> list[RenewalReminder]:
    return list(db.session.scalars(select(RenewalReminder).where(RenewalReminder.subscription_id == subscription.id)))


def status_of(subscription: Subscription) -> SubscriptionStatus:
    db.session.expire_all()
    return subscription.status


# --- Subscribing ----------------------------------------------------------------------------------------


def test_subscribing_records_the_period_price_and_channels(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly, email=False)
    assert (subscription.starts_on, subscription.ends_on) == (SEPT_5, date(2025, 10, 4))
    assert (subscription.price, subscription.charge, subscription.exempt) == (100_000, 100_000, False)
    assert (subscription.sms, subscription.email, subscription.status) == (True, False, SubscriptionStatus.ACTIVE)
    assert (subscription.school_id, subscription.plan_id) == (world.a.school.id, monthly.id)


def test_subscribing_keeps_the_consent_with_its_purposes(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly, consent=form({"notices_email", "grades_sms"}))
    [consent] = subscription.consents
    assert (consent.given_by, consent.method, consent.recorded_by_id) == ("Trần Thị Bình", "paper", world.a.admin.id)
    assert [p.purpose for p in consent.purposes] == ["grades_sms", "notices_email"]
    assert all(p.withdrawn_at is None for p in consent.purposes)


def test_the_consent_of_a_child_aged_7_or_more_is_recorded(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)  # the student was born in 2014
    assert subscription.consents[0].child_consent is True


def test_a_child_aged_7_or_more_must_consent_too(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    with refused("The student is 7 or older: the child's own consent is needed too."):
        subscribe(world.a, alpha, monthly, consent=form(child_consent=False))


def test_for_a_child_under_7_no_child_consent_is_stored(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    young = make_student(world.a, alpha.school_class, "Nguyễn Bé Út", "790100000009", born=date(2019, 9, 2))
    mother = make_guardian(world.a, [young], "Lê Thị Mai", email="mai@example.vn")
    subscription = subscribe(
        world.a, alpha, monthly, guardian=mother, student=young, consent=form(child_consent=False)
    )  # six on the day the form was recorded, the first of the service
    assert subscription.consents[0].child_consent is None


def test_the_child_turning_7_on_the_day_of_the_form_must_consent(
    world: World, alpha: ClassWorld, monthly: Plan
) -> None:
    child = make_student(world.a, alpha.school_class, "Nguyễn Bé Út", "790100000009", born=date(2018, 9, 1))
    mother = make_guardian(world.a, [child], "Lê Thị Mai", email="mai@example.vn")
    with refused("The student is 7 or older: the child's own consent is needed too."):
        subscribe(world.a, alpha, monthly, guardian=mother, student=child, consent=form(child_consent=False))


def subscribe_recorded_on(
    people: SchoolPeople, family: ClassWorld, plan: Plan, *, today: date, starts_on: date, **options: Any
) -> Subscription:
    """`subscribe`, the form recorded on `today` (not on its first day)."""
    with school_day(today):
        return services.subscribe(
            people.school,
            people.admin,
            guardian=options.get("guardian", family.guardian),
            student=options.get("student", family.student),
            plan=plan,
            sms=True,
            email=True,
            digest=False,
            starts_on=starts_on,
            consent=options.get("consent") or form(),
        )


@pytest.mark.parametrize("days", [-367, 367, -36_500])
def test_a_start_date_more_than_a_year_from_today_is_refused(
    world: World, alpha: ClassWorld, monthly: Plan, days: int
) -> None:
    today = date(2025, 9, 10)
    with pytest.raises(SubscriptionError, match="within a year of today") as refusal:
        subscribe_recorded_on(world.a, alpha, monthly, today=today, starts_on=today + timedelta(days=days))
    assert refusal.value.field == "starts_on"
    assert db.session.scalar(select(func.count(Subscription.id))) == 0


@pytest.mark.parametrize("days", [-366, 366])
def test_a_late_form_or_one_for_next_year_starts_within_a_year_of_today(
    world: World, alpha: ClassWorld, monthly: Plan, days: int
) -> None:
    today = date(2025, 9, 10)
    subscription = subscribe_recorded_on(world.a, alpha, monthly, today=today, starts_on=today + timedelta(days=days))
    assert subscription.starts_on == today + timedelta(days=days)


def test_a_child_turning_7_before_the_service_starts_must_consent(
    world: World, alpha: ClassWorld, monthly: Plan
) -> None:
    child = make_student(world.a, alpha.school_class, "Nguyễn Bé Út", "790100000009", born=date(2018, 10, 1))
    mother = make_guardian(world.a, [child], "Lê Thị Mai", email="mai@example.vn")
    family = {"guardian": mother, "student": child, "consent": form(child_consent=False)}
    with refused("The student is 7 or older: the child's own consent is needed too."):
        subscribe_recorded_on(world.a, alpha, monthly, today=date(2025, 9, 10), starts_on=date(2025, 10, 1), **family)
    earlier = subscribe_recorded_on(
        world.a, alpha, monthly, today=date(2025, 9, 10), starts_on=date(2025, 9, 30), **family
    )
    assert earlier.consents[0].child_consent is None  # six throughout: no child consent asked or stored


def test_a_backdated_start_judges_the_childs_age_today(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    child = make_student(world.a, alpha.school_class, "Nguyễn Bé Út", "790100000009", born=date(2018, 10, 1))
    mother = make_guardian(world.a, [child], "Lê Thị Mai", email="mai@example.vn")
    with refused("The student is 7 or older: the child's own consent is needed too."):
        subscribe_recorded_on(
            world.a, alpha, monthly, today=date(2025, 10, 2), starts_on=date(2025, 9, 15),
            guardian=mother, student=child, consent=form(child_consent=False),
        )  # fmt: skip


def test_nobody_is_subscribed_while_the_service_is_off(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    services.set_service_enabled(world.a.school, world.a.admin, False)
    with refused("The paid service is switched off for this school."):
        subscribe(world.a, alpha, monthly)


def test_a_withdrawn_plan_takes_no_new_subscriptions(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    services.set_plan_active(world.a.school, world.a.admin, monthly, False)
    with refused("This plan is not offered."):
        subscribe(world.a, alpha, monthly)


def test_a_withdrawn_plan_keeps_its_running_subscriptions(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    services.set_plan_active(world.a.school, world.a.admin, monthly, False)
    assert status_of(subscription) == SubscriptionStatus.ACTIVE


def test_a_person_who_is_not_the_students_guardian_cannot_subscribe_for_it(
    world: World, alpha: ClassWorld, monthly: Plan
) -> None:
    _, other_parent = another_family(world.a, alpha, "790100000002")
    with refused("This person is not a guardian of this student."):
        subscribe(world.a, alpha, monthly, guardian=other_parent)


def test_only_channels_of_the_plan_can_be_chosen(world: World, alpha: ClassWorld) -> None:
    sms_only = make_plan(world.a, email=False)
    with refused("Choose channels that the plan includes."):
        subscribe(world.a, alpha, sms_only, sms=True, email=True)


def test_at_least_one_channel_must_be_chosen(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    with refused("Choose channels that the plan includes."):
        subscribe(world.a, alpha, monthly, sms=False, email=False, consent=form({"grades_sms"}))


def test_sms_needs_the_guardians_phone_number(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    alpha.guardian.phone = None
    with refused("The guardian has no mobile phone number for SMS."):
        subscribe(world.a, alpha, monthly, email=False)


def test_email_needs_the_guardians_email_address(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    alpha.guardian.email = None
    with refused("The guardian has no email address."):
        subscribe(world.a, alpha, monthly, sms=False)


def test_consent_to_sms_purposes_needs_the_sms_channel(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    with refused("An SMS purpose needs the SMS channel."):
        subscribe(world.a, alpha, monthly, sms=False, consent=form({"grades_sms", "grades_email"}))


def test_silence_is_not_consent(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    with refused("Choose at least one purpose the family consents to."):
        subscribe(world.a, alpha, monthly, consent=form(()))


def test_the_consent_must_say_who_gave_it(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    with refused("Write who gave the consent."):
        subscribe(world.a, alpha, monthly, consent=form(given_by="   "))


def test_a_second_subscription_overlapping_the_first_is_refused(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscribe(world.a, alpha, monthly)
    with refused("This guardian already has a subscription for this student in that period."):
        subscribe(world.a, alpha, monthly, starts_on=date(2025, 10, 4))


def test_the_next_period_can_be_subscribed_in_advance(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscribe(world.a, alpha, monthly)
    renewal = subscribe(world.a, alpha, monthly, starts_on=date(2025, 10, 5))
    assert (renewal.starts_on, renewal.ends_on) == (date(2025, 10, 5), date(2025, 11, 4))


def test_after_opting_out_the_family_can_subscribe_again_from_the_day_it_stopped(
    world: World, alpha: ClassWorld, monthly: Plan
) -> None:
    first = subscribe(world.a, alpha, monthly, email=False)
    services.opt_out(world.a.school, world.a.admin, first, date(2025, 9, 15), "wrong channel")
    again = subscribe(world.a, alpha, monthly, sms=False, starts_on=date(2025, 9, 15))
    assert (again.starts_on, again.email, again.status) == (date(2025, 9, 15), True, SubscriptionStatus.ACTIVE)


def test_a_cancelled_subscription_still_holds_its_first_day(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    # One subscription per guardian, student and first day (a constraint of the table): refused, not a crash.
    first = subscribe(world.a, alpha, monthly, email=False)
    services.opt_out(world.a.school, world.a.admin, first, SEPT_5, "wrong channel")
    with refused("This guardian already has a subscription for this student in that period."):
        subscribe(world.a, alpha, monthly, sms=False)


def test_subscribing_is_audited(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    row = audited("subscription.created", world.a, subscription)
    assert row.actor_id == world.a.admin.id
    assert row.details["purposes"] == sorted(PURPOSES)


# --- Periods ----------------------------------------------------------------------------------------------


def test_a_month_runs_to_the_day_before_the_same_day_next_month(world: World, alpha: ClassWorld) -> None:
    assert services.period_bounds(world.a.school, PlanPeriod.MONTH, SEPT_5) == (SEPT_5, date(2025, 10, 4))


def test_a_month_needs_no_school_year(world: World, alpha: ClassWorld) -> None:
    summer = date(2025, 7, 1)
    assert services.period_bounds(world.a.school, PlanPeriod.MONTH, summer) == (summer, date(2025, 7, 31))


def test_a_semester_subscription_runs_to_the_end_of_the_semester(world: World, alpha: ClassWorld) -> None:
    start = date(2025, 10, 1)
    assert services.period_bounds(world.a.school, PlanPeriod.SEMESTER, start) == (start, date(2026, 1, 15))


def test_a_second_semester_subscription_runs_to_the_end_of_the_year(world: World, alpha: ClassWorld) -> None:
    start = date(2026, 2, 2)
    assert services.period_bounds(world.a.school, PlanPeriod.SEMESTER, start) == (start, date(2026, 5, 31))


def test_a_school_year_subscription_runs_to_the_end_of_the_year(world: World, alpha: ClassWorld) -> None:
    start = date(2025, 10, 1)
    assert services.period_bounds(world.a.school, PlanPeriod.SCHOOL_YEAR, start) == (start, date(2026, 5, 31))


def test_a_date_outside_every_school_year_has_no_semester_or_year(world: World, alpha: ClassWorld) -> None:
    for period in (PlanPeriod.SEMESTER, PlanPeriod.SCHOOL_YEAR):
        with refused("No school year of the school covers the start date."):
            services.period_bounds(world.a.school, period, date(2025, 7, 1))


def test_a_date_between_the_semesters_has_no_semester(world: World, alpha: ClassWorld) -> None:
    with refused("The start date falls between the two semesters."):
        services.period_bounds(world.a.school, PlanPeriod.SEMESTER, date(2026, 1, 17))


def test_another_schools_year_does_not_count(world: World, alpha: ClassWorld) -> None:
    with refused("No school year of the school covers the start date."):
        services.period_bounds(world.b.school, PlanPeriod.SCHOOL_YEAR, date(2025, 10, 1))


def test_a_school_year_plan_subscribes_to_the_end_of_the_year(world: World, alpha: ClassWorld) -> None:
    yearly = make_plan(world.a, PlanPeriod.SCHOOL_YEAR)
    subscription = subscribe(world.a, alpha, yearly, starts_on=date(2025, 10, 1))
    assert (subscription.starts_on, subscription.ends_on) == (date(2025, 10, 1), date(2026, 5, 31))


# --- Paying and exemptions --------------------------------------------------------------------------------


def test_payments_for_a_subscription_add_up(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    pay(world.a, subscription, 30_000)
    pay(world.a, subscription, 70_000, paid_on=date(2025, 9, 12))
    assert services.paid_for(subscription) == 100_000


def test_payments_for_another_subscription_do_not_count(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    student, guardian = another_family(world.a, alpha, "790100000002")
    pay(world.a, subscribe(world.a, alpha, monthly, guardian=guardian, student=student), 100_000)
    assert services.paid_for(subscription) == 0


def test_a_payment_is_audited(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    pay(world.a, subscription, 100_000)
    [payment] = db.session.scalars(select(Payment).where(Payment.subscription_id == subscription.id))
    row = audited("payment.recorded", world.a, payment)
    assert (row.actor_id, row.details["amount"]) == (world.a.staff["accountant"].id, 100_000)


def test_an_exemption_waives_the_charge(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    services.set_exemption(world.a.school, world.a.admin, subscription, "  Hộ nghèo ")
    assert (subscription.exempt, subscription.exemption_reason, subscription.charge) == (True, "Hộ nghèo", 0)


def test_an_exemption_needs_a_reason(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    with refused("Write the reason for the exemption."):
        services.set_exemption(world.a.school, world.a.admin, subscription, "  ")
    assert (subscription.exempt, subscription.charge) == (False, 100_000)


def test_removing_an_exemption_charges_the_price_again(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    services.set_exemption(world.a.school, world.a.admin, subscription, "Hộ nghèo")
    services.set_exemption(world.a.school, world.a.admin, subscription, None)
    assert (subscription.exempt, subscription.exemption_reason, subscription.charge) == (False, None, 100_000)


def test_an_exemption_is_audited_with_its_reason(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    services.set_exemption(world.a.school, world.a.admin, subscription, "Hộ nghèo")
    assert audited("subscription.exempted", world.a, subscription).details["reason"] == "Hộ nghèo"


def test_removing_an_exemption_is_audited(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    services.set_exemption(world.a.school, world.a.admin, subscription, "Hộ nghèo")
    services.set_exemption(world.a.school, world.a.admin, subscription, None)
    audited("subscription.exemption_removed", world.a, subscription)


# --- Opting out -------------------------------------------------------------------------------------------


@pytest.fixture
def paid(world: World, alpha: ClassWorld, monthly: Plan) -> Subscription:
    """A monthly subscription 5 September – 4 October (30 days) at 100.000 đ, paid in full."""
    subscription = subscribe(world.a, alpha, monthly)
    pay(world.a, subscription, 100_000)
    return subscription


def test_the_quote_of_an_opt_out_changes_nothing(world: World, paid: Subscription) -> None:
    assert services.opt_out_quote(paid, date(2025, 9, 15)) == Refund(10, 30, 33_334, 66_666)
    assert (status_of(paid), paid.charge) == (SubscriptionStatus.ACTIVE, 100_000)


def test_opting_out_after_10_of_30_days_charges_the_used_days_and_owes_the_rest(
    world: World, paid: Subscription
) -> None:
    refund = services.opt_out(world.a.school, world.a.admin, paid, date(2025, 9, 15), "Chuyển trường")
    assert refund == Refund(used_days=10, total_days=30, used_charge=33_334, refund=66_666)
    assert paid.charge == 33_334
    assert payments.refund_owed(paid) == 66_666


def test_opting_out_cancels_the_subscription_from_that_day(world: World, paid: Subscription) -> None:
    services.opt_out(world.a.school, world.a.admin, paid, date(2025, 9, 15), "  Chuyển trường ")
    assert status_of(paid) == SubscriptionStatus.CANCELLED
    assert (paid.cancelled_on, paid.cancel_reason) == (date(2025, 9, 15), "Chuyển trường")


def test_opting_out_withdraws_every_purpose_of_the_consent(world: World, paid: Subscription) -> None:
    services.opt_out(world.a.school, world.a.admin, paid, date(2025, 9, 15), None)
    assert all(row.withdrawn_at is not None for consent in paid.consents for row in consent.purposes)


def test_opting_out_before_paying_owes_nothing_back(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    refund = services.opt_out(world.a.school, world.a.admin, subscription, date(2025, 9, 15), None)
    assert (refund.used_charge, refund.refund, payments.refund_owed(subscription)) == (33_334, 0, 0)


def test_opting_out_of_an_exempt_subscription_gives_back_what_was_paid(world: World, paid: Subscription) -> None:
    services.set_exemption(world.a.school, world.a.admin, paid, "Hộ nghèo")
    refund = services.opt_out(world.a.school, world.a.admin, paid, date(2025, 9, 15), None)
    assert (refund.used_charge, refund.refund, paid.charge) == (0, 100_000, 0)


def test_a_subscription_cannot_be_opted_out_of_twice(world: World, paid: Subscription) -> None:
    services.opt_out(world.a.school, world.a.admin, paid, date(2025, 9, 15), None)
    with refused("This subscription is no longer running."):
        services.opt_out(world.a.school, world.a.admin, paid, date(2025, 9, 20), None)
    assert paid.charge == 33_334


@pytest.mark.parametrize("stop_on", [date(2025, 9, 4), date(2025, 10, 5)])
def test_a_family_stops_only_from_a_day_of_its_subscription(world: World, paid: Subscription, stop_on: date) -> None:
    with pytest.raises(SubscriptionError, match="Choose a day from") as refusal:
        services.opt_out(world.a.school, world.a.admin, paid, stop_on, None)
    assert refusal.value.field == "stop_on"
    assert refusal.value.params == {"first": date(2025, 9, 5), "last": date(2025, 10, 4)}
    assert (status_of(paid), paid.charge) == (SubscriptionStatus.ACTIVE, 100_000)
    with pytest.raises(SubscriptionError, match="Choose a day from"):
        services.opt_out_quote(paid, stop_on)


def test_opting_out_is_audited_with_the_money(world: World, paid: Subscription) -> None:
    services.opt_out(world.a.school, world.a.admin, paid, date(2025, 9, 15), None)
    details = audited("subscription.cancelled", world.a, paid).details
    assert (details["stop_on"], details["used_charge"], details["refund_owed"]) == ("2025-09-15", 33_334, 66_666)


def test_withdrawing_one_purpose_keeps_the_others(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    services.withdraw_purpose(world.a.school, None, subscription, "notices_sms")
    still = {row.purpose for row in subscription.consents[0].purposes if row.withdrawn_at is None}
    assert still == {"grades_sms", "grades_email", "notices_email"}


def test_a_purpose_cannot_be_withdrawn_twice(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    services.withdraw_purpose(world.a.school, None, subscription, "notices_sms")
    with refused("There is no consent for this purpose to withdraw."):
        services.withdraw_purpose(world.a.school, None, subscription, "notices_sms")


def test_withdrawing_a_purpose_is_audited(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    services.withdraw_purpose(world.a.school, None, subscription, "notices_sms")
    row = audited("consent.withdrawn", world.a, subscription)
    assert (row.actor_id, row.details["purpose"]) == (None, "notices_sms")


# --- The daily run: expiry and renewal reminders ---------------------------------------------------------


def test_the_daily_run_leaves_a_subscription_running_on_its_last_day(
    world: World, alpha: ClassWorld, monthly: Plan
) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    services.run_daily(date(2025, 10, 4))
    assert status_of(subscription) == SubscriptionStatus.ACTIVE


def test_the_daily_run_expires_a_subscription_the_day_after_it_ends(
    world: World, alpha: ClassWorld, monthly: Plan
) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    assert services.run_daily(date(2025, 10, 5)) == {"expired": 1, "reminders": 0}
    assert status_of(subscription) == SubscriptionStatus.EXPIRED


def test_the_daily_run_does_not_expire_a_cancelled_subscription(world: World, paid: Subscription) -> None:
    services.opt_out(world.a.school, world.a.admin, paid, date(2025, 9, 15), None)
    assert services.run_daily(date(2025, 10, 5))["expired"] == 0
    assert status_of(paid) == SubscriptionStatus.CANCELLED


def test_each_expiry_is_audited(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    services.run_daily(date(2025, 10, 5))
    assert audited("subscription.expired", world.a, subscription).actor_id is None


def test_a_renewal_reminder_is_queued_within_the_reminder_days(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)  # ends on 4 October; a reminder 7 days before
    assert services.run_daily(date(2025, 9, 27)) == {"expired": 0, "reminders": 1}
    [reminder] = reminders_of(subscription)
    assert (reminder.school_id, reminder.due_on) == (world.a.school.id, date(2025, 9, 27))
    assert reminder.details == {"ends_on": "2025-10-04", "guardian_id": alpha.guardian.id}


def test_no_renewal_reminder_before_the_reminder_days(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    assert services.run_daily(date(2025, 9, 26))["reminders"] == 0
    assert reminders_of(subscription) == []


def test_the_reminder_days_are_the_schools_setting(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    services.update_settings(
        world.a.school,
        world.a.admin,
        free_categories=["emergency"],
        allow_unpaid_start=True,
        unpaid_flag_days=14,
        reminder_days=14,
    )
    subscription = subscribe(world.a, alpha, monthly)
    services.run_daily(date(2025, 9, 20))
    assert len(reminders_of(subscription)) == 1


def test_a_subscription_gets_one_reminder_however_often_the_run_repeats(
    world: World, alpha: ClassWorld, monthly: Plan
) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    services.run_daily(date(2025, 9, 27))
    services.run_daily(date(2025, 9, 28))
    services.run_daily(date(2025, 10, 4))
    assert len(reminders_of(subscription)) == 1


def test_each_subscription_ending_soon_gets_its_own_reminder(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    student, guardian = another_family(world.a, alpha, "790100000002")
    first = subscribe(world.a, alpha, monthly)
    second = subscribe(world.a, alpha, monthly, guardian=guardian, student=student, starts_on=date(2025, 9, 8))
    assert services.run_daily(date(2025, 10, 1))["reminders"] == 2
    assert (len(reminders_of(first)), len(reminders_of(second))) == (1, 1)


def test_a_cancelled_subscription_gets_no_reminder(world: World, paid: Subscription) -> None:
    services.opt_out(world.a.school, world.a.admin, paid, date(2025, 9, 15), None)
    assert services.run_daily(date(2025, 9, 30))["reminders"] == 0


def test_a_second_run_on_the_same_day_changes_nothing(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    student, guardian = another_family(world.a, alpha, "790100000002")
    ended = subscribe(world.a, alpha, monthly, starts_on=date(2025, 8, 1))  # 1–31 August
    ending = subscribe(world.a, alpha, monthly, guardian=guardian, student=student)  # to 4 October
    assert services.run_daily(date(2025, 10, 1)) == {"expired": 1, "reminders": 1}
    assert services.run_daily(date(2025, 10, 1)) == {"expired": 0, "reminders": 0}
    assert (status_of(ended), len(reminders_of(ending))) == (SubscriptionStatus.EXPIRED, 1)
    assert len(audit_rows("subscription.expired", world.a.school.id)) == 1


# --- Switching the service ------------------------------------------------------------------------------


def test_switching_the_service_off_keeps_the_subscriptions(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    services.set_service_enabled(world.a.school, world.a.admin, False)
    assert status_of(subscription) == SubscriptionStatus.ACTIVE
    assert subscription.charge == 100_000


def test_switching_the_service_off_stops_paid_sending_and_on_again_resumes_it(
    world: World, alpha: ClassWorld, monthly: Plan
) -> None:
    subscribe_today(world.a, alpha, monthly)
    services.set_service_enabled(world.a.school, world.a.admin, False)
    assert channels_now(alpha) == NOTHING
    services.set_service_enabled(world.a.school, world.a.admin, True)
    assert channels_now(alpha) == {SMS, EMAIL}


def test_a_school_that_never_switched_the_service_on_has_it_off(world: World) -> None:
    settings = services.settings_of(world.b.school)
    assert (settings.enabled, settings.free_categories) == (False, ["emergency", "closure"])


def test_switching_the_service_on_and_off_is_audited(world: World, alpha: ClassWorld) -> None:
    services.set_service_enabled(world.a.school, world.a.admin, False)
    assert [r.actor_id for r in audit_rows("service.enabled", world.a.school.id)] == [world.a.admin.id]
    assert [r.actor_id for r in audit_rows("service.disabled", world.a.school.id)] == [world.a.admin.id]


def test_switching_the_service_to_the_state_it_is_in_is_not_audited(world: World, alpha: ClassWorld) -> None:
    services.set_service_enabled(world.a.school, world.a.admin, True)
    assert len(audit_rows("service.enabled", world.a.school.id)) == 1


def test_an_unknown_category_cannot_be_made_free(world: World, alpha: ClassWorld) -> None:
    with refused("Unknown message category."):
        services.update_settings(
            world.a.school,
            world.a.admin,
            free_categories=["emergency", "grades"],
            allow_unpaid_start=True,
            unpaid_flag_days=14,
            reminder_days=7,
        )


@pytest.mark.parametrize(
    ("flag_days", "reminder_days", "message"),
    [
        (0, 7, "From 1 to 365 days."),
        (366, 7, "From 1 to 365 days."),
        (14, 0, "From 1 to 60 days."),
        (14, 61, "From 1 to 60 days."),
    ],
)
def test_the_flag_and_reminder_days_are_bounded_by_the_service(
    world: World, alpha: ClassWorld, flag_days: int, reminder_days: int, message: str
) -> None:
    settings = services.settings_of(world.a.school)
    before = (settings.unpaid_flag_days, settings.reminder_days)
    with refused(message):
        services.update_settings(
            world.a.school,
            world.a.admin,
            free_categories=["emergency"],
            allow_unpaid_start=True,
            unpaid_flag_days=flag_days,
            reminder_days=reminder_days,
        )
    db.session.expire_all()
    settings = services.settings_of(world.a.school)
    assert (settings.unpaid_flag_days, settings.reminder_days) == before


# --- Eligibility through the services -------------------------------------------------------------------


def test_a_subscribed_guardian_gets_grades_by_both_channels(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscribe_today(world.a, alpha, monthly)
    assert channels_now(alpha) == {SMS, EMAIL}


def test_an_unsubscribed_guardian_gets_nothing_paid_for(world: World, alpha: ClassWorld) -> None:
    assert channels_now(alpha, Category.GRADES) == NOTHING
    assert channels_now(alpha, Category.GENERAL) == NOTHING


def test_a_withdrawn_purpose_stops_its_channel_at_once_and_keeps_the_other(
    world: World, alpha: ClassWorld, monthly: Plan
) -> None:
    subscription = subscribe_today(world.a, alpha, monthly)
    services.withdraw_purpose(world.a.school, None, subscription, "grades_sms")
    assert channels_now(alpha, Category.GRADES) == {EMAIL}
    assert channels_now(alpha, Category.GENERAL) == {SMS, EMAIL}


def test_eligibility_asked_for_a_moment_before_the_withdrawal_still_includes_the_channel(
    world: World, alpha: ClassWorld, monthly: Plan
) -> None:
    subscription = subscribe_today(world.a, alpha, monthly)
    before = utcnow()
    services.withdraw_purpose(world.a.school, None, subscription, "grades_sms")
    assert channels_at(alpha, before) == {SMS, EMAIL}


def test_eligibility_asked_for_a_moment_before_the_consent_was_given_is_empty(
    world: World, alpha: ClassWorld, monthly: Plan
) -> None:
    before = utcnow()
    subscribe_today(world.a, alpha, monthly)
    assert channels_at(alpha, before) == NOTHING


def test_the_day_asked_about_is_the_schools_local_day(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)  # from 5 September
    subscription.consents[0].given_at = datetime(2025, 9, 1, tzinfo=UTC)
    db.session.commit()
    one_in_the_morning_of_the_5th = datetime(2025, 9, 4, 18, 0, tzinfo=UTC)  # in Vietnam (UTC+7)
    eleven_at_night_on_the_4th = datetime(2025, 9, 4, 16, 0, tzinfo=UTC)
    assert channels_at(alpha, one_in_the_morning_of_the_5th) == {SMS, EMAIL}
    assert channels_at(alpha, eleven_at_night_on_the_4th) == NOTHING


def test_an_opted_out_guardian_gets_nothing_from_then_on(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe_today(world.a, alpha, monthly)
    services.opt_out(world.a.school, None, subscription, school_today(), None)
    assert channels_now(alpha) == NOTHING


def test_an_expired_subscription_gets_nothing(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    today = school_today()
    subscription = subscribe(world.a, alpha, monthly, starts_on=today - timedelta(days=40))
    services.run_daily(today)
    assert status_of(subscription) == SubscriptionStatus.EXPIRED
    assert channels_now(alpha) == NOTHING


def test_a_guardian_without_subscription_gets_a_free_essential_by_email_only(world: World, alpha: ClassWorld) -> None:
    assert channels_now(alpha, Category.EMERGENCY) == {EMAIL}


def test_a_guardian_without_subscription_gets_no_general_notice(world: World, alpha: ClassWorld) -> None:
    assert channels_now(alpha, Category.GENERAL) == NOTHING


def test_a_free_essential_is_emailed_even_with_the_service_off(world: World, alpha: ClassWorld) -> None:
    services.set_service_enabled(world.a.school, world.a.admin, False)
    assert channels_now(alpha, Category.CLOSURE) == {EMAIL}


def test_the_free_essentials_are_the_schools_choice(world: World, alpha: ClassWorld) -> None:
    services.update_settings(
        world.a.school,
        world.a.admin,
        free_categories=["attendance"],
        allow_unpaid_start=True,
        unpaid_flag_days=14,
        reminder_days=7,
    )
    assert channels_now(alpha, Category.ATTENDANCE) == {EMAIL}
    assert channels_now(alpha, Category.EMERGENCY) == NOTHING


@pytest.fixture
def pay_first(world: World, alpha: ClassWorld) -> None:
    """The school does not start the service before payment."""
    services.update_settings(
        world.a.school,
        world.a.admin,
        free_categories=["emergency", "closure"],
        allow_unpaid_start=False,
        unpaid_flag_days=14,
        reminder_days=7,
    )


def test_when_payment_comes_first_an_unpaid_subscription_gets_nothing(
    world: World, alpha: ClassWorld, monthly: Plan, pay_first: None
) -> None:
    subscribe_today(world.a, alpha, monthly)
    assert channels_now(alpha) == NOTHING


def test_when_payment_comes_first_a_part_payment_is_not_enough(
    world: World, alpha: ClassWorld, monthly: Plan, pay_first: None
) -> None:
    pay(world.a, subscribe_today(world.a, alpha, monthly), 99_999, paid_on=school_today())
    assert channels_now(alpha) == NOTHING


def test_when_payment_comes_first_the_channels_open_once_paid(
    world: World, alpha: ClassWorld, monthly: Plan, pay_first: None
) -> None:
    pay(world.a, subscribe_today(world.a, alpha, monthly), 100_000, paid_on=school_today())
    assert channels_now(alpha) == {SMS, EMAIL}


def test_when_payment_comes_first_an_exempt_family_need_not_pay(
    world: World, alpha: ClassWorld, monthly: Plan, pay_first: None
) -> None:
    subscription = subscribe_today(world.a, alpha, monthly)
    services.set_exemption(world.a.school, world.a.admin, subscription, "Hộ nghèo")
    assert channels_now(alpha) == {SMS, EMAIL}


# --- Price ceilings ---------------------------------------------------------------------------------------


def test_an_authority_above_the_school_caps_its_plan_prices(world: World) -> None:
    services.set_price_ceiling(world.province, world.operator, PlanPeriod.MONTH, 30_000)
    assert services.price_ceiling(world.a.school, PlanPeriod.MONTH) == 30_000
    with refused("The price is above the ceiling set by the education authority."):
        make_plan(world.a, price=30_001)
    assert make_plan(world.a, price=30_000).price == 30_000


def test_the_lowest_ceiling_of_the_chain_applies(world: World) -> None:
    services.set_price_ceiling(world.province, world.operator, PlanPeriod.MONTH, 30_000)
    services.set_price_ceiling(world.ward, world.officer, PlanPeriod.MONTH, 25_000)
    assert services.price_ceiling(world.a.school, PlanPeriod.MONTH) == 25_000
    services.set_price_ceiling(world.ward, world.officer, PlanPeriod.MONTH, 40_000)
    assert services.price_ceiling(world.a.school, PlanPeriod.MONTH) == 30_000


def test_removing_the_ceiling_lifts_the_cap(world: World) -> None:
    services.set_price_ceiling(world.ward, world.officer, PlanPeriod.MONTH, 30_000)
    services.set_price_ceiling(world.ward, world.officer, PlanPeriod.MONTH, None)
    assert services.price_ceiling(world.a.school, PlanPeriod.MONTH) is None
    assert make_plan(world.a, price=50_000).price == 50_000


def test_a_ceiling_binds_only_its_own_period(world: World) -> None:
    services.set_price_ceiling(world.ward, world.officer, PlanPeriod.MONTH, 30_000)
    assert services.price_ceiling(world.a.school, PlanPeriod.SCHOOL_YEAR) is None
    assert make_plan(world.a, PlanPeriod.SCHOOL_YEAR, price=100_000).price == 100_000


def test_a_ceiling_of_an_authority_elsewhere_does_not_bind(world: World) -> None:
    other_ward = platform.create_authority(
        world.operator, name="UBND xã khác", kind=AuthorityKind.WARD_COMMUNE, parent=world.province
    )
    services.set_price_ceiling(other_ward, world.operator, PlanPeriod.MONTH, 10_000)
    assert services.price_ceiling(world.a.school, PlanPeriod.MONTH) is None


def test_a_ceiling_is_audited_against_the_authority(world: World) -> None:
    services.set_price_ceiling(world.ward, world.officer, PlanPeriod.MONTH, 30_000)
    [row] = audit_rows("price_ceiling.set")
    assert (row.school_id, row.target_type, row.target_id) == (None, "Authority", world.ward.id)
    assert (row.details["period"], row.details["max_price"]) == ("month", 30_000)


def test_a_plan_costs_a_positive_number_of_dong(world: World) -> None:
    with refused("The price must be a positive number of đồng."):
        make_plan(world.a, price=0)


def test_a_plan_includes_a_channel(world: World) -> None:
    with refused("A plan includes SMS, email or both."):
        make_plan(world.a, sms=False, email=False)


def test_creating_a_plan_is_audited(world: World) -> None:
    plan = make_plan(world.a, price=20_000)
    assert audited("plan.created", world.a, plan).details == {"name": "Gói month", "price": 20_000}


# --- Isolation between schools ----------------------------------------------------------------------------


@pytest.fixture
def beta(world: World, alpha: ClassWorld) -> ClassWorld:
    """School beta with its own year, class, student, mother and the service on."""
    class_world = make_class_world(world.b)
    services.set_service_enabled(world.b.school, world.b.admin, True)
    return class_world


def test_a_guardian_of_beta_cannot_subscribe_with_a_plan_of_alpha(
    world: World, beta: ClassWorld, monthly: Plan
) -> None:
    with refused("This plan is not offered."):
        subscribe(world.b, beta, monthly)


def test_alpha_cannot_subscribe_a_guardian_of_beta(world: World, beta: ClassWorld, monthly: Plan) -> None:
    with refused("This person is not a guardian of this student."):
        subscribe(world.a, beta, monthly)


def test_a_guardian_of_alpha_cannot_subscribe_for_a_student_of_beta(
    world: World, alpha: ClassWorld, beta: ClassWorld
) -> None:
    with refused("This person is not a guardian of this student."):
        subscribe(world.b, beta, make_plan(world.b), guardian=alpha.guardian)


def test_beta_cannot_record_a_payment_for_a_subscription_of_alpha(
    world: World, alpha: ClassWorld, beta: ClassWorld, monthly: Plan
) -> None:
    with refused("This subscription is not of this school."):
        pay(world.b, subscribe(world.a, alpha, monthly), 100_000)


def test_beta_cannot_exempt_a_subscription_of_alpha(
    world: World, alpha: ClassWorld, beta: ClassWorld, monthly: Plan
) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    with refused("This subscription is not of this school."):
        services.set_exemption(world.b.school, world.b.admin, subscription, "Hộ nghèo")
    assert (subscription.exempt, subscription.charge) == (False, 100_000)


def test_beta_cannot_opt_a_family_of_alpha_out(
    world: World, alpha: ClassWorld, beta: ClassWorld, monthly: Plan
) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    with refused("This subscription is not of this school."):
        services.opt_out(world.b.school, world.b.admin, subscription, date(2025, 9, 15), None)
    assert status_of(subscription) == SubscriptionStatus.ACTIVE


def test_beta_cannot_withdraw_a_consent_given_to_alpha(
    world: World, alpha: ClassWorld, beta: ClassWorld, monthly: Plan
) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    with refused("This subscription is not of this school."):
        services.withdraw_purpose(world.b.school, world.b.admin, subscription, "grades_sms")


def test_beta_cannot_withdraw_a_plan_of_alpha(world: World, beta: ClassWorld, monthly: Plan) -> None:
    with refused("This plan is not offered."):
        services.set_plan_active(world.b.school, world.b.admin, monthly, False)
    assert monthly.active is True


def test_switching_beta_off_leaves_alpha_on(world: World, alpha: ClassWorld, beta: ClassWorld, monthly: Plan) -> None:
    subscribe_today(world.a, alpha, monthly)
    services.set_service_enabled(world.b.school, world.b.admin, False)
    assert channels_now(alpha) == {SMS, EMAIL}


def test_the_daily_run_counts_the_subscriptions_of_every_school(
    world: World, alpha: ClassWorld, beta: ClassWorld, monthly: Plan
) -> None:
    subscribe(world.a, alpha, monthly)
    subscribe(world.b, beta, make_plan(world.b))
    assert services.run_daily(date(2025, 10, 5))["expired"] == 2
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "subscription.expired")) == 2
    assert len(audit_rows("subscription.expired", world.b.school.id)) == 1


def test_a_subscription_not_yet_started_can_be_stopped_from_its_first_day_with_everything_back(
    world: World, alpha: ClassWorld, monthly: Plan
) -> None:
    starts_on = school_today() + timedelta(days=20)
    subscription = subscribe(world.a, alpha, monthly, starts_on=starts_on)
    pay(world.a, subscription, 100_000, paid_on=school_today())
    refund = services.opt_out(world.a.school, world.a.admin, subscription, starts_on, None)
    assert (refund.used_days, refund.used_charge, refund.refund) == (0, 0, 100_000)
    assert status_of(subscription) == SubscriptionStatus.CANCELLED
    with refused("The opt-out date cannot be in the future."):
        later = subscribe(world.a, alpha, monthly, starts_on=starts_on + timedelta(days=40))
        services.opt_out(world.a.school, world.a.admin, later, starts_on + timedelta(days=41), None)


def test_a_plan_above_a_ceiling_lowered_later_takes_no_new_subscriptions(
    world: World, alpha: ClassWorld, monthly: Plan
) -> None:
    running = subscribe_today(world.a, alpha, monthly)
    services.set_price_ceiling(world.ward, world.officer, PlanPeriod.MONTH, 80_000)
    student, guardian = another_family(world.a, alpha, "079214000777")
    with refused("The price is above the ceiling set by the education authority."):
        subscribe_today(world.a, alpha, monthly, guardian=guardian, student=student)
    assert status_of(running) == SubscriptionStatus.ACTIVE
    services.set_plan_active(world.a.school, world.a.admin, monthly, False)
    with refused("The price is above the ceiling set by the education authority."):
        services.set_plan_active(world.a.school, world.a.admin, monthly, True)
    assert monthly.active is False


def test_a_plan_needs_a_name_and_a_price_within_bounds(world: World) -> None:
    with refused("Write the name of the plan."):
        services.create_plan(
            world.a.school,
            world.a.admin,
            name="  ",
            price=50_000,
            period=PlanPeriod.MONTH,
            sms=True,
            email=False,
            digest_only=False,
        )
    with refused("The price is too large."):
        make_plan(world.a, price=payments.MAX_AMOUNT + 1)
    assert db.session.scalar(select(func.count(Plan.id)).where(Plan.school_id == world.a.school.id)) == 0


def test_an_exemption_after_opting_out_waives_the_used_days_too(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    services.opt_out(world.a.school, world.a.admin, subscription, date(2025, 9, 15), None)
    services.set_exemption(world.a.school, world.a.admin, subscription, "Hộ nghèo")
    assert (subscription.charge, payments.balance_of(alpha.guardian).outstanding) == (0, 0)
    services.set_exemption(world.a.school, world.a.admin, subscription, None)
    assert (subscription.charge, payments.balance_of(alpha.guardian).outstanding) == (33_334, 33_334)
