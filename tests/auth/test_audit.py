"""Logins, successful or not, are audited; a school's audit page shows only that school's rows."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import contactbook
from contactbook.audit.sentences import SENTENCES
from contactbook.extensions import db
from contactbook.models import PaymentKind
from tests.factories import World, login, post
from tests.roster.factories import make_class_world
from tests.subscriptions.payment_factories import monthly_plan, service_on, subscribe
from tests.support import audit_rows, browser, change_grant, main_text, page, translated

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


# --- The audit page reads as sentences -------------------------------------------------------------


def audit_text(client: FlaskClient, slug: str = "alpha") -> str:
    return main_text(client.get(f"/s/{slug}/audit/"))


def recorded_actions() -> set[str]:
    """Every action name the code passes to `audit.record(...)`, read from the source."""
    names: set[str] = set()
    for path in Path(contactbook.__file__).parent.rglob("*.py"):
        for call in re.findall(r"audit\.record\(\s*(.*?),\s*actor=", path.read_text(), re.DOTALL):
            names |= set(re.findall(r'"([a-z_.]+)"', call))
            for template in re.findall(r'f"\{kind\.value\}(\.[a-z_]+)"', call):
                names |= {kind.value + template for kind in PaymentKind}
    return names


def test_every_action_recorded_has_a_sentence() -> None:
    actions = recorded_actions()
    assert {"grant", "revoke", "login", "subscription.created", "payment.recorded"} <= actions  # the scan works
    assert actions - set(SENTENCES) == set()


def test_a_role_change_names_whose_role_and_which_role(app: Flask, client: FlaskClient, world: World) -> None:
    target = world.a.staff["norole"]
    login(client, "admin", world.a.slug)
    change_grant(client, target.id, "grant", "role", "homeroom_teacher", world.a.slug)
    change_grant(client, target.id, "revoke", "role", "homeroom_teacher", world.a.slug)
    change_grant(client, target.id, "grant", "permission", "reports.view", world.a.slug)

    text = audit_text(client)
    role, permission = translated(app, "Homeroom teacher"), translated(app, "View reports")
    assert role == "Giáo viên chủ nhiệm"
    names = {"actor": "Admin alpha", "target": "norole alpha"}
    assert translated(app, "%(actor)s gave %(target)s the role %(role)s.", role=role, **names) in text
    assert translated(app, "%(actor)s took the role %(role)s from %(target)s.", role=role, **names) in text
    assert (
        translated(app, "%(actor)s gave %(target)s the permission “%(permission)s”.", permission=permission, **names)
        in text
    )
    for code in ("revoke", "homeroom_teacher", "kind=", "name=", "reports.view"):
        assert code not in text


def test_purposes_are_named_by_their_labels(app: Flask, client: FlaskClient, world: World) -> None:
    roster = make_class_world(world.a)
    service_on(world.a)
    subscribe(world.a, roster.guardian, roster.student, monthly_plan(world.a), purposes={"grades_sms", "notices_sms"})
    login(client, "admin", world.a.slug)

    text = audit_text(client)
    grades, notices = translated(app, "Grades by SMS"), translated(app, "Notices by SMS")
    assert grades == "Điểm số qua SMS"
    assert "điểm số qua SMS" in text and notices[:1].lower() + notices[1:] in text  # labels within a sentence
    assert roster.student.full_name in text
    assert "grades_sms" not in text and "purposes=" not in text and "subscription.created" not in text


def test_times_are_day_month_year_hours_minutes_in_the_schools_time_zone(client: FlaskClient, world: World) -> None:
    login(client, "admin", world.a.slug)
    [row] = audit_rows("login")
    row.created_at = datetime(2026, 12, 4, 18, 46, tzinfo=UTC)  # 01:46 on 5/12 in Hồ Chí Minh City (UTC+7)
    db.session.commit()
    text = audit_text(client)
    assert "05/12/2026 01:46" in text
    assert "5/12/26" not in text


def test_the_sentences_follow_the_pages_language(client: FlaskClient, world: World) -> None:
    target = world.a.staff["norole"]
    login(client, "admin", world.a.slug)
    change_grant(client, target.id, "grant", "role", "accountant", world.a.slug)
    assert "Admin alpha gave norole alpha the role Accountant." not in audit_text(client)

    post(client, "/lang", {"lang": "en", "next": "/s/alpha/audit/"})
    text = audit_text(client)
    assert "Admin alpha gave norole alpha the role Accountant." in text
    assert "Admin alpha signed in." in text
