"""Fixtures of the leave requests' tests: the world of `factories`, in the per-test transaction."""

from __future__ import annotations

import pytest

from tests.factories import World
from tests.leave_requests.factories import LeaveWorld, make_leave_world


@pytest.fixture
def lw(world: World) -> LeaveWorld:
    return make_leave_world(world.a)
