"""Attendance as a free essential: by email when the family has one, else by SMS; other essentials unchanged."""

from __future__ import annotations

from datetime import date

import pytest

from contactbook.messaging.vocabulary import Channel
from contactbook.subscriptions.rules import eligible_channels
from tests.subscriptions.test_rules import facts

ON = date(2026, 3, 10)
FREE = ("emergency", "closure", "attendance")


def test_attendance_free_reaches_a_family_without_email_by_sms() -> None:
    assert eligible_channels(facts(free=FREE, email=False, enabled=False), "attendance", ON) == {Channel.SMS}


def test_attendance_free_goes_by_email_alone_when_the_family_has_one() -> None:
    assert eligible_channels(facts(free=FREE, enabled=False), "attendance", ON) == {Channel.EMAIL}


def test_attendance_free_reaches_no_one_without_a_usable_contact() -> None:
    assert eligible_channels(facts(free=FREE, email=False, phone=False, enabled=False), "attendance", ON) == set()


@pytest.mark.parametrize("category", ["emergency", "closure"])
def test_other_free_essentials_still_go_by_email_only(category: str) -> None:
    assert eligible_channels(facts(free=FREE, email=False, enabled=False), category, ON) == set()


def test_attendance_not_free_needs_a_subscription() -> None:
    assert eligible_channels(facts(email=False, enabled=False), "attendance", ON) == set()
