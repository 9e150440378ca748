"""Preschools mark the day with each child's arrival and pick-up time instead of sessions or periods."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time

import pytest
from flask.testing import FlaskClient

from contactbook.extensions import db
from contactbook.models import AttendanceSettings, AttendanceStatus, AttendanceUnit, SchoolLevel
from tests.attendance.factories import DAY, AttendanceWorld, make_attendance_world, marks
from tests.factories import World, login, post, school_day


@pytest.fixture
def kindergarten(world: World) -> Iterator[AttendanceWorld]:
    with school_day(DAY):
        aw = make_attendance_world(world.a)
        aw.people.school.level = SchoolLevel.PRESCHOOL
        # Whatever unit was set, a preschool marks the whole day.
        db.session.add(AttendanceSettings(school_id=aw.people.school.id, unit=AttendanceUnit.PERIOD))
        db.session.commit()
        yield aw


def sheet(aw: AttendanceWorld, **extra: str) -> dict[str, str]:
    base = {"on": DAY.isoformat(), "slot": "day"}
    base |= {f"s-{s.id}": "present" for s in (aw.an, aw.cuong, aw.hoa)}
    return base | extra


def test_the_sheet_asks_for_arrival_and_pick_up(client: FlaskClient, kindergarten: AttendanceWorld) -> None:
    login(client, "homeroom", kindergarten.people.slug)

    page = client.get(kindergarten.url).get_data(as_text=True)

    assert f'name="arr-{kindergarten.an.id}"' in page and f'name="pick-{kindergarten.an.id}"' in page
    assert 'name="slot" value="day"' in page


def test_arrival_and_pick_up_are_stored(client: FlaskClient, kindergarten: AttendanceWorld) -> None:
    aw = kindergarten
    login(client, "homeroom", aw.people.slug)

    response = post(client, aw.url, sheet(aw, **{f"arr-{aw.an.id}": "07:15", f"pick-{aw.an.id}": "16:40"}))

    assert response.status_code == 302
    mark = marks(aw)[aw.an.id]
    assert (mark.status, mark.slot, mark.arrived_at, mark.picked_up_at) == (
        AttendanceStatus.PRESENT,
        "day",
        time(7, 15),
        time(16, 40),
    )


@pytest.mark.parametrize(
    ("status", "arrival", "pick_up", "field"),
    [
        ("unexcused", "07:15", "", "arr"),  # an absent child did not arrive
        ("present", "", "16:40", "pick"),  # picked up without arriving
        ("present", "16:40", "07:15", "pick"),  # picked up before arriving
        ("present", "25:00", "", "arr"),  # no such time
    ],
)
def test_times_that_cannot_be_are_refused_and_nothing_is_saved(
    client: FlaskClient, kindergarten: AttendanceWorld, status: str, arrival: str, pick_up: str, field: str
) -> None:
    aw = kindergarten
    login(client, "homeroom", aw.people.slug)
    data = sheet(aw, **{f"s-{aw.an.id}": status, f"arr-{aw.an.id}": arrival, f"pick-{aw.an.id}": pick_up})

    response = post(client, aw.url, data)

    assert response.status_code == 422
    assert f'id="err-{field}-{aw.an.id}"' in response.get_data(as_text=True)
    assert marks(aw) == {}


def test_other_schools_keep_no_times(client: FlaskClient, world: World) -> None:
    with school_day(DAY):
        aw = make_attendance_world(world.a)
        login(client, "homeroom", aw.people.slug)

        response = post(client, aw.url, sheet(aw, **{f"arr-{aw.an.id}": "07:15"}))

    assert response.status_code == 422
    assert marks(aw) == {}
