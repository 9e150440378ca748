"""The paid service's pure rules: periods, ages, consent purposes, pro-rata refunds and eligibility."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from contactbook.messaging.vocabulary import Category, Channel
from contactbook.subscriptions.rules import (
    PURPOSES,
    EligibilityFacts,
    Refund,
    SubscriptionFacts,
    add_months,
    age_on,
    check_purposes,
    eligible_channels,
    month_end,
    needs_child_consent,
    pro_rata,
    purpose_for,
)

STARTS, ENDS = date(2025, 9, 5), date(2025, 10, 4)  # a one-month period of 30 days
DURING = date(2025, 9, 20)
SMS, EMAIL = Channel.SMS, Channel.EMAIL
NOTHING: frozenset[Channel] = frozenset()


def running(**changes: object) -> SubscriptionFacts:
    """A running, paid subscription with both channels and every purpose, changed by `changes`."""
    subscription = SubscriptionFacts(
        starts_on=STARTS,
        ends_on=ENDS,
        active=True,
        sms=True,
        email=True,
        paid_enough=True,
        purposes=frozenset(PURPOSES),
    )
    return replace(subscription, **changes)  # type: ignore[arg-type]


def facts(
    *subscriptions: SubscriptionFacts,
    enabled: bool = True,
    free: tuple[str, ...] = ("emergency", "closure"),
    phone: bool = True,
    email: bool = True,
) -> EligibilityFacts:
    return EligibilityFacts(
        service_enabled=enabled,
        free_categories=frozenset(free),
        has_phone=phone,
        has_email=email,
        subscriptions=subscriptions,
    )


# --- Periods -----------------------------------------------------------------------------------------


def test_add_months_keeps_the_day_of_the_month() -> None:
    assert add_months(date(2025, 9, 5), 1) == date(2025, 10, 5)


def test_add_months_crosses_the_new_year() -> None:
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)


def test_add_months_goes_back_across_the_new_year() -> None:
    assert add_months(date(2026, 1, 15), -2) == date(2025, 11, 15)


def test_add_months_from_31_january_gives_28_february_in_a_common_year() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)


def test_add_months_from_31_january_gives_29_february_in_a_leap_year() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_add_months_from_31_january_gives_28_february_in_a_century_year_that_is_not_leap() -> None:
    assert add_months(date(2100, 1, 31), 1) == date(2100, 2, 28)


def test_add_months_from_29_february_a_year_later_gives_28_february() -> None:
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_add_months_from_31_march_gives_30_april() -> None:
    assert add_months(date(2026, 3, 31), 1) == date(2026, 4, 30)


def test_a_month_ends_the_day_before_the_same_day_of_the_next_month() -> None:
    assert month_end(date(2025, 9, 5)) == date(2025, 10, 4)


def test_a_month_starting_on_the_first_ends_on_the_last_day_of_that_month() -> None:
    assert month_end(date(2025, 12, 1)) == date(2025, 12, 31)


def test_a_month_starting_on_1_february_ends_on_28_february_in_a_common_year() -> None:
    assert month_end(date(2026, 2, 1)) == date(2026, 2, 28)


def test_a_month_starting_on_1_february_ends_on_29_february_in_a_leap_year() -> None:
    assert month_end(date(2028, 2, 1)) == date(2028, 2, 29)


def test_a_month_starting_on_a_day_february_lacks_ends_on_the_last_day_of_february() -> None:
    assert month_end(date(2025, 1, 31)) == date(2025, 2, 28)
    assert month_end(date(2025, 1, 29)) == date(2025, 2, 28)
    assert month_end(date(2024, 1, 31)) == date(2024, 2, 29)
    assert month_end(date(2024, 1, 30)) == date(2024, 2, 29)


def test_a_month_starting_on_28_january_ends_on_27_february() -> None:
    assert month_end(date(2025, 1, 28)) == date(2025, 2, 27)


def test_a_month_starting_in_december_ends_in_january() -> None:
    assert month_end(date(2025, 12, 20)) == date(2026, 1, 19)


# --- Age and the child's consent ---------------------------------------------------------------------


def test_age_counts_the_birthday_itself() -> None:
    assert age_on(date(2018, 10, 3), date(2025, 10, 3)) == 7


def test_age_is_one_less_the_day_before_the_birthday() -> None:
    assert age_on(date(2018, 10, 3), date(2025, 10, 2)) == 6


def test_a_child_born_on_29_february_turns_a_year_older_on_1_march_in_a_common_year() -> None:
    assert age_on(date(2016, 2, 29), date(2023, 2, 28)) == 6
    assert age_on(date(2016, 2, 29), date(2023, 3, 1)) == 7


def test_the_child_consents_too_from_the_seventh_birthday() -> None:
    assert needs_child_consent(date(2018, 10, 3), date(2025, 10, 3)) is True


def test_the_child_need_not_consent_the_day_before_the_seventh_birthday() -> None:
    assert needs_child_consent(date(2018, 10, 3), date(2025, 10, 2)) is False


def test_an_older_child_consents_too() -> None:
    assert needs_child_consent(date(2013, 1, 1), date(2025, 10, 2)) is True


# --- Consent purposes --------------------------------------------------------------------------------


def test_purposes_that_match_the_channels_are_fine() -> None:
    assert check_purposes({"grades_sms", "notices_email"}, sms=True, email=True) == []


def test_consenting_to_no_purpose_is_refused() -> None:
    assert check_purposes([], sms=True, email=True) == ["Choose at least one purpose the family consents to."]


def test_an_unknown_purpose_is_refused() -> None:
    assert check_purposes({"grades_sms", "marketing_sms"}, sms=True, email=False) == ["Unknown consent purpose."]


def test_an_sms_purpose_needs_the_sms_channel() -> None:
    assert check_purposes({"grades_sms"}, sms=False, email=True) == ["An SMS purpose needs the SMS channel."]


def test_an_email_purpose_needs_the_email_channel() -> None:
    assert check_purposes({"notices_email"}, sms=True, email=False) == ["An email purpose needs the email channel."]


def test_every_problem_is_reported_in_order() -> None:
    assert check_purposes({"grades_sms", "notices_email", "ads"}, sms=False, email=False) == [
        "Unknown consent purpose.",
        "An SMS purpose needs the SMS channel.",
        "An email purpose needs the email channel.",
    ]


def test_grades_go_under_the_grades_purpose_of_the_channel() -> None:
    assert purpose_for(Category.GRADES, SMS) == "grades_sms"
    assert purpose_for("grades", EMAIL) == "grades_email"


def test_every_other_category_goes_under_the_notices_purpose_of_the_channel() -> None:
    others = [c for c in Category if c != Category.GRADES]
    assert {purpose_for(c, SMS) for c in others} == {"notices_sms"}
    assert {purpose_for(c, EMAIL) for c in others} == {"notices_email"}


# --- Pro-rata on opting out (100.000 đ for a 30-day period) -------------------------------------------


def test_stopping_after_10_of_30_days_charges_a_third_rounded_up_to_the_dong() -> None:
    assert pro_rata(100_000, 100_000, STARTS, ENDS, date(2025, 9, 15)) == Refund(
        used_days=10, total_days=30, used_charge=33_334, refund=66_666
    )


def test_a_charge_that_divides_exactly_is_not_rounded() -> None:
    assert pro_rata(90_000, 90_000, STARTS, ENDS, date(2025, 9, 15)) == Refund(10, 30, 30_000, 60_000)


def test_stopping_on_the_first_day_uses_nothing_and_refunds_everything_paid() -> None:
    assert pro_rata(100_000, 100_000, STARTS, ENDS, STARTS) == Refund(0, 30, 0, 100_000)


def test_stopping_before_the_start_uses_nothing_and_refunds_everything_paid() -> None:
    assert pro_rata(100_000, 100_000, STARTS, ENDS, date(2025, 8, 20)) == Refund(0, 30, 0, 100_000)


def test_stopping_on_the_last_day_leaves_that_one_day_unused() -> None:
    assert pro_rata(100_000, 100_000, STARTS, ENDS, ENDS) == Refund(29, 30, 96_667, 3_333)


def test_stopping_the_day_after_the_end_uses_everything_and_refunds_nothing() -> None:
    assert pro_rata(100_000, 100_000, STARTS, ENDS, date(2025, 10, 5)) == Refund(30, 30, 100_000, 0)


def test_stopping_long_after_the_end_uses_no_more_than_the_period() -> None:
    assert pro_rata(100_000, 100_000, STARTS, ENDS, date(2026, 3, 1)) == Refund(30, 30, 100_000, 0)


def test_an_exempt_family_is_charged_nothing_and_gets_back_whatever_it_paid() -> None:
    assert pro_rata(0, 40_000, STARTS, ENDS, date(2025, 9, 15)) == Refund(10, 30, 0, 40_000)


def test_a_family_that_paid_nothing_is_refunded_nothing() -> None:
    assert pro_rata(100_000, 0, STARTS, ENDS, date(2025, 9, 15)) == Refund(10, 30, 33_334, 0)


def test_a_family_that_paid_less_than_the_used_days_cost_is_refunded_nothing() -> None:
    assert pro_rata(100_000, 20_000, STARTS, ENDS, date(2025, 9, 15)).refund == 0


def test_a_family_that_paid_part_gets_back_only_what_exceeds_the_used_days() -> None:
    assert pro_rata(100_000, 50_000, STARTS, ENDS, date(2025, 9, 15)).refund == 16_666


def test_a_school_year_charge_is_split_by_days() -> None:
    # 5 Sep 2025 – 31 May 2026 is 269 days; stopping on 5 Dec 2025 used 91 of them.
    refund = pro_rata(100_000, 100_000, date(2025, 9, 5), date(2026, 5, 31), date(2025, 12, 5))
    assert (refund.used_days, refund.total_days) == (91, 269)
    assert refund.used_charge == 33_829  # 9.100.000 / 269 = 33.828,996… → 33.829
    assert refund.refund == 66_171


# --- Eligibility: free essentials ----------------------------------------------------------------------


def test_a_free_essential_is_emailed_to_a_guardian_without_any_subscription() -> None:
    assert eligible_channels(facts(), Category.EMERGENCY, DURING) == {EMAIL}


def test_a_free_essential_reaches_nobody_without_an_email_address() -> None:
    assert eligible_channels(facts(phone=True, email=False), Category.EMERGENCY, DURING) == NOTHING


def test_a_free_essential_is_emailed_even_with_the_service_switched_off() -> None:
    assert eligible_channels(facts(running(), enabled=False), Category.CLOSURE, DURING) == {EMAIL}


def test_a_category_the_school_did_not_make_free_is_not_emailed_for_free() -> None:
    assert eligible_channels(facts(), Category.GENERAL, DURING) == NOTHING


def test_the_school_chooses_which_categories_are_free() -> None:
    free_general = facts(free=("general",))
    assert eligible_channels(free_general, Category.GENERAL, DURING) == {EMAIL}
    assert eligible_channels(free_general, Category.EMERGENCY, DURING) == NOTHING


def test_a_free_essential_still_goes_by_sms_to_a_subscriber_who_consented_to_notices_by_sms() -> None:
    assert eligible_channels(facts(running(email=False)), Category.EMERGENCY, DURING) == {SMS, EMAIL}


# --- Eligibility: the service's state -----------------------------------------------------------------


def test_with_the_service_switched_off_a_subscription_carries_nothing() -> None:
    assert eligible_channels(facts(running(), enabled=False), Category.GENERAL, DURING) == NOTHING


def test_a_running_paid_subscription_carries_both_its_channels() -> None:
    assert eligible_channels(facts(running()), Category.GENERAL, DURING) == {SMS, EMAIL}


# --- Eligibility: the subscription's dates and state ---------------------------------------------------


def test_a_subscription_carries_nothing_the_day_before_it_starts() -> None:
    assert eligible_channels(facts(running()), Category.GENERAL, date(2025, 9, 4)) == NOTHING


def test_a_subscription_carries_messages_on_its_first_day() -> None:
    assert eligible_channels(facts(running()), Category.GENERAL, STARTS) == {SMS, EMAIL}


def test_a_subscription_carries_messages_on_its_last_day() -> None:
    assert eligible_channels(facts(running()), Category.GENERAL, ENDS) == {SMS, EMAIL}


def test_a_subscription_carries_nothing_the_day_after_it_ends() -> None:
    assert eligible_channels(facts(running()), Category.GENERAL, date(2025, 10, 5)) == NOTHING


def test_a_cancelled_or_expired_subscription_carries_nothing() -> None:
    assert eligible_channels(facts(running(active=False)), Category.GENERAL, DURING) == NOTHING


def test_a_subscription_not_paid_enough_carries_nothing() -> None:
    assert eligible_channels(facts(running(paid_enough=False)), Category.GENERAL, DURING) == NOTHING


# --- Eligibility: channels, addresses and purposes -----------------------------------------------------


def test_a_channel_the_subscription_does_not_include_is_not_used_even_with_consent_for_it() -> None:
    assert eligible_channels(facts(running(sms=False)), Category.GENERAL, DURING) == {EMAIL}
    assert eligible_channels(facts(running(email=False)), Category.GENERAL, DURING) == {SMS}


def test_no_sms_to_a_guardian_without_a_phone() -> None:
    assert eligible_channels(facts(running(), phone=False), Category.GENERAL, DURING) == {EMAIL}


def test_no_email_to_a_guardian_without_an_email_address() -> None:
    assert eligible_channels(facts(running(), email=False), Category.GENERAL, DURING) == {SMS}


def test_a_withdrawn_purpose_removes_only_its_own_channel() -> None:
    withdrawn = running(purposes=frozenset({"grades_sms", "grades_email", "notices_email"}))
    assert eligible_channels(facts(withdrawn), Category.GENERAL, DURING) == {EMAIL}


def test_a_subscription_without_any_purpose_left_carries_nothing() -> None:
    assert eligible_channels(facts(running(purposes=frozenset())), Category.GENERAL, DURING) == NOTHING


def test_consent_to_grades_does_not_cover_notices() -> None:
    grades_only = facts(running(purposes=frozenset({"grades_sms"})))
    assert eligible_channels(grades_only, Category.GRADES, DURING) == {SMS}
    assert eligible_channels(grades_only, Category.GENERAL, DURING) == NOTHING


def test_consent_to_notices_does_not_cover_grades() -> None:
    notices_only = facts(running(purposes=frozenset({"notices_email"})))
    assert eligible_channels(notices_only, Category.EVENT, DURING) == {EMAIL}
    assert eligible_channels(notices_only, Category.GRADES, DURING) == NOTHING


def test_attendance_counts_as_a_notice() -> None:
    assert eligible_channels(facts(running(purposes=frozenset({"notices_sms"}))), Category.ATTENDANCE, DURING) == {SMS}
    assert eligible_channels(facts(running(purposes=frozenset({"grades_sms"}))), Category.ATTENDANCE, DURING) == NOTHING


# --- Eligibility: several subscriptions ----------------------------------------------------------------


def test_an_sms_subscription_and_an_email_subscription_combine() -> None:
    by_sms = running(email=False, purposes=frozenset({"notices_sms"}))
    by_email = running(sms=False, purposes=frozenset({"notices_email"}))
    assert eligible_channels(facts(by_sms, by_email), Category.GENERAL, DURING) == {SMS, EMAIL}


def test_an_ended_subscription_does_not_hide_a_running_one() -> None:
    ended = running(active=False)
    renewed = running(email=False, starts_on=date(2025, 9, 15), ends_on=date(2025, 10, 14))
    assert eligible_channels(facts(ended, renewed), Category.GENERAL, DURING) == {SMS}


def test_only_the_subscription_running_on_the_day_counts() -> None:
    september = running(email=False, ends_on=date(2025, 9, 30))
    october = running(sms=False, starts_on=date(2025, 10, 1), ends_on=date(2025, 10, 31))
    both = facts(september, october)
    assert eligible_channels(both, Category.GENERAL, date(2025, 9, 30)) == {SMS}
    assert eligible_channels(both, Category.GENERAL, date(2025, 10, 1)) == {EMAIL}
