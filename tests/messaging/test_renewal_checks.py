"""A renewal reminder is checked again when it is sent: it goes while its subscription runs, unrenewed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update

from contactbook.extensions import db
from contactbook.messaging.services import delivery
from contactbook.models import MessageStatus, Subscription, SubscriptionStatus
from contactbook.subscriptions import eligibility
from contactbook.subscriptions import services as subscriptions
from contactbook.timezones import school_today
from tests.messaging.conftest import FakeTwilio, SubscribedSchool, build_subscribed_school, phone_of
from tests.messaging.digest_support import messages

pytestmark = [pytest.mark.committed, pytest.mark.usefixtures("committed_db")]


@pytest.fixture
def world(app: Flask, delivery_app: Flask) -> Iterator[SubscribedSchool]:
    """Two families whose subscriptions end in three days, each with its reminder written (not sent yet)."""
    with app.test_request_context():
        world = build_subscribed_school(2)
        db.session.execute(update(Subscription).values(ends_on=school_today() + timedelta(days=3)))
        db.session.commit()
        assert subscriptions.run_daily(school_today())["reminders"] == 2
        yield world


def first_subscription(world: SubscribedSchool) -> Subscription:
    found = db.session.scalar(select(Subscription).where(Subscription.guardian_id == world.guardian_ids[0]))
    assert found is not None
    return found


def outcome_for_first_family(world: SubscribedSchool) -> tuple[MessageStatus, str | None]:
    [first] = messages(kind="renewal", guardian_id=world.guardian_ids[0])
    return first.status, first.error


def test_a_reminder_goes_even_after_the_consent_purposes_were_withdrawn(
    world: SubscribedSchool, fake_twilio: FakeTwilio
) -> None:
    subscriptions.withdraw_purpose(world.school, world.admin, first_subscription(world), "notices_sms")

    delivery.dispatch()

    assert outcome_for_first_family(world) == (MessageStatus.SENT, None)
    assert fake_twilio.stats()["total"] == 2


def test_a_reminder_for_a_subscription_stopped_meanwhile_is_skipped(
    world: SubscribedSchool, fake_twilio: FakeTwilio
) -> None:
    subscriptions.opt_out(world.school, world.admin, first_subscription(world), school_today(), None)

    delivery.dispatch()

    assert outcome_for_first_family(world) == (MessageStatus.SKIPPED, eligibility.STOPPED)
    assert [key.split("|")[0] for key in fake_twilio.stats()["messages"]] == [phone_of(1)]


def test_a_reminder_for_a_subscription_renewed_meanwhile_is_skipped(
    world: SubscribedSchool, fake_twilio: FakeTwilio
) -> None:
    ending = first_subscription(world)
    db.session.add(
        Subscription(
            school_id=ending.school_id,
            guardian_id=ending.guardian_id,
            student_id=ending.student_id,
            plan_id=ending.plan_id,
            sms=True,
            email=False,
            digest=False,
            starts_on=ending.ends_on + timedelta(days=1),
            ends_on=ending.ends_on + timedelta(days=31),
            price=ending.price,
            charge=ending.charge,
            status=SubscriptionStatus.ACTIVE,
        )
    )
    db.session.commit()

    delivery.dispatch()

    assert outcome_for_first_family(world) == (MessageStatus.SKIPPED, eligibility.RENEWED)
    assert fake_twilio.stats()["total"] == 1


def test_reminders_wait_no_longer_once_the_service_is_switched_off(
    world: SubscribedSchool, fake_twilio: FakeTwilio
) -> None:
    subscriptions.set_service_enabled(world.school, world.admin, False)

    delivery.dispatch()

    assert {(m.status, m.error) for m in messages(kind="renewal")} == {(MessageStatus.SKIPPED, eligibility.SERVICE_OFF)}
    assert fake_twilio.stats()["total"] == 0
