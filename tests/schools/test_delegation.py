"""A school's staff administration: accounts, and roles/permissions delegated without escalation."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from contactbook.auth.rules import Permission
from contactbook.extensions import db
from contactbook.models import Grant, User
from contactbook.schools import services
from contactbook.schools.services import create_staff
from tests.factories import PASSWORD, World, login, post
from tests.support import (
    audit_rows,
    browser,
    change_grant,
    count_users,
    flashes,
    follow,
    grants_of,
    is_logged_in,
    page,
    translated,
)

ADDRESS = "203.0.113.50"
NEW_PASSWORD = "Fresh-lotus-2025"
CANNOT_GRANT_ROLE = "You cannot grant a role that includes permissions you do not hold."
ADMIN_ROLE_NOT_GRANTABLE = "The school admin role belongs to the one account created with the school."
CANNOT_GRANT_PERMISSION = "You cannot grant a permission you do not hold."


@pytest.fixture
def admin(app: Flask, world: World) -> FlaskClient:
    """School alpha's admin, logged in from ADDRESS."""
    client = browser(app, ADDRESS)
    assert login(client, "admin", world.a.slug).status_code == 302
    return client


@pytest.fixture
def granter(app: Flask, world: World) -> FlaskClient:
    """Alpha's principal, given roles.grant, grades.enter and attendance.record by the admin, logged in."""
    principal = world.a.staff["principal"]
    for name in ("roles.grant", "grades.enter", "attendance.record"):
        principal.grants.append(Grant(school_id=world.a.school.id, kind="permission", name=name))
    db.session.commit()
    client = browser(app)
    assert login(client, "principal", world.a.slug).status_code == 302
    return client


def grant_messages(
    client: FlaskClient, user: User, action: str, kind: str, name: str, slug: str = "alpha"
) -> list[str]:
    """Submit a grant/revoke and return the flash messages of the page it leads to."""
    return flashes(follow(client, change_grant(client, user.id, action, kind, name, slug)))


# --- Creating staff -------------------------------------------------------------------------------


def test_admin_creates_a_staff_account_and_it_is_audited(admin: FlaskClient, world: World) -> None:
    response = post(
        admin,
        f"/s/{world.a.slug}/staff/new",
        {"full_name": "Trần Văn Mới", "username": "Tran.Moi", "email": "moi@example.vn", "password": NEW_PASSWORD},
    )
    user = db.session.scalar(select(User).where(User.school_id == world.a.school.id, User.username == "tran.moi"))
    assert user is not None
    assert response.headers["Location"] == f"/s/{world.a.slug}/staff/{user.id}"
    assert (user.full_name, user.email, grants_of(user.id)) == ("Trần Văn Mới", "moi@example.vn", set())
    [row] = audit_rows("staff.created")
    assert (row.actor_id, row.school_id, row.target_id, row.ip_address) == (
        world.a.admin.id,
        world.a.school.id,
        user.id,
        ADDRESS,
    )


def test_created_staff_logs_in_with_the_initial_password(app: Flask, admin: FlaskClient, world: World) -> None:
    post(admin, f"/s/{world.a.slug}/staff/new", {"full_name": "X", "username": "tran.moi", "password": NEW_PASSWORD})
    assert login(browser(app), "tran.moi", world.a.slug, password=NEW_PASSWORD).status_code == 302


def field_errors(html_page: str) -> list[str]:
    return re.findall(r'<p class="error">(.*?)</p>', html_page)


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("teacher", NEW_PASSWORD, "This username is already in use."),
        ("TEACHER", NEW_PASSWORD, "This username is already in use."),
        ("bad name!", NEW_PASSWORD, "3 to 64 letters, digits, dots, dashes or underscores."),
        ("ab", NEW_PASSWORD, "3 to 64 letters, digits, dots, dashes or underscores."),
        ("tran.moi", "short-1", "at least 10 characters"),
    ],
    ids=["duplicate", "duplicate-other-case", "bad-characters", "too-short-username", "weak-password"],
)
def test_bad_staff_form_explains_the_problem_and_creates_nothing(
    app: Flask, admin: FlaskClient, world: World, username: str, password: str, message: str
) -> None:
    before = count_users(world.a.school.id)
    response = post(
        admin, f"/s/{world.a.slug}/staff/new", {"full_name": "Trần Văn Mới", "username": username, "password": password}
    )
    assert response.status_code == 200
    assert translated(app, message) in field_errors(page(response))
    assert count_users(world.a.school.id) == before
    assert audit_rows("staff.created") == []


# --- Granting and revoking ------------------------------------------------------------------------


def test_admin_grants_a_role_and_it_is_audited_with_actor_school_target_and_address(
    app: Flask, admin: FlaskClient, world: World
) -> None:
    target = world.a.staff["norole"]
    assert grant_messages(admin, target, "grant", "role", "teacher") == [translated(app, "Saved.")]
    assert grants_of(target.id) == {("role", "teacher")}
    [row] = audit_rows("grant", world.a.school.id)[-1:]
    assert (row.actor_id, row.school_id, row.target_type, row.target_id, row.ip_address) == (
        world.a.admin.id,
        world.a.school.id,
        "User",
        target.id,
        ADDRESS,
    )
    assert row.details == {"kind": "role", "name": "teacher"}


def test_admin_grants_a_single_permission_that_opens_its_page(app: Flask, admin: FlaskClient, world: World) -> None:
    target = world.a.staff["norole"]
    employee = browser(app)
    login(employee, "norole", world.a.slug)
    assert employee.get(f"/s/{world.a.slug}/staff/").status_code == 403

    change_grant(admin, target.id, "grant", "permission", "staff.view", world.a.slug)

    assert grants_of(target.id) == {("permission", "staff.view")}
    assert audit_rows("grant", world.a.school.id)[-1].details == {"kind": "permission", "name": "staff.view"}
    assert employee.get(f"/s/{world.a.slug}/staff/").status_code == 200


def test_admin_revokes_a_role_and_it_is_audited(admin: FlaskClient, world: World) -> None:
    target = world.a.staff["teacher"]
    change_grant(admin, target.id, "revoke", "role", "teacher", world.a.slug)
    assert grants_of(target.id) == set()
    [row] = audit_rows("revoke")
    assert (row.actor_id, row.school_id, row.target_id, row.ip_address) == (
        world.a.admin.id,
        world.a.school.id,
        target.id,
        ADDRESS,
    )
    assert row.details == {"kind": "role", "name": "teacher"}


def test_admin_cannot_change_its_own_roles(app: Flask, admin: FlaskClient, world: World) -> None:
    messages = grant_messages(admin, world.a.admin, "revoke", "role", "school_admin")
    assert messages == [translated(app, "You cannot change your own roles or permissions.")]
    assert grants_of(world.a.admin.id) == {("role", "school_admin")}
    assert audit_rows("revoke") == []


def test_another_granter_cannot_change_the_admins_roles(app: Flask, granter: FlaskClient, world: World) -> None:
    refused = [translated(app, "The school admin account's roles cannot be changed.")]
    assert grant_messages(granter, world.a.admin, "revoke", "role", "school_admin") == refused
    assert grant_messages(granter, world.a.admin, "grant", "permission", "staff.view") == refused
    assert grants_of(world.a.admin.id) == {("role", "school_admin")}


def test_nobody_can_grant_the_school_admin_role(app: Flask, admin: FlaskClient, world: World) -> None:
    target = world.a.staff["principal"]
    assert grant_messages(admin, target, "grant", "role", "school_admin") == [translated(app, ADMIN_ROLE_NOT_GRANTABLE)]
    assert grants_of(target.id) == {("role", "principal")}


def test_granter_can_grant_a_role_whose_permissions_it_holds(granter: FlaskClient, world: World) -> None:
    target = world.a.staff["norole"]
    change_grant(granter, target.id, "grant", "role", "teacher", world.a.slug)
    assert grants_of(target.id) == {("role", "teacher")}
    assert audit_rows("grant", world.a.school.id)[-1].actor_id == world.a.staff["principal"].id


@pytest.mark.parametrize("role", ["accountant"])
def test_granter_cannot_grant_a_role_with_a_permission_it_lacks(
    app: Flask, granter: FlaskClient, world: World, role: str
) -> None:
    target = world.a.staff["norole"]
    assert grant_messages(granter, target, "grant", "role", role) == [translated(app, CANNOT_GRANT_ROLE)]
    assert grants_of(target.id) == set()


def test_granter_can_grant_a_single_permission_it_holds(granter: FlaskClient, world: World) -> None:
    target = world.a.staff["norole"]
    change_grant(granter, target.id, "grant", "permission", "audit.view", world.a.slug)
    assert grants_of(target.id) == {("permission", "audit.view")}


@pytest.mark.parametrize("permission", ["payments.record", "staff.manage"])
def test_granter_cannot_grant_a_single_permission_it_lacks(
    app: Flask, granter: FlaskClient, world: World, permission: str
) -> None:
    target = world.a.staff["norole"]
    assert grant_messages(granter, target, "grant", "permission", permission) == [
        translated(app, CANNOT_GRANT_PERMISSION)
    ]
    assert grants_of(target.id) == set()


def test_granter_cannot_revoke_what_it_could_not_grant(app: Flask, granter: FlaskClient, world: World) -> None:
    target = world.a.staff["accountant"]
    messages = grant_messages(granter, target, "revoke", "role", "accountant")
    assert messages == [translated(app, "You cannot revoke what you could not grant.")]
    assert grants_of(target.id) == {("role", "accountant")}


def test_granter_cannot_strip_an_account_holding_more_than_it_holds(
    app: Flask, granter: FlaskClient, world: World
) -> None:
    # The granter holds roles.grant; the accountant holds it too, and payment permissions the granter lacks.
    target = world.a.staff["accountant"]
    target.grants.append(Grant(school_id=world.a.school.id, kind="permission", name="roles.grant"))
    db.session.commit()
    messages = grant_messages(granter, target, "revoke", "permission", "roles.grant")
    assert messages == [translated(app, "You cannot change an account that holds permissions you do not hold.")]
    assert ("permission", "roles.grant") in grants_of(target.id)
    assert audit_rows("revoke") == []


def test_granter_revokes_from_an_account_holding_only_what_it_holds(granter: FlaskClient, world: World) -> None:
    target = world.a.staff["teacher"]
    target.grants.append(Grant(school_id=world.a.school.id, kind="permission", name="attendance.record"))
    db.session.commit()
    grant_messages(granter, target, "revoke", "permission", "attendance.record")
    assert ("permission", "attendance.record") not in grants_of(target.id)
    assert len(audit_rows("revoke")) == 1


def test_staff_without_roles_grant_gets_403_from_the_grants_route(app: Flask, world: World) -> None:
    teacher = browser(app)
    login(teacher, "teacher", world.a.slug)
    target = world.a.staff["norole"]
    assert change_grant(teacher, target.id, "grant", "role", "teacher", world.a.slug).status_code == 403
    assert grants_of(target.id) == set()


@pytest.mark.parametrize(
    ("kind", "name"),
    [("role", "superuser"), ("permission", "everything"), ("group", "teacher")],
    ids=["unknown-role", "unknown-permission", "unknown-kind"],
)
def test_grant_of_an_invalid_name_is_refused_and_changes_nothing(
    app: Flask, admin: FlaskClient, world: World, kind: str, name: str
) -> None:
    target = world.a.staff["norole"]
    response = change_grant(admin, target.id, "grant", kind, name, world.a.slug)
    assert response.status_code == 400
    assert translated(app, "The request was not valid. Go back and check the form.") in page(response)
    assert grants_of(target.id) == set()


@pytest.mark.parametrize(("kind", "name"), [("role", "superuser"), ("permission", "everything"), ("group", "teacher")])
@pytest.mark.parametrize("change", [services.grant, services.revoke])
def test_the_service_refuses_a_name_that_is_no_role_or_permission(
    world: World, kind: str, name: str, change: Callable[..., object]
) -> None:
    target = world.a.staff["norole"]
    with pytest.raises(services.UnknownGrant):
        change(world.a.school, world.a.admin, frozenset(Permission), target, kind, name)
    assert grants_of(target.id) == set()


# --- Another school's accounts --------------------------------------------------------------------


def test_staff_of_another_school_answer_404(admin: FlaskClient, world: World) -> None:
    outsider = world.b.staff["teacher"]
    assert admin.get(f"/s/{world.a.slug}/staff/{outsider.id}").status_code == 404
    assert change_grant(admin, outsider.id, "grant", "permission", "staff.view", world.a.slug).status_code == 404
    assert post(admin, f"/s/{world.a.slug}/staff/{outsider.id}/active", {"active": "0"}).status_code == 404
    db.session.expire_all()
    assert grants_of(outsider.id) == {("role", "teacher")}
    assert db.session.get(User, outsider.id).active  # type: ignore[union-attr]


# --- Disabling accounts ---------------------------------------------------------------------------


def test_disabling_an_account_ends_its_sessions(app: Flask, admin: FlaskClient, world: World) -> None:
    employee = browser(app)
    login(employee, "teacher", world.a.slug)
    assert is_logged_in(employee, world.a.slug)

    post(admin, f"/s/{world.a.slug}/staff/{world.a.staff['teacher'].id}/active", {"active": "0"})

    assert not is_logged_in(employee, world.a.slug)
    assert login(browser(app), "teacher", world.a.slug).status_code == 200
    assert audit_rows("staff.deactivated")[0].target_id == world.a.staff["teacher"].id


def test_enabling_an_account_again_does_not_revive_its_old_sessions(
    app: Flask, admin: FlaskClient, world: World
) -> None:
    employee = browser(app)
    login(employee, "teacher", world.a.slug)
    url = f"/s/{world.a.slug}/staff/{world.a.staff['teacher'].id}/active"
    post(admin, url, {"active": "0"})
    post(admin, url, {"active": "1"})
    assert not is_logged_in(employee, world.a.slug)
    assert login(employee, "teacher", world.a.slug, password=PASSWORD).status_code == 302


# --- Disabling needs every permission the account holds -------------------------------------------

CANNOT_CHANGE_ACCOUNT = "You cannot change an account that holds permissions you do not hold."


@pytest.fixture
def manager(app: Flask, world: World) -> FlaskClient:
    """Alpha's account without a role, given `staff.manage` alone, logged in."""
    world.a.staff["norole"].grants.append(Grant(school_id=world.a.school.id, kind="permission", name="staff.manage"))
    db.session.commit()
    client = browser(app)
    assert login(client, "norole", world.a.slug).status_code == 302
    return client


def is_active(user: User) -> bool:
    db.session.expire_all()
    found = db.session.get(User, user.id)
    assert found is not None
    return found.active


def active_messages(client: FlaskClient, user: User, active: str) -> list[str]:
    return flashes(follow(client, post(client, f"/s/alpha/staff/{user.id}/active", {"active": active})))


def test_a_holder_of_staff_manage_alone_cannot_disable_the_accountant(
    app: Flask, manager: FlaskClient, world: World
) -> None:
    accountant = world.a.staff["accountant"]
    assert active_messages(manager, accountant, "0") == [translated(app, CANNOT_CHANGE_ACCOUNT)]
    assert is_active(accountant)
    assert audit_rows("staff.deactivated") == []


def test_a_holder_of_staff_manage_alone_cannot_enable_a_disabled_teacher(
    app: Flask, manager: FlaskClient, admin: FlaskClient, world: World
) -> None:
    teacher = world.a.staff["teacher"]
    post(admin, f"/s/{world.a.slug}/staff/{teacher.id}/active", {"active": "0"})
    assert active_messages(manager, teacher, "1") == [translated(app, CANNOT_CHANGE_ACCOUNT)]
    assert not is_active(teacher)
    assert audit_rows("staff.activated") == []


def test_an_account_holding_only_what_the_manager_holds_can_be_disabled(manager: FlaskClient, world: World) -> None:
    newcomer = create_staff(
        world.a.school, world.a.admin, username="newcomer", full_name="Newcomer", password=PASSWORD, email=None
    )
    post(manager, f"/s/{world.a.slug}/staff/{newcomer.id}/active", {"active": "0"})
    assert not is_active(newcomer)
    assert audit_rows("staff.deactivated")[0].target_id == newcomer.id
