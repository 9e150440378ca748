"""A family's choice between single messages and the daily digest, switched on the subscription's page."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contactbook.extensions import db
from contactbook.models import PlanPeriod, Subscription
from contactbook.subscriptions import services
from tests.factories import World, post
from tests.roster.factories import ClassWorld, make_class_world
from tests.subscriptions import payment_factories as factories
from tests.subscriptions.test_service_pages import S, make_plan, signed_in, subscribe, today
from tests.support import audit_rows, flashes, follow, page, translated


@pytest.fixture
def roster(world: World) -> ClassWorld:
    roster = make_class_world(world.a)
    factories.service_on(world.a)
    return roster


@pytest.fixture
def subscription(world: World, roster: ClassWorld) -> Subscription:
    return subscribe(world.a, roster, make_plan(world.a), today())


@pytest.fixture
def admin(app: Flask, world: World) -> FlaskClient:
    return signed_in(app, "admin")


def digest_of(subscription: Subscription) -> bool:
    db.session.expire_all()
    found = db.session.get(Subscription, subscription.id)
    assert found is not None
    return found.digest


def test_the_admin_switches_a_family_to_the_digest_and_back(
    app: Flask, admin: FlaskClient, world: World, subscription: Subscription
) -> None:
    url = f"{S}/subscriptions/{subscription.id}/digest"
    assert 'data-test="switch-delivery"' in page(admin.get(f"{S}/subscriptions/{subscription.id}"))

    to_digest = post(admin, url, {"choice": "digest"})
    assert flashes(follow(admin, to_digest)) == [translated(app, "The family now gets one daily digest.")]
    assert digest_of(subscription) is True
    back = post(admin, url, {"choice": "instant"})
    assert flashes(follow(admin, back)) == [translated(app, "The family now gets single messages.")]
    assert digest_of(subscription) is False

    actions = [row.action for row in audit_rows("subscription.digest_chosen", world.a.school.id)]
    actions += [row.action for row in audit_rows("subscription.instant_chosen", world.a.school.id)]
    assert actions == ["subscription.digest_chosen", "subscription.instant_chosen"]


def test_a_bad_choice_changes_nothing(app: Flask, admin: FlaskClient, subscription: Subscription) -> None:
    response = post(admin, f"{S}/subscriptions/{subscription.id}/digest", {"choice": "weekly"})
    assert flashes(follow(admin, response)) == [translated(app, "Choose single messages or the daily digest.")]
    assert digest_of(subscription) is False


def test_choosing_what_is_already_chosen_records_nothing(world: World, subscription: Subscription) -> None:
    services.set_digest(world.a.school, world.a.admin, subscription, False)
    assert audit_rows("subscription.instant_chosen", world.a.school.id) == []


def test_a_digest_only_plan_cannot_switch_to_single_messages(world: World, roster: ClassWorld) -> None:
    plan = services.create_plan(
        world.a.school,
        world.a.admin,
        name="Gói tin ngày",
        price=30_000,
        period=PlanPeriod.MONTH,
        sms=True,
        email=False,
        digest_only=True,
    )
    subscription = factories.subscribe(world.a, roster.guardian, roster.student, plan, today())
    with pytest.raises(services.SubscriptionError, match="only the daily digest"):
        services.set_digest(world.a.school, world.a.admin, subscription, False)
    assert digest_of(subscription) is True


def test_a_stopped_subscription_keeps_its_choice(world: World, subscription: Subscription) -> None:
    services.opt_out(world.a.school, world.a.admin, subscription, today(), None)
    with pytest.raises(services.SubscriptionError, match="no longer running"):
        services.set_digest(world.a.school, world.a.admin, subscription, True)


def test_a_subscription_of_another_school_cannot_be_switched(
    admin: FlaskClient, world: World, subscription: Subscription
) -> None:
    beta = make_class_world(world.b)
    factories.service_on(world.b)
    theirs = factories.subscribe(world.b, beta.guardian, beta.student, make_plan(world.b), today())
    assert post(admin, f"{S}/subscriptions/{theirs.id}/digest", {"choice": "digest"}).status_code == 404
    assert digest_of(theirs) is False
