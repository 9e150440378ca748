"""Fixtures of the paid service's service tests: school alpha's family with the service on, and its plan."""

from __future__ import annotations

import pytest

from contactbook.models import Plan
from contactbook.subscriptions import services
from tests.factories import World
from tests.roster.factories import ClassWorld, make_class_world
from tests.subscriptions.test_services import make_plan


@pytest.fixture
def alpha(world: World) -> ClassWorld:
    """School alpha's year, class, student (born 2014) and mother (phone and email), the paid service on."""
    class_world = make_class_world(world.a)
    services.set_service_enabled(world.a.school, world.a.admin, True)
    return class_world


@pytest.fixture
def monthly(world: World, alpha: ClassWorld) -> Plan:
    """A monthly plan of school alpha, by SMS and email, at 100.000 đ."""
    return make_plan(world.a)
