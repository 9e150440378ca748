"""The authority officer and the paid service: uptake and revenue per school (aggregates only), price ceilings.

Schools alpha and beta are under the world's ward, itself under the province. Alpha has four students,
two of them subscribed (130.000 đ collected); beta has two, one subscribed (90.000 đ collected).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from contactbook.extensions import db
from contactbook.models import AuthorityKind, PlanPeriod, PriceCeiling
from contactbook.platform import services as platform
from contactbook.subscriptions import services
from contactbook.subscriptions.reports import (
    CeilingLine,
    PlanOffer,
    SchoolOverview,
    Uptake,
    authority_overview,
    ceilings_over,
)
from tests.factories import PASSWORD, World, csrf_token, login
from tests.roster.factories import make_class_world, make_guardian, make_student
from tests.subscriptions.payment_factories import make_plan, pay, semester_plan, service_on, subscribe, year_plan
from tests.support import browser, flashes, follow, main_text, page, translated

UPTAKE = "/platform/authority/uptake"
CEILINGS = "/platform/authority/ceilings"
DECEMBER = date(2025, 12, 1)


@dataclass
class Service:
    names: list[str]  # every person's name in both schools: none may appear on the officer's pages


@pytest.fixture
def service(world: World) -> Service:
    names: list[str] = []
    alpha = make_class_world(world.a)
    service_on(world.a)
    whole_year, semester = year_plan(world.a), semester_plan(world.a)
    withdrawn = make_plan(world.a, "Gói cũ", 15_000, PlanPeriod.MONTH)
    services.set_plan_active(world.a.school, world.a.admin, withdrawn, False)
    pay(world.a, subscribe(world.a, alpha.guardian, alpha.student, whole_year), 100_000, date(2025, 9, 10))
    second = make_student(world.a, alpha.school_class, "Lê Thị Cúc", "790100000002")
    second_parent = make_guardian(world.a, [second], "Lê Văn Dũng", phone="+84987654321")
    pay(world.a, subscribe(world.a, second_parent, second, semester), 30_000, date(2025, 9, 12))
    others = [make_student(world.a, alpha.school_class, f"Phạm Văn {n}", f"79010000001{n}") for n in (3, 4)]
    names += [alpha.student.full_name, alpha.guardian.full_name, second.full_name, second_parent.full_name]
    names += [s.full_name for s in others]

    beta = make_class_world(world.b)
    service_on(world.b)
    paid = subscribe(world.b, beta.guardian, beta.student, year_plan(world.b, 90_000))
    pay(world.b, paid, 90_000, date(2025, 9, 15))
    extra = make_student(world.b, beta.school_class, "Hoàng Thị Giang", "790200000002")
    names += [extra.full_name]
    names += [u.full_name for people in (world.a, world.b) for u in (people.admin, *people.staff.values())]
    return Service(names)


def signed_in(app: Flask, username: str, slug: str | None = None) -> FlaskClient:
    client = browser(app)
    assert login(client, username, slug).status_code == 302
    return client


def submit(client: FlaskClient, data: dict[str, str]) -> TestResponse:
    return client.post(CEILINGS, data={**data, "csrf_token": csrf_token(client)})


# --- Uptake and revenue ---------------------------------------------------------------------------


def test_the_overview_aggregates_each_school(world: World, service: Service) -> None:
    lines = authority_overview([world.a.school, world.b.school], DECEMBER)

    assert lines == [
        SchoolOverview(
            world.a.school.id,
            world.a.school.name,
            "2025-2026",
            Uptake(4, 2),
            130_000,
            [
                PlanOffer("Gói học kỳ", PlanPeriod.SEMESTER, 60_000),
                PlanOffer("Gói cả năm", PlanPeriod.SCHOOL_YEAR, 100_000),
            ],
        ),
        SchoolOverview(
            world.b.school.id,
            world.b.school.name,
            "2025-2026",
            Uptake(2, 1),
            90_000,
            [PlanOffer("Gói cả năm", PlanPeriod.SCHOOL_YEAR, 90_000)],
        ),
    ]


def test_a_school_without_a_year_or_plans_shows_zeros(app: Flask, world: World) -> None:
    assert authority_overview([world.a.school], DECEMBER) == [
        SchoolOverview(world.a.school.id, world.a.school.name, None, Uptake(0, 0), 0, [])
    ]
    response = signed_in(app, "officer").get(UPTAKE)
    assert response.status_code == 200


def test_the_officer_page_shows_both_schools_and_no_names(app: Flask, world: World, service: Service) -> None:
    response = signed_in(app, "officer").get(UPTAKE)

    assert response.status_code == 200
    text = main_text(response)
    html = page(response)
    # The year 2025-2026 is over: uptake is counted on its last day, when the semester plan has ended.
    assert re.search(rf'data-test="school-{world.a.school.id}"', html)
    assert f"{world.a.school.name} 2025-2026 4 1 25,0% 130.000 đ" in text
    assert f"{world.b.school.name} 2025-2026 2 1 50,0% 90.000 đ" in text
    assert "Gói cả năm: 100.000 đ" in text and "Gói học kỳ: 60.000 đ" in text and "Gói cả năm: 90.000 đ" in text
    assert "Gói cũ" not in text  # withdrawn
    assert "6 2 33,3% 220.000 đ" in text  # all schools
    for name in service.names:
        assert name not in html, name


def test_a_province_officer_sees_the_schools_of_its_whole_subtree(app: Flask, world: World, service: Service) -> None:
    platform.create_officer(
        world.operator, authority=world.province, username="so", full_name="Cán bộ Sở", password=PASSWORD, email=None
    )
    text = main_text(signed_in(app, "so").get(UPTAKE))
    assert world.a.school.name in text and world.b.school.name in text


def test_an_officer_of_another_province_sees_nothing_of_them(app: Flask, world: World, service: Service) -> None:
    elsewhere = platform.create_authority(world.operator, name="Sở khác", kind=AuthorityKind.PROVINCE, parent=None)
    platform.create_officer(
        world.operator, authority=elsewhere, username="other", full_name="Cán bộ khác", password=PASSWORD, email=None
    )
    client = signed_in(app, "other")

    for url in (UPTAKE, CEILINGS):
        text = main_text(client.get(url))
        assert world.a.school.name not in text and world.b.school.name not in text
        assert "130.000" not in text and "90.000" not in text and "Gói" not in text


@pytest.mark.parametrize("username", ["teacher", "admin", "accountant"])
def test_school_staff_cannot_open_the_authority_pages(
    app: Flask, world: World, service: Service, username: str
) -> None:
    client = signed_in(app, username, "alpha")
    assert client.get(UPTAKE).status_code == 403
    assert client.get(CEILINGS).status_code == 403


def test_the_operator_cannot_open_the_authority_pages(app: Flask, world: World) -> None:
    client = signed_in(app, "op")
    assert client.get(UPTAKE).status_code == 403
    assert client.get(CEILINGS).status_code == 403


# --- Price ceilings -------------------------------------------------------------------------------


def ceilings_of(authority_id: int) -> dict[PlanPeriod, int]:
    db.session.expire_all()
    rows = db.session.scalars(select(PriceCeiling).where(PriceCeiling.authority_id == authority_id))
    return {row.period: row.max_price for row in rows}


def test_the_officer_sets_a_ceiling(app: Flask, world: World) -> None:
    client = signed_in(app, "officer")

    response = submit(client, {"set-period": "month", "set-max_price": "30.000"})

    assert ceilings_of(world.ward.id) == {PlanPeriod.MONTH: 30_000}
    shown = follow(client, response)
    assert translated(app, "Ceiling saved.") in flashes(shown)
    assert "30.000 đ" in main_text(shown)
    submit(client, {"set-period": "month", "set-max_price": "25000"})
    assert ceilings_of(world.ward.id) == {PlanPeriod.MONTH: 25_000}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5.000", "The amount cannot be negative."),
        ("0", "The amount must be more than 0 đ."),
        ("25,5", "Write the amount in whole đồng, without decimals, for example 50.000."),
        ("ba mươi", "Write the amount as a number of đồng, for example 50.000."),
        ("", "Write the amount."),
    ],
)
def test_a_ceiling_must_be_a_positive_whole_amount(app: Flask, world: World, typed: str, message: str) -> None:
    response = submit(signed_in(app, "officer"), {"set-period": "month", "set-max_price": typed})

    assert response.status_code == 200
    assert re.findall(r'<p class="error">(.*?)</p>', page(response)) == [translated(app, message)]
    assert ceilings_of(world.ward.id) == {}


def test_an_unknown_period_is_refused(app: Flask, world: World) -> None:
    response = submit(signed_in(app, "officer"), {"set-period": "decade", "set-max_price": "30.000"})
    assert response.status_code == 200
    assert ceilings_of(world.ward.id) == {}


@pytest.mark.parametrize("max_price", [0, -30_000, 100_000_001])
def test_the_service_refuses_a_ceiling_that_is_no_positive_amount(world: World, max_price: int) -> None:
    with pytest.raises(services.SubscriptionError, match="positive number"):
        services.set_price_ceiling(world.ward, world.officer, PlanPeriod.MONTH, max_price)
    db.session.rollback()
    assert ceilings_of(world.ward.id) == {}


def test_the_officer_removes_its_own_ceiling(app: Flask, world: World) -> None:
    services.set_price_ceiling(world.ward, world.officer, PlanPeriod.SEMESTER, 80_000)
    client = signed_in(app, "officer")

    response = submit(client, {"remove": "1", "remove-period": "semester"})

    assert response.status_code == 302
    assert ceilings_of(world.ward.id) == {}
    assert translated(app, "Ceiling removed.") in flashes(follow(client, response))


def test_ceilings_from_above_are_shown_but_cannot_be_removed(app: Flask, world: World, service: Service) -> None:
    services.set_price_ceiling(world.province, world.operator, PlanPeriod.SCHOOL_YEAR, 95_000)
    services.set_price_ceiling(world.ward, world.officer, PlanPeriod.MONTH, 20_000)
    client = signed_in(app, "officer")

    response = client.get(CEILINGS)

    text = main_text(response)
    assert world.province.name in text and "95.000 đ" in text
    assert page(response).count('name="remove"') == 1  # the ward's own ceiling only
    submit(client, {"remove": "1", "remove-period": "school_year"})
    assert ceilings_of(world.province.id) == {PlanPeriod.SCHOOL_YEAR: 95_000}


def test_the_page_counts_plans_priced_above_a_ceiling(app: Flask, world: World, service: Service) -> None:
    services.set_price_ceiling(world.province, world.operator, PlanPeriod.SCHOOL_YEAR, 95_000)

    assert ceilings_over(world.ward) == [
        CeilingLine(world.province.id, world.province.name, False, PlanPeriod.SCHOOL_YEAR, 95_000, plans_above=1)
    ]
    with pytest.raises(services.SubscriptionError):
        year_plan(world.b, 96_000)
