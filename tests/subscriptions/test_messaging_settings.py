"""The message settings page: quiet hours, digest hour and the price per SMS segment.

Only staff holding `settings.manage` (the school admin) may change them, only for their own school;
bad input is shown as a message and changes nothing; every change is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contactbook.extensions import db
from contactbook.messaging.timing import next_allowed, next_digest_time
from contactbook.models import ServiceSettings
from contactbook.subscriptions import services
from tests.factories import World, post
from tests.subscriptions.test_service_pages import errors, signed_in
from tests.support import audit_rows, flashes, follow, page, translated

URL = "/s/alpha/service/settings/messaging"
VALID = {"quiet_start_hour": "22:00", "quiet_end_hour": "06:00", "digest_hour": "19:00", "sms_segment_price": "350"}
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def stored(world: World) -> tuple[int, int, int, int]:
    """Alpha's quiet start, quiet end, digest hour and segment price as the delivery reads them."""
    db.session.expire_all()
    settings = services.settings_of(world.a.school)
    return settings.quiet_start_hour, settings.quiet_end_hour, settings.digest_hour, settings.sms_segment_price


@pytest.fixture
def admin(app: Flask, world: World) -> FlaskClient:
    return signed_in(app, "admin")


def test_the_page_shows_the_current_settings_in_hours(admin: FlaskClient, world: World) -> None:
    body = page(admin.get(URL))

    for name, value in (("quiet_start_hour", "21:00"), ("quiet_end_hour", "07:00"), ("digest_hour", "18:00")):
        assert f'name="{name}"' in body and f'value="{value}"' in body
    assert 'name="csrf_token"' in body


def test_saving_valid_values_changes_them_and_is_audited(app: Flask, admin: FlaskClient, world: World) -> None:
    response = post(admin, URL, VALID)

    assert response.status_code == 302
    assert translated(app, "Message settings saved.") in flashes(follow(admin, response))
    assert stored(world) == (22, 6, 19, 350)
    (row,) = audit_rows("service.delivery_settings", world.a.school.id)
    assert row.actor_id == world.a.admin.id
    assert row.details == {"quiet_start_hour": 22, "quiet_end_hour": 6, "digest_hour": 19, "sms_segment_price": 350}
    log = page(admin.get("/s/alpha/audit/"))
    assert "22:00" in log and "06:00" in log and "19:00" in log


def test_hours_may_be_typed_without_minutes_and_quiet_hours_need_not_wrap_midnight(
    admin: FlaskClient, world: World
) -> None:
    response = post(admin, URL, {**VALID, "quiet_start_hour": "0", "quiet_end_hour": "5h", "sms_segment_price": "0"})

    assert response.status_code == 302
    assert stored(world) == (0, 5, 19, 0)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quiet_start_hour", "25:00", "Write an hour from 00:00 to 23:00, for example 21:00."),
        ("quiet_end_hour", "-1", "Write an hour from 00:00 to 23:00, for example 21:00."),
        ("digest_hour", "giờ tối", "Write an hour from 00:00 to 23:00, for example 21:00."),
        ("digest_hour", "18:30", "Only whole hours are possible (minutes 00), for example 21:00."),
        ("quiet_start_hour", "", "Enter the hour the quiet hours start."),
        ("digest_hour", "", "Enter the hour of the daily digest."),
        ("quiet_end_hour", "22:00", "The quiet hours must start and end at different times."),
        ("sms_segment_price", "-1", "Write the price as a number of đồng, for example 50.000."),
        ("sms_segment_price", "1000000000000", "The price is too large."),
        ("sms_segment_price", "10001", "From 0 to 10.000 đồng."),
        ("sms_segment_price", "ba trăm", "Write the price as a number of đồng, for example 50.000."),
        ("sms_segment_price", "", "Enter the price per SMS segment."),
    ],
)
def test_invalid_input_gets_a_message_and_changes_nothing(
    app: Flask, admin: FlaskClient, world: World, field: str, value: str, message: str
) -> None:
    before = stored(world)

    response = post(admin, URL, {**VALID, field: value})

    assert response.status_code == 200
    assert translated(app, message) in errors(response)
    assert f'value="{value}"' in page(response)  # what was typed is shown again to correct
    assert stored(world) == before
    assert audit_rows("service.delivery_settings", world.a.school.id) == []


def test_the_service_refuses_what_the_form_would_refuse(world: World) -> None:
    for values in (
        {"quiet_start_hour": 24, "quiet_end_hour": 7, "digest_hour": 18, "sms_segment_price": 300},
        {"quiet_start_hour": 21, "quiet_end_hour": 21, "digest_hour": 18, "sms_segment_price": 300},
        {"quiet_start_hour": 21, "quiet_end_hour": 7, "digest_hour": -1, "sms_segment_price": 300},
        {"quiet_start_hour": 21, "quiet_end_hour": 7, "digest_hour": 18, "sms_segment_price": 10**12},
    ):
        with pytest.raises(services.SubscriptionError):
            services.update_delivery_settings(world.a.school, world.a.admin, **values)
    assert stored(world) == (21, 7, 18, 300)


@pytest.mark.parametrize("username", ["teacher", "accountant"])
def test_staff_without_the_settings_permission_are_refused(app: Flask, world: World, username: str) -> None:
    client = signed_in(app, username)

    assert client.get(URL).status_code == 403
    assert post(client, URL, VALID).status_code == 403
    assert stored(world) == (21, 7, 18, 300)


def test_another_schools_admin_cannot_change_them(app: Flask, world: World) -> None:
    beta_admin = signed_in(app, "admin", "beta")

    response = post(beta_admin, URL, VALID)

    # Signed in at beta only: alpha asks for its own sign-in and changes nothing.
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/s/alpha/login")
    assert stored(world) == (21, 7, 18, 300)
    assert db.session.get(ServiceSettings, world.a.school.id) is None


def test_the_page_is_linked_from_the_paid_service_settings(admin: FlaskClient, world: World) -> None:
    assert f'href="{URL}"' in page(admin.get("/s/alpha/service/settings"))
    assert f'href="{URL}"' in page(admin.get("/s/alpha/home"))


# --- The timing the delivery reads from these settings ----------------------------------------------------


def local(hour: int, minute: int = 0, day: int = 4) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def test_quiet_hours_that_wrap_midnight_hold_messages_until_their_end() -> None:
    assert next_allowed(local(12), ZONE, 7, 21, urgent=False) == local(12)
    assert next_allowed(local(22), ZONE, 7, 21, urgent=False) == local(7, day=5)
    assert next_allowed(local(3), ZONE, 7, 21, urgent=False) == local(7)
    assert next_allowed(local(22), ZONE, 7, 21, urgent=True) == local(22)


def test_quiet_hours_within_one_night_hold_only_their_own_hours() -> None:
    # Quiet from 00:00 to 05:00: the evening is open, the small hours wait until five.
    assert next_allowed(local(22), ZONE, 5, 0, urgent=False) == local(22)
    assert next_allowed(local(12), ZONE, 5, 0, urgent=False) == local(12)
    assert next_allowed(local(2, 30), ZONE, 5, 0, urgent=False) == local(5)


def test_the_digest_goes_at_the_schools_digest_hour() -> None:
    assert next_digest_time(local(9), ZONE, 19) == local(19)
    assert next_digest_time(local(19, 30), ZONE, 19) == local(19, day=5)
    assert next_digest_time(local(9), ZONE, 6) == local(6, day=5)
