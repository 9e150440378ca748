"""The platform operator registers authorities and schools, suspends schools; officers oversee."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from contactbook.auth.services import PasswordPolicyError
from contactbook.extensions import db
from contactbook.models import Authority, AuthorityKind, School, SchoolLevel, SchoolStatus, User
from contactbook.platform import services as platform
from contactbook.schools.services import DelegationError, create_staff
from tests.factories import PASSWORD, World, login, post
from tests.support import audit_rows, browser, count_users, flashes, follow, grants_of, page, translated

NEW_PASSWORD = "Fresh-lotus-2025"
TAKEN = "This school address is already taken."


@pytest.fixture
def operator(app: Flask, world: World) -> FlaskClient:
    client = browser(app)
    assert login(client, "op").status_code == 302
    return client


def school_form(world: World, **changes: str) -> dict[str, str]:
    form = {
        "name": "Trường THCS Gamma",
        "slug": "gamma",
        "level": "lower_secondary",
        "authority_id": str(world.ward.id),
        "admin_full_name": "Hiệu trưởng Gamma",
        "admin_username": "quantri",
        "admin_email": "quantri@gamma.example.vn",
        "admin_password": NEW_PASSWORD,
    }
    return {**form, **changes}


def field_errors(html_page: str) -> list[str]:
    return re.findall(r'<p class="error">(.*?)</p>', html_page)


def school_named(slug: str) -> School | None:
    db.session.expire_all()
    return db.session.scalar(select(School).where(School.slug == slug))


def count(model: type[Authority] | type[School]) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def add_school(world: World, app: Flask, authority: Authority, slug: str) -> School:
    return platform.create_school(
        world.operator,
        authority=authority,
        name=f"Trường {slug}",
        slug=slug,
        level=SchoolLevel.PRIMARY,
        base_domain=app.config["BASE_DOMAIN"],
        admin_username="admin",
        admin_full_name=f"Admin {slug}",
        admin_password=PASSWORD,
    )


# --- Authorities ----------------------------------------------------------------------------------


def test_operator_builds_an_authority_tree(operator: FlaskClient, world: World) -> None:
    post(operator, "/platform/authorities/new", {"name": "Sở GD&ĐT Huế", "kind": "province", "parent_id": "0"})
    province = db.session.scalar(select(Authority).where(Authority.name == "Sở GD&ĐT Huế"))
    assert province is not None and province.parent_id is None

    response = post(
        operator,
        "/platform/authorities/new",
        {"name": "UBND phường Vỹ Dạ", "kind": "ward_commune", "parent_id": str(province.id)},
    )

    assert response.headers["Location"] == "/platform/"
    ward = db.session.scalar(select(Authority).where(Authority.name == "UBND phường Vỹ Dạ"))
    assert ward is not None
    assert (ward.kind, ward.parent_id) == (AuthorityKind.WARD_COMMUNE, province.id)


def test_ward_without_a_parent_is_refused_with_a_message(app: Flask, operator: FlaskClient, world: World) -> None:
    before = count(Authority)
    response = post(
        operator, "/platform/authorities/new", {"name": "UBND xã", "kind": "ward_commune", "parent_id": "0"}
    )
    assert response.status_code == 200
    assert field_errors(page(response)) == [
        translated(app, "A district or ward/commune authority needs a parent authority.")
    ]
    assert count(Authority) == before


def test_province_under_a_parent_is_refused_with_a_message(app: Flask, operator: FlaskClient, world: World) -> None:
    before = count(Authority)
    response = post(
        operator, "/platform/authorities/new", {"name": "Sở", "kind": "province", "parent_id": str(world.province.id)}
    )
    assert field_errors(page(response)) == [translated(app, "A provincial department cannot have a parent authority.")]
    assert count(Authority) == before


# --- Registering schools --------------------------------------------------------------------------


def test_operator_registers_a_school_at_its_own_domain(app: Flask, operator: FlaskClient, world: World) -> None:
    response = post(operator, "/platform/schools/new", school_form(world))
    school = school_named("gamma")
    assert school is not None
    assert (school.domain, school.status, school.authority_id) == ("gamma.contactbook.test", "active", world.ward.id)
    message = translated(app, "School %(name)s registered at %(domain)s.", name=school.name, domain=school.domain)
    assert flashes(follow(operator, response)) == [message]


def test_registering_a_school_creates_exactly_one_admin_holding_school_admin(
    operator: FlaskClient, world: World
) -> None:
    post(operator, "/platform/schools/new", school_form(world))
    school = school_named("gamma")
    assert school is not None
    [admin] = db.session.scalars(select(User).where(User.school_id == school.id)).all()
    assert (admin.username, admin.full_name, admin.email) == (
        "quantri",
        "Hiệu trưởng Gamma",
        "quantri@gamma.example.vn",
    )
    assert grants_of(admin.id) == {("role", "school_admin")}


def test_new_schools_admin_logs_in_and_manages_staff(app: Flask, operator: FlaskClient, world: World) -> None:
    post(operator, "/platform/schools/new", school_form(world))
    admin = browser(app)
    assert login(admin, "quantri", "gamma", password=NEW_PASSWORD).status_code == 302
    assert admin.get("/s/gamma/staff/new").status_code == 200


@pytest.mark.parametrize("slug", ["alpha", "admin", "www", "platform"], ids=["taken", "admin", "www", "platform"])
def test_taken_or_reserved_slug_is_refused_with_a_message(
    app: Flask, operator: FlaskClient, world: World, slug: str
) -> None:
    schools, users = count(School), count_users(None) + count_users(world.a.school.id)
    response = post(operator, "/platform/schools/new", school_form(world, slug=slug))
    assert response.status_code == 200
    assert field_errors(page(response)) == [translated(app, TAKEN)]
    assert count(School) == schools
    assert count_users(None) + count_users(world.a.school.id) == users


def test_slug_with_forbidden_characters_is_refused(app: Flask, operator: FlaskClient, world: World) -> None:
    response = post(operator, "/platform/schools/new", school_form(world, slug="Gamma_School"))
    assert field_errors(page(response)) == [
        translated(app, "Lowercase letters, digits and dashes only, e.g. thcs-nguyen-du.")
    ]
    assert school_named("gamma_school") is None


def test_weak_admin_password_registers_no_school(app: Flask, operator: FlaskClient, world: World) -> None:
    response = post(operator, "/platform/schools/new", school_form(world, admin_password="short-1"))
    assert field_errors(page(response)) == [translated(app, "at least 10 characters")]
    assert school_named("gamma") is None


# --- Suspending schools ---------------------------------------------------------------------------


def set_status(operator: FlaskClient, school: School, status: str) -> None:
    response = post(operator, f"/platform/schools/{school.id}/status", {"status": status})
    assert response.status_code == 302


def test_suspended_school_closes_its_login(app: Flask, operator: FlaskClient, world: World) -> None:
    set_status(operator, world.a.school, "suspended")
    visitor = browser(app)
    assert visitor.get(f"/s/{world.a.slug}/login").status_code == 404
    assert login(visitor, "admin", world.a.slug).status_code == 404
    assert login(visitor, "admin", world.b.slug).status_code == 302  # the other school is open


def test_suspended_school_closes_its_pages_to_logged_in_staff(app: Flask, operator: FlaskClient, world: World) -> None:
    admin = browser(app)
    login(admin, "admin", world.a.slug)
    assert admin.get(f"/s/{world.a.slug}/staff/").status_code == 200

    set_status(operator, world.a.school, "suspended")

    for path in ("/", "/home", "/staff/", "/audit/", "/account/password"):
        assert admin.get(f"/s/{world.a.slug}{path}").status_code == 404, path
    assert admin.get("/staff/", base_url=f"http://{world.a.school.domain}").status_code == 404
    assert world.a.school.name not in page(admin.get("/"))  # no longer offered on the home page


def test_suspension_ends_the_staffs_access_to_the_platform_too(app: Flask, operator: FlaskClient, world: World) -> None:
    admin = browser(app)
    login(admin, "admin", world.a.slug)
    with admin.session_transaction() as session:
        assert session["_user_id"].startswith(f"{world.a.admin.id}:")
    set_status(operator, world.a.school, "suspended")
    response = admin.get("/platform/authority")  # the staff account is anonymous now: sent to log in
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_reactivated_school_opens_its_login_again(app: Flask, operator: FlaskClient, world: World) -> None:
    set_status(operator, world.a.school, "suspended")
    set_status(operator, world.a.school, "active")
    db.session.expire_all()
    assert db.session.get(School, world.a.school.id).status == SchoolStatus.ACTIVE  # type: ignore[union-attr]
    assert login(browser(app), "admin", world.a.slug).status_code == 302


# --- The authority officer's overview -------------------------------------------------------------


@pytest.fixture
def wider_world(app: Flask, world: World) -> dict[str, School]:
    """A district beside the world's ward (same province) and a second province, one school each."""
    district = platform.create_authority(
        world.operator, name="Phòng GD quận", kind=AuthorityKind.DISTRICT, parent=world.province
    )
    elsewhere = platform.create_authority(
        world.operator, name="Sở GD&ĐT khác", kind=AuthorityKind.PROVINCE, parent=None
    )
    return {
        "district": add_school(world, app, district, "delta"),
        "elsewhere": add_school(world, app, elsewhere, "gamma"),
    }


def officer_page(app: Flask, username: str) -> str:
    client = browser(app)
    assert login(client, username).status_code == 302
    response = client.get("/platform/authority")
    assert response.status_code == 200
    return page(response)


def test_officer_sees_the_schools_under_its_authority_only(
    app: Flask, world: World, wider_world: dict[str, School]
) -> None:
    listing = officer_page(app, "officer")  # the world's officer belongs to the ward
    assert world.a.school.name in listing and world.b.school.name in listing
    assert wider_world["district"].name not in listing  # beside the ward, not under it
    assert wider_world["elsewhere"].name not in listing


def test_province_officer_sees_schools_of_its_whole_subtree(
    app: Flask, world: World, wider_world: dict[str, School]
) -> None:
    platform.create_officer(
        world.operator,
        authority=world.province,
        username="so-officer",
        full_name="Cán bộ Sở",
        password=PASSWORD,
        email=None,
    )
    listing = officer_page(app, "so-officer")
    for school in (world.a.school, world.b.school, wider_world["district"]):
        assert school.name in listing
        assert school.domain in listing
    assert wider_world["elsewhere"].name not in listing


def test_officer_page_shows_no_personal_data(app: Flask, world: World) -> None:
    create_staff(
        world.a.school,
        world.a.admin,
        username="nguyen.bimat",
        full_name="Nguyễn Thị Bí Mật",
        password=PASSWORD,
        email="bimat@example.vn",
    )
    listing = officer_page(app, "officer")
    assert world.a.school.name in listing  # the school is listed ...
    for personal in ("nguyen.bimat", "Nguyễn Thị Bí Mật", "bimat@example.vn", world.a.admin.full_name, "teacher alpha"):
        assert personal not in listing  # ... but none of its people


def test_an_officer_opening_the_operators_page_is_offered_its_own_pages(app: Flask, world: World) -> None:
    client = browser(app)
    assert login(client, "officer").status_code == 302
    response = client.get("/platform/")
    assert response.status_code == 403
    html_page = page(response)
    assert (
        translated(app, "You do not have permission to open this page. Ask your school admin if you need it.")
        not in html_page
    )
    assert translated(app, "As an officer of %(authority)s you can open:", authority=world.ward.name) in html_page
    links = re.findall(r'href="(/platform/[^"]*)"', html_page.split('data-test="officer-pages"', 1)[1])
    assert links == [
        "/platform/authority",
        "/platform/authority/uptake",
        "/platform/authority/ceilings",
        "/platform/authority/campaigns/",
        "/platform/authority/oversight",
    ]
    assert [client.get(link).status_code for link in links] == [200] * len(links)


def test_an_operator_refused_an_officers_page_gets_the_plain_refusal(app: Flask, world: World) -> None:
    client = browser(app)
    assert login(client, "op").status_code == 302
    response = client.get("/platform/authority")
    assert response.status_code == 403
    assert 'data-test="officer-pages"' not in page(response)


# --- Platform operators: created from the command line, through the service ------------------------------


def test_create_operator_makes_an_audited_platform_operator(world: World) -> None:
    user = platform.create_operator(
        username="Nhanvien", full_name="Nhân viên vận hành", password=NEW_PASSWORD, via="cli"
    )

    assert (user.username, user.school_id, user.is_platform_operator) == ("nhanvien", None, True)
    [entry] = audit_rows("operator.created")
    assert (entry.target_id, entry.details["via"], entry.actor_id) == (user.id, "cli", None)


@pytest.mark.parametrize(("username", "password"), [("op", NEW_PASSWORD), ("nhanvien", "short")])
def test_a_taken_username_or_a_weak_password_creates_no_operator(world: World, username: str, password: str) -> None:
    before = count_users(None)

    with pytest.raises((PasswordPolicyError, DelegationError)):
        platform.create_operator(username=username, full_name="Nhân viên", password=password, via="cli")

    db.session.rollback()
    assert count_users(None) == before and audit_rows("operator.created") == []


def test_the_create_operator_command_calls_the_service(app: Flask, world: World) -> None:
    runner = app.test_cli_runner()
    args = ["accounts", "create-operator", "nhanvien", "--full-name", "Nhân viên vận hành"]

    made = runner.invoke(args=args, input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    refused = runner.invoke(args=args, input="short\nshort\n")

    assert made.exit_code == 0 and "Operator nhanvien created." in made.output
    assert refused.exit_code != 0 and len(audit_rows("operator.created")) == 1
    assert login(browser(app), "nhanvien", password=NEW_PASSWORD).status_code == 302
