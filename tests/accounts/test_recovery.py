"""Forgotten passwords, set-up and reset links, and resets by a school's admin or the operator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from contactbook.accounts.services import recovery, tokens
from contactbook.auth.services import change_password, verify_password
from contactbook.extensions import db
from contactbook.models import AccountToken, TokenPurpose, User
from contactbook.models.base import utcnow
from contactbook.schools.services import DelegationError, set_active
from tests.accounts.support import all_emails, answer_requests, emails_to, link_path
from tests.factories import PASSWORD, World, login, post
from tests.support import audit_rows, browser, flashes, is_logged_in, main_text, translated

NEW_PASSWORD = "Fresh-lotus-2025"
SAME_ANSWER = "If the account exists and has an email address, a link to set a new password has been sent to it."


@pytest.fixture
def client(app: Flask, db_session: None) -> FlaskClient:
    return browser(app)


def with_email(user: User, address: str) -> User:
    user.email = address
    db.session.commit()
    return user


def forgot(client: FlaskClient, username: str, slug: str | None) -> str:
    url = f"/s/{slug}/forgot" if slug else "/account/forgot"
    response = post(client, url, {"username": username})
    assert response.status_code == 302, response.status_code
    answer_requests()  # the worker's part, after the answer
    return " ".join(flashes(client.get(response.headers["Location"])))


def set_password(client: FlaskClient, path: str, password: str = NEW_PASSWORD) -> int:
    return post(client, path, {"new": password, "confirm": password}).status_code


# --- Forgotten password ----------------------------------------------------------------------------


def test_forgot_sends_a_link_that_sets_the_password_once(app: Flask, client: FlaskClient, world: World) -> None:
    teacher = with_email(world.a.staff["teacher"], "teacher@alpha.test")
    login(client, "teacher", world.a.slug)
    other_session = browser(app, "198.51.100.9")
    login(other_session, "teacher", world.a.slug)

    assert forgot(client, "teacher", world.a.slug) == translated(app, SAME_ANSWER)
    (email,) = emails_to("teacher@alpha.test")
    path = link_path(email)
    assert client.get(path).status_code == 200

    response = post(client, path, {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/s/{world.a.slug}/login"
    db.session.expire_all()
    assert verify_password(db.session.get(User, teacher.id).password_hash, NEW_PASSWORD)  # type: ignore[union-attr]
    assert not is_logged_in(other_session, world.a.slug)  # every other session ended
    assert audit_rows("password.set_by_link", world.a.school.id)

    # Single use: the second visit and a second submission find the link spent.
    assert client.get(path).status_code == 410
    assert set_password(client, path, "Another-pass-77") == 410
    assert login(browser(app), "teacher", world.a.slug, password=NEW_PASSWORD).status_code == 302


def test_forgot_gives_the_same_answer_whether_the_account_exists(app: Flask, client: FlaskClient, world: World) -> None:
    with_email(world.a.staff["teacher"], "teacher@alpha.test")
    disabled = with_email(world.a.staff["homeroom"], "homeroom@alpha.test")
    set_active(world.a.school, world.a.admin, disabled, False)
    before = all_emails()
    answers = {
        forgot(client, "teacher", world.a.slug),
        forgot(client, "nobody-here", world.a.slug),
        forgot(client, "homeroom", world.a.slug),  # disabled
        forgot(client, "accountant", world.a.slug),  # no email address
    }
    assert answers == {translated(app, SAME_ANSWER)}
    assert all_emails() == before + 1  # only the existing, active account with an email got one


def test_forgot_at_a_school_finds_only_that_schools_accounts(client: FlaskClient, world: World) -> None:
    with_email(world.b.staff["teacher"], "teacher@beta.test")
    forgot(client, "teacher", world.a.slug)
    forgot(client, "teacher", None)
    assert emails_to("teacher@beta.test") == []


def test_forgot_for_a_platform_account(app: Flask, client: FlaskClient, world: World) -> None:
    with_email(world.officer, "officer@authority.test")
    forgot(client, "officer", None)
    (email,) = emails_to("officer@authority.test")
    path = link_path(email)
    assert path.startswith("/account/password/0.")
    response = post(client, path, {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.headers["Location"] == "/login"
    assert login(browser(app), "officer", password=NEW_PASSWORD).status_code == 302


def test_forgot_is_throttled(client: FlaskClient, world: World) -> None:
    with_email(world.a.staff["teacher"], "teacher@alpha.test")
    for _ in range(3):
        forgot(client, "teacher", world.a.slug)
    response = post(client, f"/s/{world.a.slug}/forgot", {"username": "teacher"})
    assert response.status_code == 429
    assert len(emails_to("teacher@alpha.test")) == 3
    # An unknown name is throttled the same way.
    for _ in range(3):
        forgot(client, "nobody", world.a.slug)
    assert post(client, f"/s/{world.a.slug}/forgot", {"username": "nobody"}).status_code == 429


def test_a_newer_link_replaces_the_older_one(client: FlaskClient, world: World) -> None:
    with_email(world.a.staff["teacher"], "teacher@alpha.test")
    forgot(client, "teacher", world.a.slug)
    forgot(client, "teacher", world.a.slug)
    first, second = emails_to("teacher@alpha.test")
    assert client.get(link_path(first)).status_code == 410
    assert client.get(link_path(second)).status_code == 200


def test_an_expired_link_shows_a_clear_page_and_changes_nothing(app: Flask, client: FlaskClient, world: World) -> None:
    teacher = with_email(world.a.staff["teacher"], "teacher@alpha.test")
    forgot(client, "teacher", world.a.slug)
    path = link_path(emails_to("teacher@alpha.test")[0])
    db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 410
    assert translated(app, "Link no longer valid") in main_text(response)
    assert set_password(client, path) == 410
    db.session.expire_all()
    assert verify_password(db.session.get(User, teacher.id).password_hash, PASSWORD)  # type: ignore[union-attr]


def test_a_weak_password_keeps_the_link_open(client: FlaskClient, world: World) -> None:
    with_email(world.a.staff["teacher"], "teacher@alpha.test")
    forgot(client, "teacher", world.a.slug)
    path = link_path(emails_to("teacher@alpha.test")[0])
    assert set_password(client, path, "short1") == 200
    assert set_password(client, path) == 302


def test_a_link_names_its_school(client: FlaskClient, world: World) -> None:
    with_email(world.a.staff["teacher"], "teacher@alpha.test")
    forgot(client, "teacher", world.a.slug)
    path = link_path(emails_to("teacher@alpha.test")[0])
    token = path.rsplit("/", 1)[1]
    assert token.startswith(f"{world.a.school.id}.")
    # The link opened at another school's address, or with another school's id, does not work.
    assert client.get(f"/s/{world.b.slug}/account/password/{token}").status_code == 404
    forged = f"{world.b.school.id}.{token.split('.', 1)[1]}"
    assert client.get(f"/account/password/{forged}").status_code == 410
    # At its own school's address it does (the school's own domain).
    assert client.get(f"/s/{world.a.slug}/account/password/{token}").status_code == 200
    assert client.get(f"http://{world.a.slug}.contactbook.test/account/password/{token}").status_code == 200


# --- Set-up links ----------------------------------------------------------------------------------


def test_a_setup_link_works_once(app: Flask, client: FlaskClient, world: World) -> None:
    admin = world.a.admin
    token = tokens.issue(admin, TokenPurpose.SETUP)
    db.session.commit()
    row = db.session.scalar(select(AccountToken).where(AccountToken.user_id == admin.id))
    assert row is not None and row.expires_at - row.created_at == timedelta(hours=72)
    path = f"/account/password/{token}"
    assert set_password(client, path) == 302
    assert set_password(client, path, "Another-pass-77") == 410
    assert login(browser(app), "admin", world.a.slug, password=NEW_PASSWORD).status_code == 302


def test_garbage_tokens_answer_the_invalid_page(client: FlaskClient, world: World) -> None:
    for token in ("x", "0.", "99999999999.abc", "-1.abc", "1." + "a" * 200):
        assert client.get(f"/account/password/{token}").status_code == 410


# --- Resets by a school's admin and by the operator ------------------------------------------------


def test_a_school_admin_sends_a_staff_member_a_reset_link(app: Flask, client: FlaskClient, world: World) -> None:
    teacher = with_email(world.a.staff["teacher"], "teacher@alpha.test")
    login(client, "admin", world.a.slug)
    response = post(client, f"/s/{world.a.slug}/staff/{teacher.id}/reset")
    assert response.status_code == 302
    (email,) = emails_to("teacher@alpha.test")
    (row,) = audit_rows("password.reset_sent", world.a.school.id)
    assert row.actor_id == world.a.admin.id and row.target_id == teacher.id
    assert set_password(browser(app), link_path(email)) == 302


def test_a_reset_without_an_email_says_so(app: Flask, client: FlaskClient, world: World) -> None:
    teacher = world.a.staff["teacher"]
    login(client, "admin", world.a.slug)
    response = post(client, f"/s/{world.a.slug}/staff/{teacher.id}/reset")
    page = client.get(response.headers["Location"])
    assert translated(app, "The account has no email address to send the link to.") in flashes(page)
    assert audit_rows("password.reset_sent", world.a.school.id) == []


def test_a_school_admin_cannot_reset_another_schools_staff(client: FlaskClient, world: World) -> None:
    other = with_email(world.b.staff["teacher"], "teacher@beta.test")
    login(client, "admin", world.a.slug)
    assert post(client, f"/s/{world.a.slug}/staff/{other.id}/reset").status_code == 404
    assert post(client, f"/s/{world.b.slug}/staff/{other.id}/reset").status_code == 302  # to beta's login
    assert emails_to("teacher@beta.test") == []


def test_staff_without_staff_manage_cannot_reset(client: FlaskClient, world: World) -> None:
    teacher = with_email(world.a.staff["teacher"], "teacher@alpha.test")
    login(client, "principal", world.a.slug)
    assert post(client, f"/s/{world.a.slug}/staff/{teacher.id}/reset").status_code == 403
    assert emails_to("teacher@alpha.test") == []


def test_the_operator_resets_a_school_admins_password(app: Flask, client: FlaskClient, world: World) -> None:
    with_email(world.a.admin, "admin@alpha.test")
    login(client, "op")
    response = post(client, f"/platform/schools/{world.a.school.id}/admin-reset")
    assert response.status_code == 302
    (email,) = emails_to("admin@alpha.test")
    (row,) = audit_rows("password.reset_sent", world.a.school.id)
    assert row.actor_id == world.operator.id and row.target_id == world.a.admin.id
    assert set_password(browser(app), link_path(email)) == 302
    assert login(browser(app), "admin", world.a.slug, password=NEW_PASSWORD).status_code == 302


def test_an_officer_cannot_reset_a_school_admin(client: FlaskClient, world: World) -> None:
    with_email(world.a.admin, "admin@alpha.test")
    login(client, "officer")
    assert post(client, f"/platform/schools/{world.a.school.id}/admin-reset").status_code == 403
    assert emails_to("admin@alpha.test") == []


def test_a_password_set_by_one_link_closes_the_accounts_other_links(app: Flask, world: World) -> None:
    """A set-up link and a reset link of the same account: the password set from one, the other is spent too;
    and a password changed on the account page closes a link sent earlier."""
    admin = world.a.admin
    setup, reset = tokens.issue(admin, TokenPurpose.SETUP), tokens.issue(admin, TokenPurpose.RESET)
    db.session.commit()
    assert recovery.set_password(reset, world.a.school.id, "Mat-khau-moi-2026") is not None
    assert recovery.check_link(setup, world.a.school.id) is None
    assert recovery.set_password(setup, world.a.school.id, "Mat-khau-khac-2026") is None

    later = tokens.issue(admin, TokenPurpose.RESET)
    db.session.commit()
    change_password(admin, "Mat-khau-moi-2026", "Mat-khau-thu-ba-2026")
    assert recovery.check_link(later, world.a.school.id) is None


def test_both_resets_check_who_may_first_then_the_accounts_state(world: World) -> None:
    """The operator's reset of a school's admin and an admin's reset of its staff share one order of checks:
    scope and permissions, then disabled, then no email address."""
    disabled = world.a.staff["teacher"]
    disabled.active, disabled.email = False, None
    world.a.admin.active, world.a.admin.email = False, None
    db.session.commit()

    with pytest.raises(recovery.ResetError, match="disabled"):
        recovery.reset_staff(world.a.school, world.a.admin, disabled)
    with pytest.raises(recovery.ResetError, match="disabled"):
        recovery.reset_school_admin(world.operator, world.a.school)
    # Another school's account, disabled too: the scope answers, not the account's state.
    other = world.b.staff["teacher"]
    other.active = False
    db.session.commit()
    with pytest.raises(DelegationError, match="not of your school"):
        recovery.reset_staff(world.a.school, world.a.admin, other)
    # Its own account (disabled too): the admin is sent to its account page.
    with pytest.raises(DelegationError, match="own password"):
        recovery.reset_staff(world.a.school, world.a.admin, world.a.admin)
    assert audit_rows("password.reset_sent", world.a.school.id) == []
