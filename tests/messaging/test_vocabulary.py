"""Messaging owns its vocabulary: the paid service uses the channels and categories, it does not define them."""

from __future__ import annotations

from contactbook.messaging.vocabulary import Category, Channel
from contactbook.subscriptions import rules


def test_channel_and_category_are_defined_by_messaging() -> None:
    assert Channel.__module__ == Category.__module__ == "contactbook.messaging.vocabulary"
    assert rules.purpose_for(Category.GRADES, Channel.SMS) == "grades_sms"
    assert rules.purpose_for(Category.FEE, Channel.EMAIL) == "notices_email"
