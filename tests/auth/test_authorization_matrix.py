"""Authorization matrix: every route × every actor → the answer its declared access rule promises.

The cases are generated from the application's URL map when the module is collected, so a new route
shows up here by itself. A route whose view declares no access rule, or whose URL takes a parameter
this module has no value for, fails with a message saying what to add. The expected answers are
computed from the declared rule and the actor's permissions (`ROLE_PERMISSIONS`), never listed per route.

Among the actors is a family signed in at the portal (its mother's number is on alpha's and beta's class
world): a family page (`family_only`) lets only it in and sends everyone else to the family sign-in; a staff
page sends it to log in. A family route taking ids is also tried with another family's objects (404).
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, update
from werkzeug.exceptions import HTTPException
from werkzeug.test import TestResponse

from contactbook import create_app
from contactbook.auth.access import Access, rule_for
from contactbook.auth.rules import ROLE_PERMISSIONS, Permission, Role
from contactbook.campaigns import services as campaigns
from contactbook.campaigns.links import invitation_token
from contactbook.demo.roster_data import generate_roster, to_csv
from contactbook.extensions import db
from contactbook.grading import services as grading
from contactbook.models import (
    DataRequestKind,
    DataRequestStatus,
    PaymentMethod,
    Plan,
    RosterImport,
    School,
    SchoolLevel,
    SchoolYear,
    Subscription,
)
from contactbook.models.base import utcnow
from contactbook.notices.services import Audience, create_notice
from contactbook.public_site.services import post_announcement
from contactbook.subscriptions.services import record_payment
from tests import conftest
from tests.data_requests.factories import make_request
from tests.factories import PASSWORD, STAFF_ROLES, SchoolPeople, World, make_world
from tests.family.support import sign_in_family
from tests.leave_requests.factories import waiting_request
from tests.roster.factories import ClassWorld, make_class_world, make_guardian, make_student
from tests.subscriptions.payment_factories import monthly_plan, service_on, subscribe
from tests.support import ConnectionSession

OWN = "alpha"
OTHER = "beta"
SCHOOL_HOST = f"http://{OWN}.contactbook.test"  # BASE_DOMAIN is contactbook.test in the tests
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
LOGIN_ENDPOINTS = frozenset({"auth.platform_login", "auth.school_login"})
FAMILY_SIGN_IN = "family.sign_in"
# The family of the world: the mother of each school's class world has this number in alpha and in beta, so
# alpha's student, guardian, subscription and payment (PARAMETER_VALUES) are the family's own.
FAMILY_PHONE = "+84912345678"
STRANGER_PHONE = "+84987654321"


# --- The world, reduced to plain values that outlive any session ---------------------------------


@dataclass(frozen=True)
class Ids:
    """Database ids of the module's world: schools by slug, staff by slug then username, roster objects by slug."""

    school: dict[str, int]
    staff: dict[str, dict[str, int]]
    # Per school: a class taught by "teacher" and led by "homeroom", a student of it, its guardian, an assignment,
    # a pending roster import, a plan of the paid service and the guardian's subscription for the student,
    # a payment for that subscription, and the guardian's family's data requests (an erasure waiting, a copy
    # provided), a waiting leave request and an announcement of its public page.
    roster: dict[str, dict[str, int]] = field(default_factory=dict)
    # Per school, a notice to class 6A1 by each staff account that may send one, by username: staff without
    # `roster.view_all` open only their own notices.
    notices: dict[str, dict[str, int]] = field(default_factory=dict)
    # Another family of alpha's class 6A1: its child ("student") and its guardian record ("guardian").
    stranger: dict[str, int] = field(default_factory=dict)
    # The officer's authority's registration campaign: a registration waiting for review, and the signed link of
    # an invitation not yet registered.
    campaign: dict[str, int | str] = field(default_factory=dict)


# Values for URL parameters, by parameter name: a route of school alpha, reached with alpha's objects.
PARAMETER_VALUES: dict[str, Callable[[Ids], str | int]] = {
    "school_slug": lambda ids: OWN,
    "user_id": lambda ids: ids.staff[OWN]["teacher"],
    "school_id": lambda ids: ids.school[OWN],
    "filename": lambda ids: "app.css",
    "class_id": lambda ids: ids.roster[OWN]["class"],
    "student_id": lambda ids: ids.roster[OWN]["student"],
    "guardian_id": lambda ids: ids.roster[OWN]["guardian"],
    "assignment_id": lambda ids: ids.roster[OWN]["assignment"],
    "import_id": lambda ids: ids.roster[OWN]["import"],
    "plan_id": lambda ids: ids.roster[OWN]["plan"],
    "subscription_id": lambda ids: ids.roster[OWN]["subscription"],
    "payment_id": lambda ids: ids.roster[OWN]["payment"],
    "notice_id": lambda ids: ids.notices[OWN]["admin"],
    "subject_id": lambda ids: ids.roster[OWN]["subject"],
    "number": lambda ids: 1,
    "column": lambda ids: "gk",
    "score_id": lambda ids: ids.roster[OWN]["score"],
    "request_id": lambda ids: ids.roster[OWN]["data_request"],
    "copy_id": lambda ids: ids.roster[OWN]["provided_copy"],
    "leave_id": lambda ids: ids.roster[OWN]["leave"],
    "announcement_id": lambda ids: ids.roster[OWN]["announcement"],
    "campaign_id": lambda ids: ids.campaign["campaign"],
    "registration_id": lambda ids: ids.campaign["registration"],
    "invitation_token": lambda ids: ids.campaign["token"],
    "token": lambda ids: f"{ids.school[OWN]}.not-a-valid-token",  # a set-password link: spent or unknown
}
# Parameters naming an object that belongs to one staff member: the acting staff member's own, when it has one.
ACTOR_VALUES: dict[str, Callable[[Ids, str], str | int]] = {
    "notice_id": lambda ids, username: ids.notices[OWN].get(username, ids.notices[OWN]["admin"]),
}
# For a school route's object parameters: an object of the other school (alpha's URL, beta's object).
OTHER_SCHOOL_VALUES: dict[str, Callable[[Ids], str | int]] = {
    "user_id": lambda ids: ids.staff[OTHER]["teacher"],
    "class_id": lambda ids: ids.roster[OTHER]["class"],
    "student_id": lambda ids: ids.roster[OTHER]["student"],
    "guardian_id": lambda ids: ids.roster[OTHER]["guardian"],
    "assignment_id": lambda ids: ids.roster[OTHER]["assignment"],
    "import_id": lambda ids: ids.roster[OTHER]["import"],
    "plan_id": lambda ids: ids.roster[OTHER]["plan"],
    "subscription_id": lambda ids: ids.roster[OTHER]["subscription"],
    "payment_id": lambda ids: ids.roster[OTHER]["payment"],
    "notice_id": lambda ids: ids.notices[OTHER]["admin"],
    "subject_id": lambda ids: ids.roster[OTHER]["subject"],
    "number": lambda ids: 1,
    "column": lambda ids: "gk",
    "score_id": lambda ids: ids.roster[OTHER]["score"],
    "request_id": lambda ids: ids.roster[OTHER]["data_request"],
    "copy_id": lambda ids: ids.roster[OTHER]["provided_copy"],
    "leave_id": lambda ids: ids.roster[OTHER]["leave"],
    "announcement_id": lambda ids: ids.roster[OTHER]["announcement"],
    "token": lambda ids: f"{ids.school[OTHER]}.not-a-valid-token",
}
# For a family route's object parameters: another family's object (its child, its guardian record, ...). A family
# route taking a parameter missing here fails `test_family_route_hides_objects_of_another_family`: add it.
OTHER_FAMILY_VALUES: dict[str, Callable[[Ids], str | int]] = {
    "student_id": lambda ids: ids.stranger["student"],
    "guardian_id": lambda ids: ids.stranger["guardian"],
    "notice_id": lambda ids: ids.notices[OWN]["admin"],  # to the whole class: the stranger's child too
    "copy_id": lambda ids: ids.stranger["provided_copy"],
    "subscription_id": lambda ids: ids.stranger["subscription"],
    "payment_id": lambda ids: ids.stranger["payment"],
    "school_id": lambda ids: max(ids.school.values()) + 1,  # the family has guardian records in every school
    "number": lambda ids: 1,
    "column": lambda ids: "gk",
    "leave_id": lambda ids: ids.stranger["leave"],
}
# The grade book decides on the object too: of the actors holding the route's permission, only these get
# past it, the others get 403. The class is taught Toán by "teacher" and led by "homeroom"; the admin
# (roster.view_all) sees everything read-only.
GRADE_BOOK_HOLDERS: dict[tuple[str, str], frozenset[str]] = {
    ("grades.grid", "POST"): frozenset({"teacher"}),
    ("grades.import_sheet", "POST"): frozenset({"teacher"}),
    ("grades.publish", "GET"): frozenset({"teacher"}),
    ("grades.publish", "POST"): frozenset({"teacher"}),
    ("grades.correct", "GET"): frozenset({"teacher"}),
    ("grades.correct", "POST"): frozenset({"teacher"}),
    ("grades.class_summary", "GET"): frozenset({"homeroom", "admin"}),
    ("grades.class_summary", "POST"): frozenset({"homeroom"}),
    ("grades.summary_export", "GET"): frozenset({"homeroom", "admin"}),
    # A preschool class's daily notes: its homeroom teacher, or staff who see every class.
    ("daily_notes.class_notes", "GET"): frozenset({"homeroom", "admin"}),
    ("daily_notes.class_notes", "POST"): frozenset({"homeroom", "admin"}),
    ("leave_requests.detail", "GET"): frozenset({"homeroom", "admin"}),  # the class's homeroom teacher, or all
    ("leave_requests.detail", "POST"): frozenset({"homeroom", "admin"}),
    # Attendance: the homeroom teacher and staff seeing every class (a subject teacher only where periods are marked).
    ("attendance.class_page", "GET"): frozenset({"homeroom", "admin"}),
    ("attendance.class_page", "POST"): frozenset({"homeroom", "admin"}),
}
# Pages of preschools only (any other school answers 404): each of their cases runs with alpha made a preschool.
PRESCHOOL_ENDPOINTS = ("daily_notes.", "family_daily_notes.")


# --- Actors ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who makes the request: anonymous, a platform account, staff of a school, or a family (no staff account)."""

    name: str
    username: str | None = None  # None: no staff account (anonymous, or a family)
    school: str | None = None  # slug of the account's school; None for platform accounts
    permissions: frozenset[Permission] = frozenset()
    operator: bool = False
    officer: bool = False
    family: str | None = None  # a family signed in at the portal with this number

    def __str__(self) -> str:
        return self.name


def _staff(name: str, role: Role | None, school: str = OWN, username: str | None = None) -> Actor:
    """A school account holding `role` (or none), with the permissions the role map gives it."""
    permissions = ROLE_PERMISSIONS[role] if role is not None else frozenset()
    return Actor(name, username or name, school, permissions)


ACTORS: tuple[Actor, ...] = (
    Actor("anonymous"),
    Actor("operator", "op", operator=True),
    Actor("officer", "officer", officer=True),
    _staff("admin", Role.SCHOOL_ADMIN),
    *(_staff(name, role) for name, role in STAFF_ROLES.items()),
    _staff(f"{OTHER}_admin", Role.SCHOOL_ADMIN, school=OTHER, username="admin"),
    Actor("family", family=FAMILY_PHONE),
)
ADMIN = next(actor for actor in ACTORS if actor.name == "admin")
FAMILY = next(actor for actor in ACTORS if actor.name == "family")


# --- Expected answers -----------------------------------------------------------------------------


class Answer(enum.Enum):
    REACHABLE = "reachable (public): not 401/403/404/5xx, not sent to log in"
    ALLOWED = "allowed past authorization: 2xx, a redirect not to a login page, or 400 for an empty POST"
    FORBIDDEN = "403"
    NOT_FOUND = "404"
    SCHOOL_LOGIN = f"a redirect to the login page of school {OWN}, with next="
    PLATFORM_LOGIN = "a redirect to /login, with next="
    FAMILY_SIGN_IN = "a redirect to the family sign-in page, with next="


def expected_answer(rule: Access, actor: Actor, dev_pages: bool) -> Answer:
    """What `actor` must get from a route of school alpha (or the platform) declaring `rule`."""
    if rule.kind == "public":
        return Answer.REACHABLE
    if rule.kind == "webhook":
        return Answer.FORBIDDEN  # no session opens it: only a provider's valid signature does
    if rule.kind == "family":
        return Answer.ALLOWED if actor.family else Answer.FAMILY_SIGN_IN  # a staff session opens no family page
    # A family is no staff account: a staff page sends it to log in, as anyone without one.
    if rule.kind == "dev":
        if not dev_pages:
            return Answer.NOT_FOUND
        return Answer.PLATFORM_LOGIN if actor.username is None else Answer.REACHABLE  # any signed-in account
    if rule.kind == "school":
        if actor.username is None or actor.school != OWN:
            return Answer.SCHOOL_LOGIN
        if rule.permission is not None and rule.permission not in actor.permissions:
            return Answer.FORBIDDEN
        return Answer.ALLOWED
    if actor.username is None:
        return Answer.PLATFORM_LOGIN
    if rule.kind == "platform":  # any platform account's own pages
        return Answer.ALLOWED if actor.operator or actor.officer else Answer.FORBIDDEN
    entitled = actor.operator if rule.kind == "operator" else actor.officer
    return Answer.ALLOWED if entitled else Answer.FORBIDDEN


@dataclass(frozen=True)
class LoginRedirect:
    """A redirect to a login page: which one, for which school, and the `next` it carries."""

    endpoint: str
    school_slug: str | None
    next: str | None


def login_redirect(app: Flask, response: TestResponse) -> LoginRedirect | None:
    """The login page `response` redirects to, or None if it is not such a redirect."""
    if not 300 <= response.status_code < 400:
        return None
    target = urlsplit(response.headers.get("Location", ""))
    try:
        endpoint, args = app.url_map.bind("localhost").match(target.path, method="GET")
    except HTTPException:
        return None
    if endpoint not in LOGIN_ENDPOINTS | {FAMILY_SIGN_IN}:
        return None
    next_values = parse_qs(target.query).get("next")
    return LoginRedirect(endpoint, args.get("school_slug"), next_values[0] if next_values else None)


def mismatch(app: Flask, expected: Answer, response: TestResponse, method: str, url: str) -> str | None:
    """Why `response` is not the `expected` answer to `method url`; None when it is."""
    status = response.status_code
    login = login_redirect(app, response)
    if expected is Answer.FORBIDDEN:
        ok = status == 403
    elif expected is Answer.NOT_FOUND:
        ok = status == 404
    elif expected is Answer.SCHOOL_LOGIN:
        ok = login == LoginRedirect("auth.school_login", OWN, url)
    elif expected is Answer.PLATFORM_LOGIN:
        ok = login == LoginRedirect("auth.platform_login", None, url)
    elif expected is Answer.FAMILY_SIGN_IN:
        ok = login == LoginRedirect(FAMILY_SIGN_IN, None, url)
    elif expected is Answer.REACHABLE:
        # A public view may itself send someone to log in (logout, /home); the access hook's refusal carries next=.
        ok = status < 500 and status not in (401, 403, 404) and not (login and login.next is not None)
    else:
        ok = 200 <= status < 300 or (300 <= status < 400 and login is None) or (status == 400 and method == "POST")
    if ok:
        return None
    location = response.headers.get("Location")
    return f"expected {expected.value}; got {status}" + (f" → {location}" if location else "")


# --- Cases, from the URL map ----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One method of one URL rule."""

    endpoint: str
    rule: str
    method: str
    arguments: tuple[str, ...]


def routes_of(app: Flask) -> list[Route]:
    """Every (rule, method) of `app`, HEAD and OPTIONS aside, in a stable order."""
    routes = [
        Route(rule.endpoint, rule.rule, method, tuple(sorted(rule.arguments)))
        for rule in app.url_map.iter_rules()
        for method in sorted((rule.methods or set()) - IGNORED_METHODS)
    ]
    return sorted(routes, key=lambda r: (r.endpoint, r.rule, r.method))


def _route_map() -> list[Route]:
    """The routes of an app built only to read its URL map: it never touches a database or Redis."""
    settings = {
        "APP_ENV": "test",
        "TESTING": True,
        "SECRET_KEY": "route-map-only",
        "DATABASE_URL": "sqlite://",
        "REDIS_URL": "memory://",
        # Off, so Flask-Limiter keeps no storage from this app; the test app's init_app turns it back on.
        "RATELIMIT_ENABLED": False,
    }
    return routes_of(create_app(settings))


ROUTES = _route_map()
_ENDPOINT_RULES = {route.endpoint: {r.rule for r in ROUTES if r.endpoint == route.endpoint} for route in ROUTES}


def _case_id(route: Route, who: str) -> str:
    """`endpoint-METHOD-who`, plus the rule when one endpoint has several rules."""
    suffix = f"[{route.rule}]" if len(_ENDPOINT_RULES[route.endpoint]) > 1 else ""
    return f"{route.endpoint}{suffix}-{route.method}-{who}"


MATRIX = [pytest.param(route, actor, id=_case_id(route, actor.name)) for route in ROUTES for actor in ACTORS]
# School routes whose URL names objects besides the school itself (ids): each is tried with beta's objects.
CROSS_SCHOOL = [
    pytest.param(route, id=_case_id(route, f"{OTHER}_object"))
    for route in ROUTES
    if "school_slug" in route.arguments and len(route.arguments) > 1
]
# Family routes whose URL names objects: each is tried with another family's objects.
CROSS_FAMILY = [
    pytest.param(route, id=_case_id(route, "other_family_object"))
    for route in ROUTES
    if route.rule.startswith("/family/") and route.arguments
]


# --- Fixtures: one app with CSRF off, one world per module, a savepoint rolled back per test -------


@dataclass(frozen=True)
class Matrix:
    """The app under test and the ids of the module's world."""

    app: Flask
    ids: Ids

    def declared_rule(self, endpoint: str) -> Access:
        """The access rule of `endpoint`; fails the test if the view declares none."""
        return declared_rule(self.app, endpoint)

    def url(self, route: Route, values: dict[str, Callable[[Ids], str | int]]) -> str:
        """The URL of `route` with its parameters taken from `values` (alpha's by default)."""
        missing = [name for name in route.arguments if name not in values]
        if missing:
            pytest.fail(
                f"{route.rule} ({route.endpoint}) takes URL parameter(s) {missing} that the authorization "
                f"matrix has no value for: add them to PARAMETER_VALUES (and OTHER_SCHOOL_VALUES for an "
                f"object of a school, OTHER_FAMILY_VALUES for an object of a family) in {__name__}."
            )
        adapter = self.app.url_map.bind("localhost")
        arguments = {name: values[name](self.ids) for name in route.arguments}
        url = adapter.build(route.endpoint, arguments, method=route.method)
        matched, _ = adapter.match(url, method=route.method, return_rule=True)
        assert matched.rule == route.rule, f"{url} was built for {route.rule} but routes to {matched.rule}"
        return url

    def client_as(self, actor: Actor, school_host: str | None = None) -> FlaskClient:
        """A client logged in as `actor` through the real login form (anonymous: not logged in); a family is
        signed in as a proved sign-in would (`tests.family.support`; the sign-in itself has its own tests).

        With `school_host`, the login happens on that school's own host, where /login is its login page.
        """
        client = self.app.test_client()
        if actor.family is not None:
            sign_in_family(self.app, client, phone=actor.family)
        if actor.username is not None:
            if school_host is not None:
                login_url = "/login"
            else:
                login_url = "/login" if actor.school is None else f"/s/{actor.school}/login"
            response = client.post(
                login_url,
                data={"username": actor.username, "password": PASSWORD},
                base_url=school_host or "http://localhost",
            )
            assert response.status_code == 302, f"{actor} could not log in at {login_url}: {response.status_code}"
            assert login_redirect(self.app, response) is None, f"{actor} was sent back to log in"
        return client


def declared_rule(app: Flask, endpoint: str) -> Access:
    """The access rule the view behind `endpoint` declares; fails the test if it declares none."""
    with app.app_context():
        rule = rule_for(endpoint)
    if rule is None:
        pytest.fail(
            f"The view of {endpoint} declares no access rule, so every request to it is refused: decorate it "
            "with public, school_member(permission), operator_only, authority_only or dev_only "
            "(contactbook/auth/access.py)."
        )
    return rule


def pending_import(year: SchoolYear) -> RosterImport:
    """A roster upload of `year`'s school waiting for confirmation (one valid row)."""
    rows = generate_roster([("6A1", 6)], 1, year_start=year.starts_on.year, id_prefix=f"7{year.school_id:03d}")
    record = RosterImport(
        school_id=year.school_id, school_year_id=year.id, filename="roster.csv", content=to_csv(rows), summary={}
    )
    db.session.add(record)
    db.session.commit()
    return record


def paid_service(people: SchoolPeople, roster: ClassWorld) -> dict[str, int]:
    """The school's paid service switched on, a monthly plan, and the guardian's subscription for the student."""
    service_on(people)
    plan = monthly_plan(people)
    subscription = subscribe(
        people, roster.guardian, roster.student, plan, date.today(), purposes={"grades_sms"}, actor=people.admin
    )
    return {"plan": plan.id, "subscription": subscription.id}


def recorded_payment(people: SchoolPeople, subscription_id: int) -> int:
    """A cash payment for the subscription, with its receipt: the id of the payment."""
    subscription = db.session.get(Subscription, subscription_id)
    assert subscription is not None
    recorded = record_payment(
        people.school,
        people.staff["accountant"],
        subscription=subscription,
        amount=subscription.charge,
        paid_on=date.today(),
        method=PaymentMethod.CASH,
        payer=subscription.guardian.full_name,
    )
    return recorded.payment.id


def notices_by_author(people: SchoolPeople, roster: ClassWorld) -> dict[str, int]:
    """A notice to the class by the admin and by each staff account whose role may send notices: ids by username."""
    authors = {"admin": people.admin} | {
        username: user
        for username, user in people.staff.items()
        if (role := STAFF_ROLES[username]) is not None and Permission.NOTICES_SEND in ROLE_PERMISSIONS[role]
    }
    audience = Audience("classes", (roster.school_class.id,))
    return {
        username: create_notice(
            people.school,
            user,
            title=username,
            body="Họp phụ huynh.",
            category="general",
            urgent=False,
            audience=audience,
        ).id
        for username, user in authors.items()
    }


def published_score(people: SchoolPeople, roster: ClassWorld) -> int:
    """The student's Toán midterm of semester I, entered and published by "teacher": the id of the score."""
    semester = roster.year.semesters[0]
    grid = grading.load_grid(roster.school_class, roster.subject, semester)
    grading.save_grid(people.school, people.staff["teacher"], grid, {f"s-{roster.student.id}-gk": "8,5"})
    grid = grading.load_grid(roster.school_class, roster.subject, semester)
    column = grid.column("gk")
    assert column is not None
    grading.publish(people.school, people.staff["teacher"], grid, column)
    return grid.scores[(roster.student.id, "gk")].id


def data_requests(roster: ClassWorld) -> dict[str, int]:
    """The guardian's family asked for the erasure of its data (waiting) and for a copy (provided)."""
    erasure = make_request(roster.guardian, DataRequestKind.ERASURE)
    copy = make_request(roster.guardian, DataRequestKind.COPY, DataRequestStatus.PROVIDED)
    return {"data_request": erasure.id, "provided_copy": copy.id}


def public_announcement(people: SchoolPeople) -> int:
    """An announcement on the school's public page, by its admin: its id."""
    today = date.today()
    row = post_announcement(
        people.school, people.admin, title="Khai giảng", body="Ngày 5/9.", published_on=today, today=today
    )
    return row.id


def registration_campaign(world: World) -> dict[str, int | str]:
    """A campaign of the officer's authority, open today: one school registered (waiting), one only invited."""
    today = date.today()
    campaign = campaigns.open_campaign(
        world.officer,
        authority=world.ward,
        title="Đăng ký 2026",
        school_year="2026-2027",
        opens_on=today - timedelta(days=30),
        deadline=today + timedelta(days=30),
    )
    rows = [
        campaigns.InvitationRow(f"Trường {n}", SchoolLevel.PRIMARY, f"{n}@school.example.vn", world.ward.id)
        for n in "gh"
    ]
    registered, invited = campaigns.import_invitations(world.officer, campaign, rows, [world.ward.id])
    registration = campaigns.register(
        registered,
        campaigns.RegistrationData(
            school_name="Trường g",
            level=SchoolLevel.PRIMARY,
            address="1 Lê Lợi",
            requested_slug="gamma",
            admin_full_name="Hiệu trưởng",
            admin_email="ht@school.example.vn",
            admin_phone="+84912345670",
        ),
        utcnow(),
    )
    return {"campaign": campaign.id, "registration": registration.id, "token": invitation_token(invited.id)}


def _session_on(connection: Connection) -> None:
    """Point `db.session` at `connection`; the services' commits become savepoints in its transaction.

    `ConnectionSession`, because Flask-SQLAlchemy's own session ignores `bind=` (see tests/support.py).
    """
    db.session = db._make_scoped_session(
        {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": ConnectionSession}
    )


@pytest.fixture(scope="module")
def matrix_app(app: Flask, urls: dict[str, str]) -> Flask:
    """The application with CSRF checks off, so each case costs one login and one request.

    Depends on the session `app`, which migrates the shared test database.
    """
    return create_app({**conftest.app_settings(urls), "WTF_CSRF_ENABLED": False})


@pytest.fixture(scope="module")
def world_ids(matrix_app: Flask) -> Iterator[tuple[Connection, Ids]]:
    """Build the two-school world once, in a transaction that is rolled back after the module."""
    with matrix_app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    _session_on(connection)
    try:
        with matrix_app.test_request_context():
            world = make_world()
            schools = {people.slug: people for people in (world.a, world.b)}
            rosters = {slug: make_class_world(people) for slug, people in schools.items()}
            ids = Ids(
                school={people.slug: people.school.id for people in (world.a, world.b)},
                staff={
                    people.slug: {"admin": people.admin.id} | {name: user.id for name, user in people.staff.items()}
                    for people in (world.a, world.b)
                },
                roster={
                    slug: {
                        "class": roster.school_class.id,
                        "student": roster.student.id,
                        "guardian": roster.guardian.id,
                        "assignment": roster.assignment.id,
                        "import": pending_import(roster.year).id,
                        "subject": roster.subject.id,
                    }
                    | paid_service(schools[slug], roster)
                    for slug, roster in rosters.items()
                },
            )
            stranger = make_student(world.a, rosters[OWN].school_class, "Lê Thị Khác", "790100000099")
            guardian = make_guardian(world.a, [stranger], "Người khác", phone=STRANGER_PHONE)
            stranger_copy = make_request(guardian, DataRequestKind.COPY, DataRequestStatus.PROVIDED)
            ids.stranger.update(student=stranger.id, guardian=guardian.id, provided_copy=stranger_copy.id)
            ids.stranger.update(leave=waiting_request(rosters[OWN], stranger, guardian))
            plan = db.session.get_one(Plan, ids.roster[OWN]["plan"])
            stranger_subscription = subscribe(
                schools[OWN], guardian, stranger, plan, date.today(), purposes={"grades_sms"}, actor=world.a.admin
            )
            ids.stranger.update(
                subscription=stranger_subscription.id,
                payment=recorded_payment(schools[OWN], stranger_subscription.id),
            )
            for slug, objects in ids.roster.items():
                objects["payment"] = recorded_payment(schools[slug], objects["subscription"])
                objects["score"] = published_score(schools[slug], rosters[slug])
                objects |= data_requests(rosters[slug])
                objects["leave"] = waiting_request(rosters[slug])
                objects["announcement"] = public_announcement(schools[slug])
                ids.notices[slug] = notices_by_author(schools[slug], rosters[slug])
            ids.campaign.update(registration_campaign(world))
        yield connection, ids
    finally:
        db.session = original
        outer.rollback()
        connection.close()


def as_preschool(request: pytest.FixtureRequest, connection: Connection, ids: Ids) -> None:
    """For a case of a preschool's page (`PRESCHOOL_ENDPOINTS`), alpha is a preschool (within the case's savepoint)."""
    route = getattr(getattr(request.node, "callspec", None), "params", {}).get("route")
    if isinstance(route, Route) and route.endpoint.startswith(PRESCHOOL_ENDPOINTS):
        connection.execute(update(School).where(School.id == ids.school[OWN]).values(level=SchoolLevel.PRESCHOOL))


@pytest.fixture
def matrix(matrix_app: Flask, world_ids: tuple[Connection, Ids], request: pytest.FixtureRequest) -> Iterator[Matrix]:
    """The app and world for one test; whatever the test changes is rolled back afterwards."""
    connection, ids = world_ids
    savepoint = connection.begin_nested()
    try:
        as_preschool(request, connection, ids)
        yield Matrix(matrix_app, ids)
    finally:
        savepoint.rollback()


# --- Tests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("route", "actor"), MATRIX)
def test_route_answers_actor_as_its_access_rule_declares(route: Route, actor: Actor, matrix: Matrix) -> None:
    rule = matrix.declared_rule(route.endpoint)
    own = {name: functools.partial(value, username=actor.username or "") for name, value in ACTOR_VALUES.items()}
    url = matrix.url(route, PARAMETER_VALUES | own)
    expected = expected_answer(rule, actor, dev_pages=bool(matrix.app.config["DEV_PAGES"]))
    holders = GRADE_BOOK_HOLDERS.get((route.endpoint, route.method))
    if expected is Answer.ALLOWED and holders is not None and actor.name not in holders:
        expected = Answer.FORBIDDEN
    response = matrix.client_as(actor).open(url, method=route.method)
    problem = mismatch(matrix.app, expected, response, route.method, url)
    assert problem is None, f"{route.method} {url} as {actor} ({rule}): {problem}"


@pytest.mark.parametrize("route", CROSS_SCHOOL)
def test_school_route_hides_objects_of_another_school(route: Route, matrix: Matrix) -> None:
    matrix.declared_rule(route.endpoint)
    url = matrix.url(route, {"school_slug": PARAMETER_VALUES["school_slug"], **OTHER_SCHOOL_VALUES})
    response = matrix.client_as(ADMIN).open(url, method=route.method)
    assert response.status_code == 404, (
        f"{route.method} {url}: the admin of {OWN} reached an object of {OTHER} ({response.status_code})"
    )


@pytest.mark.parametrize("route", CROSS_FAMILY)
def test_family_route_hides_objects_of_another_family(route: Route, matrix: Matrix) -> None:
    rule = matrix.declared_rule(route.endpoint)
    if rule.kind != "family":
        pytest.skip(f"{route.endpoint} is {rule.kind}, not a family page")
    url = matrix.url(route, OTHER_FAMILY_VALUES)
    response = matrix.client_as(FAMILY).open(url, method=route.method)
    assert response.status_code == 404, (
        f"{route.method} {url}: the family reached another family's object ({response.status_code})"
    )


def test_matrix_covers_every_route_of_the_app(app: Flask) -> None:
    assert routes_of(app) == ROUTES


def test_route_without_access_rule_is_refused_and_fails_the_matrix(urls: dict[str, str]) -> None:
    app = create_app({**conftest.app_settings(urls), "WTF_CSRF_ENABLED": False})
    app.add_url_rule("/no-rule", "no_rule", lambda: "reached")

    assert app.test_client().get("/no-rule").status_code == 403
    with pytest.raises(pytest.fail.Exception, match="declares no access rule"):
        declared_rule(app, "no_rule")
    assert Route("no_rule", "/no-rule", "GET", ()) in routes_of(app)


def test_route_with_unknown_url_parameter_fails_the_matrix(matrix_app: Flask) -> None:
    route = Route("schools.bus_detail", "/s/<school_slug>/buses/<int:bus_id>", "GET", ("bus_id", "school_slug"))

    with pytest.raises(pytest.fail.Exception, match=r"\['bus_id'\] that the authorization matrix has no value for"):
        Matrix(matrix_app, Ids(school={}, staff={})).url(route, PARAMETER_VALUES)


def test_school_host_serves_that_schools_pages(matrix: Matrix) -> None:
    client = matrix.client_as(ADMIN, school_host=SCHOOL_HOST)

    response = client.get("/staff/", base_url=SCHOOL_HOST)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"teacher {OWN}" in page
    assert f"teacher {OTHER}" not in page


def test_school_host_answers_404_for_another_schools_path(matrix: Matrix) -> None:
    client = matrix.client_as(ADMIN, school_host=SCHOOL_HOST)

    assert client.get(f"/s/{OTHER}/staff/", base_url=SCHOOL_HOST).status_code == 404
    assert client.get(f"/s/{OTHER}/login", base_url=SCHOOL_HOST).status_code == 404


def test_school_host_serves_the_assets_and_forms_its_pages_link(matrix: Matrix) -> None:
    client = matrix.client_as(ADMIN, school_host=SCHOOL_HOST)
    page = client.get("/staff/", base_url=SCHOOL_HOST).get_data(as_text=True)

    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert stylesheet, "no stylesheet on the staff page"
    assert client.get(stylesheet.group(1), base_url=SCHOOL_HOST).status_code == 200
    actions = re.findall(r'<form method="post" action="([^"]+)"', page)
    assert "/lang" in actions
    for action in sorted(actions, key=lambda a: "logout" in a):  # log out last
        response = client.post(action, data={}, base_url=SCHOOL_HOST)
        assert response.status_code == 302, f"the form posting to {action} is not served on the school's host"
