"""Logins, successful or not, are audited; a school's audit page shows only that school's rows."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import World, login, post
from tests.support import audit_rows, browser, page

ADDRESS = "203.0.113.24"


@pytest.fixture
def client(app: Flask, db_session: None) -> FlaskClient:
    """A browser at ADDRESS whose requests each run in their own app context (see tests/support.py)."""
    return browser(app, ADDRESS)


def test_login_is_audited_with_school_address_and_actor(client: FlaskClient, world: World) -> None:
    login(client, "teacher", world.a.slug)
    [row] = audit_rows("login")
    teacher = world.a.staff["teacher"]
    assert (row.school_id, row.ip_address, row.actor_id, row.target_id) == (
        world.a.school.id,
        ADDRESS,
        teacher.id,
        teacher.id,
    )


def test_failed_login_of_an_existing_account_is_audited(client: FlaskClient, world: World) -> None:
    login(client, "teacher", world.a.slug, password="Not-the-password-1")
    [row] = audit_rows("login.failed")
    assert (row.school_id, row.ip_address, row.actor_id) == (world.a.school.id, ADDRESS, world.a.staff["teacher"].id)
    assert audit_rows("login") == []


def test_failed_login_of_an_unknown_username_is_audited_with_the_name_tried(client: FlaskClient, world: World) -> None:
    login(client, "Nobody-Here", world.a.slug)
    [row] = audit_rows("login.failed")
    assert (row.school_id, row.ip_address, row.actor_id) == (world.a.school.id, ADDRESS, None)
    assert row.details == {"username": "nobody-here"}


def test_failed_platform_login_is_audited_without_a_school(client: FlaskClient, world: World) -> None:
    login(client, "op", None, password="Not-the-password-1")
    [row] = audit_rows("login.failed")
    assert (row.school_id, row.ip_address, row.actor_id) == (None, ADDRESS, world.operator.id)


def test_logout_is_audited(client: FlaskClient, world: World) -> None:
    login(client, "teacher", world.a.slug)
    post(client, f"/s/{world.a.slug}/logout")
    [row] = audit_rows("logout")
    assert (row.school_id, row.actor_id) == (world.a.school.id, world.a.staff["teacher"].id)


def test_audit_page_shows_its_own_schools_rows(app: Flask, client: FlaskClient, world: World) -> None:
    login(browser(app), "alpha-marker", world.a.slug)  # a failed login: a row of alpha
    login(client, "admin", world.a.slug)
    assert "alpha-marker" in page(client.get(f"/s/{world.a.slug}/audit/"))


def test_audit_page_never_shows_another_schools_rows(app: Flask, client: FlaskClient, world: World) -> None:
    login(browser(app), "beta-marker", world.b.slug)  # a failed login: a row of beta
    login(browser(app), "platform-marker", None)  # a failed platform login: a row of no school
    login(client, "admin", world.a.slug)
    alpha_page = page(client.get(f"/s/{world.a.slug}/audit/"))
    assert "beta-marker" not in alpha_page
    assert "platform-marker" not in alpha_page

    beta_admin = browser(app)
    login(beta_admin, "admin", world.b.slug)
    assert "beta-marker" in page(beta_admin.get(f"/s/{world.b.slug}/audit/"))  # the row exists, in beta
