"""Logging in and out: messages, sessions, redirects, rate limits, CSRF, headers, password policy."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from contactbook.auth.services import verify_password
from contactbook.extensions import db
from contactbook.models import User
from contactbook.schools.services import create_staff, set_active
from tests.factories import PASSWORD, World, login, post
from tests.support import (
    audit_rows,
    browser,
    count_users,
    flashes,
    grants_of,
    is_logged_in,
    main_text,
    page,
    translated,
)

WRONG_LOGIN = "Wrong username or password, or the account is disabled."
TOO_MANY = "Too many failed attempts from this account or address. Wait 15 minutes, then try again."
CSRF_REFUSED = "The form has expired or was not sent from this site. Go back, reload the page and try again."
NEW_PASSWORD = "Fresh-lotus-2025"
OTHER_ADDRESS = "198.51.100.7"


@pytest.fixture
def client(app: Flask, db_session: None) -> FlaskClient:
    """A browser whose requests each run in their own app context (see tests/support.py)."""
    return browser(app)


def fail_login(client: FlaskClient, username: str, slug: str | None) -> TestResponse:
    return login(client, username, slug, password="Not-the-password-1")


def without_form_values(response: TestResponse) -> str:
    """The page with every form value blanked (CSRF token, the username typed in)."""
    return re.sub(r'value="[^"]*"', 'value=""', response.get_data(as_text=True))


# --- Logging in -----------------------------------------------------------------------------------


def test_login_with_the_right_password_opens_the_school(client: FlaskClient, world: World) -> None:
    response = login(client, "teacher", world.a.slug)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/s/{world.a.slug}/home"
    assert is_logged_in(client, world.a.slug)


def test_login_with_a_wrong_password_shows_the_form_again_with_a_message(
    app: Flask, client: FlaskClient, world: World
) -> None:
    response = fail_login(client, "teacher", world.a.slug)
    assert response.status_code == 200
    assert flashes(response) == [translated(app, WRONG_LOGIN)]
    assert not is_logged_in(client, world.a.slug)


def test_login_failure_does_not_reveal_whether_the_account_exists(client: FlaskClient, world: World) -> None:
    set_active(world.a.school, world.a.admin, world.a.staff["homeroom"], False)
    unknown = fail_login(client, "nobody-here", world.a.slug)
    wrong_password = fail_login(client, "teacher", world.a.slug)
    disabled = login(client, "homeroom", world.a.slug)  # the right password, but the account is disabled
    assert unknown.status_code == wrong_password.status_code == disabled.status_code == 200
    assert without_form_values(unknown) == without_form_values(wrong_password) == without_form_values(disabled)


def test_an_account_logs_in_only_at_its_own_school(client: FlaskClient, world: World) -> None:
    create_staff(world.a.school, world.a.admin, username="only-alpha", full_name="X", password=PASSWORD, email=None)
    assert login(client, "only-alpha", world.b.slug).status_code == 200
    assert login(client, "only-alpha", None).status_code == 200  # nor on the platform login
    assert not is_logged_in(client, world.b.slug)


def test_login_discards_session_values_set_before_login(client: FlaskClient, world: World) -> None:
    with client.session_transaction() as session:
        session["planted"] = "set-before-login"
    assert login(client, "teacher", world.a.slug).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{world.a.staff['teacher'].id}:")


def test_login_gives_the_session_a_new_csrf_secret(client: FlaskClient, world: World) -> None:
    client.get(f"/s/{world.a.slug}/login")
    with client.session_transaction() as session:
        before = session["csrf_token"]
    login(client, "teacher", world.a.slug)
    client.get(f"/s/{world.a.slug}/home")  # a page with a form: the new session gets its CSRF secret
    with client.session_transaction() as session:
        assert session["csrf_token"] != before


# --- Logging out and ending sessions --------------------------------------------------------------


def test_logout_ends_the_session_for_every_copy_of_its_cookie(app: Flask, client: FlaskClient, world: World) -> None:
    login(client, "teacher", world.a.slug)
    cookie = client.get_cookie("session")
    assert cookie is not None
    copy = browser(app, OTHER_ADDRESS)
    copy.set_cookie("session", cookie.value)
    assert is_logged_in(copy, world.a.slug)  # the copied cookie works until logout

    assert post(client, f"/s/{world.a.slug}/logout").status_code == 302

    assert not is_logged_in(copy, world.a.slug)
    assert not is_logged_in(client, world.a.slug)


def test_platform_logout_ends_the_session_for_every_copy_of_its_cookie(
    app: Flask, client: FlaskClient, world: World
) -> None:
    login(client, "op")
    cookie = client.get_cookie("session")
    assert cookie is not None
    copy = browser(app)
    copy.set_cookie("session", cookie.value)
    assert copy.get("/platform/").status_code == 200

    post(client, "/logout")

    response = copy.get("/platform/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_password_change_ends_other_sessions_and_keeps_this_one(app: Flask, client: FlaskClient, world: World) -> None:
    other_device = browser(app, OTHER_ADDRESS)
    login(client, "teacher", world.a.slug)
    login(other_device, "teacher", world.a.slug)

    response = post(
        client,
        f"/s/{world.a.slug}/account/password",
        {"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert is_logged_in(client, world.a.slug)
    assert not is_logged_in(other_device, world.a.slug)


def test_changed_password_replaces_the_old_one(app: Flask, client: FlaskClient, world: World) -> None:
    login(client, "teacher", world.a.slug)
    post(
        client,
        f"/s/{world.a.slug}/account/password",
        {"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert login(browser(app), "teacher", world.a.slug).status_code == 200
    assert login(browser(app), "teacher", world.a.slug, password=NEW_PASSWORD).status_code == 302


# --- Where login sends you (no open redirect) -----------------------------------------------------


def test_login_returns_to_the_page_that_asked_for_it(client: FlaskClient, world: World) -> None:
    asked = client.get(f"/s/{world.a.slug}/staff/")
    assert asked.status_code == 302
    form = client.get(asked.headers["Location"]).get_data(as_text=True)
    next_value = re.search(r'name="next" type="hidden" value="([^"]*)"', form)
    assert next_value and next_value.group(1) == f"/s/{world.a.slug}/staff/"

    response = post(
        client, f"/s/{world.a.slug}/login", {"username": "admin", "password": PASSWORD, "next": next_value.group(1)}
    )
    assert response.headers["Location"] == f"/s/{world.a.slug}/staff/"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",  # browsers drop tabs and newlines: this becomes //evil.example/
        "/\n/evil.example/",
        "javascript:alert(1)",
    ],
    ids=["absolute", "protocol-relative", "backslash", "tab", "newline", "javascript"],
)
def test_login_never_redirects_off_site(client: FlaskClient, world: World, target: str) -> None:
    response = post(client, f"/s/{world.a.slug}/login", {"username": "teacher", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/s/{world.a.slug}/home"


@pytest.mark.parametrize("target", ["//evil.example/", "/\t/evil.example/"], ids=["protocol-relative", "tab"])
def test_language_switch_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    response = post(client, "/lang", {"lang": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --- Rate limits (5 failures per account and address, 50 per account, 30 per address; 15 minutes) ---


def test_sixth_login_of_an_account_is_refused_even_with_the_right_password(
    app: Flask, client: FlaskClient, world: World
) -> None:
    for _ in range(5):
        assert fail_login(client, "teacher", world.a.slug).status_code == 200
    response = login(client, "teacher", world.a.slug)
    assert response.status_code == 429
    assert translated(app, TOO_MANY) in main_text(response)
    assert not is_logged_in(client, world.a.slug)


def test_rate_limit_answers_alike_for_existing_and_unknown_accounts(client: FlaskClient, world: World) -> None:
    answers = {}
    for username in ("teacher", "nobody-here"):
        for _ in range(5):
            fail_login(client, username, world.a.slug)
        answers[username] = login(client, username, world.a.slug)
    existing, unknown = answers["teacher"], answers["nobody-here"]
    assert existing.status_code == unknown.status_code == 429
    assert without_form_values(existing) == without_form_values(unknown)


def test_failures_from_one_address_lock_the_account_for_that_address_only(
    app: Flask, client: FlaskClient, world: World
) -> None:
    for _ in range(5):
        fail_login(client, "teacher", world.a.slug)
    assert login(client, "teacher", world.a.slug).status_code == 429
    assert login(browser(app, OTHER_ADDRESS), "teacher", world.a.slug).status_code == 302


def test_locking_one_account_leaves_other_accounts_and_schools_open(client: FlaskClient, world: World) -> None:
    for _ in range(5):
        fail_login(client, "teacher", world.a.slug)
    assert login(client, "principal", world.a.slug).status_code == 302
    assert login(client, "teacher", world.b.slug).status_code == 302  # same username, another school


def test_successful_logins_do_not_count_toward_the_limit(client: FlaskClient, world: World) -> None:
    for _ in range(6):
        assert login(client, "teacher", world.a.slug).status_code == 302
    assert fail_login(client, "teacher", world.a.slug).status_code == 200


def test_thirty_failures_from_one_address_block_that_address_only(
    app: Flask, client: FlaskClient, world: World
) -> None:
    for n in range(30):  # a different username each time: no account reaches its own limit
        assert fail_login(client, f"guess-{n}", world.a.slug).status_code == 200
    assert login(client, "teacher", world.a.slug).status_code == 429
    assert login(client, "op", None).status_code == 429  # the platform login shares the address limit
    assert login(browser(app, OTHER_ADDRESS), "teacher", world.a.slug).status_code == 302


# --- CSRF: a form without its token is refused and changes nothing --------------------------------


def test_login_without_csrf_token_is_refused(app: Flask, client: FlaskClient, world: World) -> None:
    response = client.post(f"/s/{world.a.slug}/login", data={"username": "teacher", "password": PASSWORD})
    assert response.status_code == 400
    assert translated(app, CSRF_REFUSED) in main_text(response)
    assert not is_logged_in(client, world.a.slug)
    assert audit_rows("login", world.a.school.id) == []


def test_logout_without_csrf_token_keeps_the_session(client: FlaskClient, world: World) -> None:
    login(client, "teacher", world.a.slug)
    assert client.post(f"/s/{world.a.slug}/logout").status_code == 400
    assert is_logged_in(client, world.a.slug)


def test_staff_creation_without_csrf_token_creates_nothing(client: FlaskClient, world: World) -> None:
    login(client, "admin", world.a.slug)
    before = count_users(world.a.school.id)
    response = client.post(
        f"/s/{world.a.slug}/staff/new", data={"full_name": "Intruder", "username": "intruder", "password": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert count_users(world.a.school.id) == before


def test_grant_without_csrf_token_changes_nothing(client: FlaskClient, world: World) -> None:
    login(client, "admin", world.a.slug)
    target = world.a.staff["norole"]
    response = client.post(
        f"/s/{world.a.slug}/staff/{target.id}/grants", data={"action": "grant", "kind": "role", "name": "teacher"}
    )
    assert response.status_code == 400
    assert grants_of(target.id) == set()


# --- Security headers -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/login", "/s/alpha/login", "/s/alpha/no-such-page"])
def test_pages_carry_security_headers(client: FlaskClient, world: World, path: str) -> None:
    headers = client.get(path).headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_pages_of_a_logged_in_user_are_not_cached(client: FlaskClient, world: World) -> None:
    login(client, "teacher", world.a.slug)
    assert client.get(f"/s/{world.a.slug}/home").headers["Cache-Control"] == "no-store"


# --- Password policy ------------------------------------------------------------------------------


def field_errors(response: TestResponse) -> list[str]:
    return [text for text in re.findall(r'<p class="error">(.*?)</p>', page(response))]


@pytest.mark.parametrize(
    ("new_password", "reason"),
    [
        ("short-1", "at least 10 characters"),
        ("only-letters-here", "both letters and digits"),
        ("my-teacher-2025", "not containing the username"),
        ("password123", "not a commonly used password"),
    ],
    ids=["too-short", "no-digits", "contains-username", "common"],
)
def test_password_change_explains_why_a_password_is_weak(
    app: Flask, client: FlaskClient, world: World, new_password: str, reason: str
) -> None:
    login(client, "teacher", world.a.slug)
    response = post(
        client,
        f"/s/{world.a.slug}/account/password",
        {"current": PASSWORD, "new": new_password, "confirm": new_password},
    )
    assert response.status_code == 200
    assert field_errors(response) == [translated(app, reason)]
    db.session.expire_all()
    assert verify_password(db.session.get(User, world.a.staff["teacher"].id).password_hash, PASSWORD)


def test_password_change_requires_the_current_password(app: Flask, client: FlaskClient, world: World) -> None:
    login(client, "teacher", world.a.slug)
    response = post(
        client,
        f"/s/{world.a.slug}/account/password",
        {"current": "Not-the-password-1", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert field_errors(response) == [translated(app, "current password is wrong")]
    assert login(browser(app), "teacher", world.a.slug, password=NEW_PASSWORD).status_code == 200
