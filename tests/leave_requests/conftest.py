"""Fixtures of the leave requests' tests: the world of `factories`, in the per-test transaction."""

from __future__ import annotations

import pytest

from tests.factories import World
from tests.leave_requests.factories import LeaveWorld, make_leave_world
from tests.messaging.conftest import (  # noqa: F401 (fixtures of the delivery test)
    _fake_twilio_process,
    _smtp_controller,
    celery_client,
    delivery_worker,
    fake_twilio,
    smtp_server,
)


@pytest.fixture
def lw(world: World) -> LeaveWorld:
    return make_leave_world(world.a)
