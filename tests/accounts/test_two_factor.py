"""Two-factor sign-in: enrolment, the second login step, recovery codes, and the platform's requirement."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from contactbook.extensions import db
from contactbook.models import PlatformSettings, User
from tests.factories import World, login, post
from tests.support import audit_rows, browser, is_logged_in, page

CODE_SHAPE = re.compile(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>")


@pytest.fixture
def client(app: Flask, db_session: None) -> FlaskClient:
    return browser(app)


def post_from(client: FlaskClient, form_page: str, url: str, data: dict[str, str]) -> TestResponse:
    """Submit a form with the CSRF token read from `form_page` (a required account opens no other page)."""
    match = re.search(
        r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', client.get(form_page).get_data(as_text=True)
    )
    assert match, "no CSRF token"
    return client.post(url, data={**data, "csrf_token": match.group(1)})


def enrol(client: FlaskClient, base: str) -> tuple[str, list[str]]:
    """Turn two-factor sign-in on at `base` (the account page's address); the secret and the recovery codes."""
    response = client.get(f"{base}/account/two-factor")
    assert response.status_code == 200
    match = re.search(r"<code>([A-Z2-7]{32})</code>", page(response))
    assert match, "no key on the enrolment page"
    secret = match.group(1)
    assert "<svg" in page(response)
    page_url = f"{base}/account/two-factor"
    wrong_code = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    wrong = post_from(client, page_url, page_url, {"code": wrong_code})
    assert wrong.status_code == 200 and not CODE_SHAPE.search(page(wrong))
    response = post_from(client, page_url, page_url, {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = CODE_SHAPE.findall(page(response))
    assert len(codes) == 10
    return secret, codes


def second_step(client: FlaskClient, slug: str | None, code: str) -> int:
    url = f"/s/{slug}/login/code" if slug else "/login/code"
    return post(client, url, {"code": code}).status_code


def test_enrol_then_log_in_with_a_code(app: Flask, client: FlaskClient, world: World) -> None:
    login(client, "admin", world.a.slug)
    secret, _codes = enrol(client, f"/s/{world.a.slug}")
    db.session.expire_all()
    admin = db.session.get(User, world.a.admin.id)
    assert admin is not None and admin.totp_secret == secret and admin.totp_enabled_at is not None
    assert audit_rows("two_factor.enabled", world.a.school.id)

    fresh = browser(app)
    response = login(fresh, "admin", world.a.slug)
    assert response.status_code == 302 and response.headers["Location"] == f"/s/{world.a.slug}/login/code"
    assert not is_logged_in(fresh, world.a.slug)  # the password alone opens nothing
    assert second_step(fresh, world.a.slug, "123456" if pyotp.TOTP(secret).now() != "123456" else "654321") == 200
    assert not is_logged_in(fresh, world.a.slug)
    assert second_step(fresh, world.a.slug, pyotp.TOTP(secret).now()) == 302
    assert is_logged_in(fresh, world.a.slug)


def test_a_code_accepted_at_sign_in_is_never_accepted_again(app: Flask, client: FlaskClient, world: World) -> None:
    """A code seen over a shoulder does not open a second session: each time step's code signs in once."""
    login(client, "admin", world.a.slug)
    secret, _codes = enrol(client, f"/s/{world.a.slug}")
    code = pyotp.TOTP(secret).now()
    first = browser(app)
    login(first, "admin", world.a.slug)
    assert second_step(first, world.a.slug, code) == 302

    second = browser(app)
    login(second, "admin", world.a.slug)
    assert second_step(second, world.a.slug, code) == 200
    assert not is_logged_in(second, world.a.slug)
    assert second_step(second, world.a.slug, pyotp.TOTP(secret).at(time.time() + 30)) == 302  # the next code


def test_a_recovery_code_works_once(app: Flask, client: FlaskClient, world: World) -> None:
    login(client, "admin", world.a.slug)
    _secret, codes = enrol(client, f"/s/{world.a.slug}")

    first = browser(app)
    login(first, "admin", world.a.slug)
    assert second_step(first, world.a.slug, codes[0].upper()) == 302
    assert is_logged_in(first, world.a.slug)
    assert audit_rows("two_factor.recovery_code_used", world.a.school.id)

    second = browser(app)
    login(second, "admin", world.a.slug)
    assert second_step(second, world.a.slug, codes[0]) == 200  # used up
    assert not is_logged_in(second, world.a.slug)
    assert second_step(second, world.a.slug, codes[1]) == 302


def test_the_second_step_needs_the_password_step_first(client: FlaskClient, world: World) -> None:
    response = client.get(f"/s/{world.a.slug}/login/code")
    assert response.status_code == 302 and response.headers["Location"] == f"/s/{world.a.slug}/login"


def test_the_second_step_is_throttled(app: Flask, client: FlaskClient, world: World) -> None:
    login(client, "admin", world.a.slug)
    secret, _codes = enrol(client, f"/s/{world.a.slug}")
    fresh = browser(app)
    login(fresh, "admin", world.a.slug)
    statuses = [second_step(fresh, world.a.slug, "abcdefghij") for _ in range(12)]
    assert statuses[-1] == 429
    assert second_step(fresh, world.a.slug, pyotp.TOTP(secret).now()) == 429
    assert not is_logged_in(fresh, world.a.slug)


def test_regenerate_and_disable(app: Flask, client: FlaskClient, world: World) -> None:
    login(client, "teacher", world.a.slug)
    secret, old = enrol(client, f"/s/{world.a.slug}")
    response = post(client, f"/s/{world.a.slug}/account/two-factor/codes", {"code": pyotp.TOTP(secret).now()})
    new = CODE_SHAPE.findall(page(response))
    assert len(new) == 10 and not set(new) & set(old)

    fresh = browser(app)
    login(fresh, "teacher", world.a.slug)
    assert second_step(fresh, world.a.slug, old[1]) == 200  # the old codes stopped working

    assert post(client, f"/s/{world.a.slug}/account/two-factor/disable", {"code": "999999"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, world.a.staff["teacher"].id).totp_enabled_at is not None  # type: ignore[union-attr]
    post(client, f"/s/{world.a.slug}/account/two-factor/disable", {"code": new[0]})
    db.session.expire_all()
    teacher = db.session.get(User, world.a.staff["teacher"].id)
    assert teacher is not None and teacher.totp_enabled_at is None and teacher.totp_secret is None
    assert login(browser(app), "teacher", world.a.slug).headers["Location"] == f"/s/{world.a.slug}/home"


def test_a_platform_account_enrols_and_logs_in_with_a_code(app: Flask, client: FlaskClient, world: World) -> None:
    login(client, "officer")
    secret, _codes = enrol(client, "")
    fresh = browser(app)
    assert login(fresh, "officer").headers["Location"] == "/login/code"
    assert second_step(fresh, None, pyotp.TOTP(secret).now()) == 302
    assert fresh.get("/platform/authority").status_code == 200


def test_required_accounts_must_enrol_before_anything_else(app: Flask, client: FlaskClient, world: World) -> None:
    login(client, "op")
    response = post(client, "/platform/settings", {"kinds": ["school_admin"]})
    assert response.status_code == 302
    db.session.expire_all()
    settings = db.session.get(PlatformSettings, 1)
    assert settings is not None and settings.two_factor_required_for == ["school_admin"]
    assert audit_rows("platform.two_factor_required")
    assert client.get("/platform/").status_code == 200  # operators are not required here

    admin = browser(app)
    login(admin, "admin", world.a.slug)
    for url in (f"/s/{world.a.slug}/home", f"/s/{world.a.slug}/staff/", f"/s/{world.a.slug}/years/"):
        response = admin.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == f"/s/{world.a.slug}/account/two-factor"
    teacher = browser(app)
    login(teacher, "teacher", world.a.slug)
    assert is_logged_in(teacher, world.a.slug)  # not a school admin: offered, not required

    secret, codes = enrol(admin, f"/s/{world.a.slug}")
    assert is_logged_in(admin, world.a.slug)
    # Required: it cannot be turned off.
    post(admin, f"/s/{world.a.slug}/account/two-factor/disable", {"code": codes[0]})
    db.session.expire_all()
    assert db.session.get(User, world.a.admin.id).totp_enabled_at is not None  # type: ignore[union-attr]
    fresh = browser(app)
    login(fresh, "admin", world.a.slug)
    assert second_step(fresh, world.a.slug, pyotp.TOTP(secret).now()) == 302


def test_only_the_operator_changes_the_setting(client: FlaskClient, world: World) -> None:
    login(client, "officer")
    assert post(client, "/platform/settings", {"kinds": ["officer"]}).status_code == 403
    assert db.session.get(PlatformSettings, 1) is None
