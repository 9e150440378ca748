"""A school's home page: the figures an admin checks, a teacher's own classes, and exactly the pages a role may open."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contactbook.auth.access import permissions_of
from contactbook.extensions import db
from contactbook.models import Message, MessageStatus, User
from contactbook.roster.services import current_year
from contactbook.schools import home
from contactbook.subscriptions.services import payments
from contactbook.timezones import school_today
from tests.factories import World, login
from tests.roster.factories import ClassWorld, assign, make_class, make_class_world, make_guardian, make_student
from tests.subscriptions.payment_factories import YEAR_START, monthly_plan, pay, service_on, subscribe, year_plan
from tests.support import browser, page

ROLES = ("admin", "principal", "accountant", "teacher", "homeroom", "norole")


def signed_in(app: Flask, username: str, slug: str = "alpha") -> FlaskClient:
    client = browser(app)
    assert login(client, username, slug).status_code == 302
    return client


def add_message(roster: ClassWorld, key: str, status: MessageStatus, cost: int, sent_at: datetime) -> None:
    db.session.add(
        Message(
            school_id=roster.guardian.school_id,
            kind="notice",
            category="general",
            guardian_id=roster.guardian.id,
            student_id=roster.student.id,
            channel="sms",
            to_address="+84912345678",
            body="THCS Alpha: hop phu huynh.",
            dedupe_key=f"home-test:{key}",
            status=status,
            cost=cost,
            created_at=sent_at,
            sent_at=sent_at if status != MessageStatus.QUEUED else None,
        )
    )
    db.session.commit()


@pytest.fixture
def figures_world(world: World) -> ClassWorld:
    """Alpha: 3 active students and one who left; 2 families on a running monthly plan (one paid), one family
    on last year's plan flagged unpaid (30.000 of 100.000 paid); 2 SMS billed this month (700 đ), one last
    month and one still queued. Beta has its own student, family and SMS, none of which may count in alpha."""
    people = world.a
    roster = make_class_world(people)
    second = make_student(people, roster.school_class, "Lê Văn Cường", "790100000002")
    third = make_student(people, roster.school_class, "Phạm Thị Hoa", "790100000003")
    make_student(people, roster.school_class, "Đỗ Văn Đi", "790100000004", left=True)
    father = make_guardian(people, [second], "Lê Văn Dũng", phone="+84912345679")
    aunt = make_guardian(people, [third], "Phạm Thị Lan", phone="+84912345670")
    service_on(people)
    monthly = monthly_plan(people)
    subscribe(people, roster.guardian, roster.student, monthly, school_today())
    paid_up = subscribe(people, father, second, monthly, school_today())
    pay(people, paid_up, paid_up.charge, school_today())
    old = subscribe(people, aunt, third, year_plan(people), YEAR_START)
    pay(people, old, 30_000, YEAR_START)

    now = datetime.now(UTC)
    month_start = now.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).replace(day=1, hour=0, minute=0, second=0)
    add_message(roster, "a", MessageStatus.DELIVERED, 250, month_start.astimezone(UTC) + timedelta(minutes=1))
    add_message(roster, "b", MessageStatus.SENT, 450, now - timedelta(minutes=1))
    add_message(roster, "c", MessageStatus.DELIVERED, 900, month_start.astimezone(UTC) - timedelta(minutes=1))
    add_message(roster, "d", MessageStatus.QUEUED, 0, now)

    beta = make_class_world(world.b)
    service_on(world.b)
    subscribe(world.b, beta.guardian, beta.student, monthly_plan(world.b), school_today())
    add_message(beta, "beta", MessageStatus.SENT, 5000, now - timedelta(minutes=1))
    return roster


def alpha_figures(world: World) -> home.Figures:
    school, today = world.a.school, school_today()
    return home.school_figures(school, current_year(school, today), today, ZoneInfo("Asia/Ho_Chi_Minh"))


def test_the_figures_count_only_the_school_and_this_month(world: World, figures_world: ClassWorld) -> None:
    figures = alpha_figures(world)
    assert figures == home.Figures(
        students=3, families_subscribed=2, messages_sent=2, messages_cost=700, unpaid_families=1, unpaid_amount=70_000
    )


def test_the_unpaid_figure_agrees_with_the_unpaid_list(world: World, figures_world: ClassWorld) -> None:
    flagged = payments.unpaid_flagged(world.a.school, school_today())
    figures = alpha_figures(world)
    assert figures.unpaid_families == len({s.guardian_id for s in flagged})
    assert figures.unpaid_amount == sum(s.charge - payments.paid_for(s) for s in flagged)


def figure(html_page: str, name: str) -> str:
    match = re.search(rf'data-test="{name}">([^<]*)<', html_page)
    assert match, f"no figure {name} on the page"
    return match.group(1)


def test_the_admins_home_shows_the_figures(app: Flask, figures_world: ClassWorld) -> None:
    html_page = page(signed_in(app, "admin").get("/s/alpha/home"))
    shown = {name: figure(html_page, name) for name in ("students", "families-subscribed", "messages-sent")}
    assert shown == {"students": "3", "families-subscribed": "2", "messages-sent": "2"}
    assert figure(html_page, "messages-cost") == "700 đ"
    assert (figure(html_page, "unpaid-families"), figure(html_page, "unpaid-amount")) == ("1", "70.000 đ")


@pytest.mark.parametrize("username", ["teacher", "homeroom", "norole"])
def test_staff_without_the_reports_see_no_figures(app: Flask, figures_world: ClassWorld, username: str) -> None:
    assert 'data-test="figures"' not in page(signed_in(app, username).get("/s/alpha/home"))


# --- Links: exactly the pages a role may open ----------------------------------------------------


def school_pages(app: Flask) -> set[str]:
    """Every page of a school that opens without parameters (GET, only the school in its URL)."""
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set()) and set(rule.arguments) == {"school_slug"}
    }


def test_every_page_of_a_school_is_on_the_home_page_or_reached_from_another(app: Flask) -> None:
    linked = {link.endpoint for section in home.SECTIONS for link in section.links}
    assert school_pages(app) - home.NOT_LINKED == linked
    assert linked.isdisjoint(home.NOT_LINKED)


def home_links(client: FlaskClient) -> set[str]:
    main = page(client.get("/s/alpha/home")).split("<main>", 1)[1]
    return set(re.findall(r'href="(/s/alpha/[^"]*)"', main))


@pytest.mark.parametrize("username", ROLES)
def test_every_link_on_the_home_page_opens(app: Flask, world: World, username: str) -> None:
    make_class_world(world.a)
    client = signed_in(app, username)
    links = home_links(client)
    assert links
    assert {link: client.get(link).status_code for link in links} == dict.fromkeys(links, 200)


@pytest.mark.parametrize("username", ROLES)
def test_the_home_page_links_exactly_the_pages_the_role_may_open(app: Flask, world: World, username: str) -> None:
    user: User = world.a.admin if username == "admin" else world.a.staff[username]
    allowed = {page for page in school_pages(app) - home.NOT_LINKED if home.may_open(page, permissions_of(user))}
    urls = app.url_map.bind("contactbook.test")
    linked = {urls.match(link)[0] for link in home_links(signed_in(app, username))}
    assert linked & school_pages(app) == allowed


def test_the_roster_import_is_linked_for_the_admin_only(app: Flask, world: World) -> None:
    assert "/s/alpha/roster/import/" in home_links(signed_in(app, "admin"))
    assert "/s/alpha/roster/import/" not in home_links(signed_in(app, "principal"))


# --- A teacher's own classes -------------------------------------------------------------------


def test_a_teachers_home_shows_their_classes_grids_and_write_a_notice(app: Flask, world: World) -> None:
    roster = make_class_world(world.a)  # 6A1: taught by "teacher" (Toán), led by "homeroom"
    make_class(world.a, roster.year, "7A2", grade=7)  # nobody's class
    led_by_teacher = make_class(world.a, roster.year, "8A1", grade=8, homeroom=world.a.staff["teacher"])
    assign(world.a, world.a.staff["homeroom"], roster.subject, led_by_teacher)
    c, s = roster.school_class.id, roster.subject.id

    teacher = page(signed_in(app, "teacher").get("/s/alpha/home"))
    assert re.findall(r'data-test="my-class">\s*<strong>([^<]+)</strong>', teacher) == ["Lớp 6A1", "Lớp 8A1"]
    assert f'href="/s/alpha/grades/class/{c}/subject/{s}/semester/1"' in teacher
    assert f'href="/s/alpha/grades/class/{led_by_teacher.id}/summary"' in teacher
    assert f'href="/s/alpha/grades/class/{led_by_teacher.id}/subject/{s}/semester/1"' not in teacher  # not theirs
    assert 'href="/s/alpha/notices/new"' in teacher
    assert "7A2" not in teacher

    homeroom = page(signed_in(app, "homeroom").get("/s/alpha/home"))
    assert f'href="/s/alpha/grades/class/{c}/summary"' in homeroom
    assert f'href="/s/alpha/grades/class/{led_by_teacher.id}/subject/{s}/semester/1"' in homeroom
    assert f'href="/s/alpha/grades/class/{c}/subject/{s}/semester/1"' not in homeroom
