"""Plain factory functions that build test data through the real services."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from unittest import mock
from zoneinfo import ZoneInfo

from flask import current_app
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from contactbook import timezones
from contactbook.auth.rules import Role
from contactbook.extensions import db
from contactbook.models import Authority, AuthorityKind, Grant, School, SchoolLevel, User
from contactbook.platform import services as platform
from contactbook.schools.services import new_user

PASSWORD = "Correct-horse-42"


@contextmanager
def school_day(day: date) -> Iterator[None]:
    """The schools' calendar set to `day` meanwhile (noon in Vietnam), for a record a school made that day.

    The test world lives in the school year 2025-2026 whatever the real date: a rule that counts from
    today (a subscription starts within a year of it) judges such a record on the day it was made.
    """
    moment = datetime.combine(day, time(12), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    with mock.patch.object(timezones, "utcnow", lambda: moment):
        yield


STAFF_ROLES: dict[str, Role | None] = {
    "principal": Role.PRINCIPAL,
    "accountant": Role.ACCOUNTANT,
    "teacher": Role.TEACHER,
    "homeroom": Role.HOMEROOM_TEACHER,
    "norole": None,
}


@dataclass
class SchoolPeople:
    school: School
    admin: User
    staff: dict[str, User] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.school.slug


@dataclass
class World:
    province: Authority
    ward: Authority
    operator: User
    officer: User
    a: SchoolPeople
    b: SchoolPeople


def make_operator(username: str = "op") -> User:
    user = new_user(school=None, username=username, full_name="Operator", password=PASSWORD, is_platform_operator=True)
    db.session.commit()
    return user


def make_school(operator: User | None, authority: Authority, slug: str) -> SchoolPeople:
    """A school with its admin and one staff account per role (plus one with no role)."""
    school = platform.create_school(
        operator,
        authority=authority,
        name=f"Trường {slug}",
        slug=slug,
        level=SchoolLevel.LOWER_SECONDARY,
        base_domain=current_app.config["BASE_DOMAIN"],
        admin_username="admin",
        admin_full_name=f"Admin {slug}",
        admin_password=PASSWORD,
    )
    admin = db.session.query(User).filter_by(school_id=school.id, username="admin").one()
    return with_staff(SchoolPeople(school, admin))


def with_staff(people: SchoolPeople) -> SchoolPeople:
    """`people` with one staff account per role of `STAFF_ROLES` (plus one with no role) in its school."""
    school = people.school
    for username, role in STAFF_ROLES.items():
        user = new_user(school=school, username=username, full_name=f"{username} {school.slug}", password=PASSWORD)
        if role is not None:
            user.grants.append(Grant(school_id=school.id, kind="role", name=role))
        people.staff[username] = user
    db.session.commit()
    return people


def make_world() -> World:
    operator = make_operator()
    province = platform.create_authority(operator, name="Sở GD&ĐT", kind=AuthorityKind.PROVINCE, parent=None)
    ward = platform.create_authority(operator, name="UBND phường", kind=AuthorityKind.WARD_COMMUNE, parent=province)
    officer = new_user(school=None, username="officer", full_name="Officer", password=PASSWORD, authority_id=ward.id)
    db.session.commit()
    alpha, beta = make_school(operator, ward, "alpha"), make_school(operator, ward, "beta")
    return World(province, ward, operator, officer, alpha, beta)


def csrf_token(client: FlaskClient) -> str:
    """The CSRF token of the client's session, read from a page as a browser would."""
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the home page"
    return match.group(1)


def post(client: FlaskClient, url: str, data: dict[str, str] | None = None) -> TestResponse:
    """Submit a form as a browser would: with the session's CSRF token."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)})


def login(client: FlaskClient, username: str, school_slug: str | None = None, password: str = PASSWORD) -> TestResponse:
    """Log in through the real login form."""
    url = f"/s/{school_slug}/login" if school_slug else "/login"
    return post(client, url, {"username": username, "password": password})
