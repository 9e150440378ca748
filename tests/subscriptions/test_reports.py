"""The service report: its figures against hand-computed ones, the page, the Excel export, the 50 families.

The small world of school alpha, year 2025-2026 (5/9/2025 to 31/5/2026, 269 days):
- 6A1: An, Bình, Cường (and Đức, who left); 7A1: Dung, Em. Five students enrolled.
- An: the year plan (100.000 đ), paid 60.000 on 20/9/2025 and 40.000 on 3/10/2025.
- Cường: the semester plan (60.000 đ, to 15/1/2026), exempt ("Hộ nghèo"): charge 0, nothing paid.
- Dung: the year plan, paid 100.000 on 10/9/2025, opted out from 1/11/2025: 57 days used, charge
  ⌈100.000 × 57 / 269⌉ = 21.190, refund 78.810 paid on 5/11/2025.
- Beta has a paid subscription of its own, which must not show up in alpha's figures.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from contactbook.models import Guardian, PaymentMethod, PlanPeriod, SchoolClass, SchoolYear, Student
from contactbook.subscriptions import services
from contactbook.subscriptions.reports import (
    ClassFigures,
    Exemptions,
    Money,
    MonthFigures,
    PeriodFigures,
    RefundFigures,
    Totals,
    Uptake,
    school_report,
)
from tests.factories import SchoolPeople, World, login
from tests.roster.factories import make_class, make_class_world, make_guardian, make_student, make_year
from tests.subscriptions.payment_factories import (
    SEMESTER_II_START,
    YEAR_START,
    pay,
    refund,
    semester_plan,
    service_on,
    subscribe,
    year_plan,
)
from tests.support import browser, main_text, translated

A = "/s/alpha/service"
DECEMBER = date(2025, 12, 1)


@dataclass
class Small:
    year: SchoolYear
    class_6a1: SchoolClass
    class_7a1: SchoolClass
    students: dict[str, Student]


def student_and_parent(people: SchoolPeople, school_class: SchoolClass, name: str, number: int) -> Student:
    student = make_student(people, school_class, name, f"7901000001{number:02d}")
    make_guardian(people, [student], f"Phụ huynh {name}", phone=f"+8491200{number:04d}")
    return student


@pytest.fixture
def small(world: World) -> Small:
    people = world.a
    year = make_year(people)
    c6, c7 = make_class(people, year, "6A1", 6), make_class(people, year, "7A1", 7)
    students = {
        name: student_and_parent(people, school_class, name, number)
        for number, (name, school_class) in enumerate(
            [("An", c6), ("Bình", c6), ("Cường", c6), ("Dung", c7), ("Em", c7)], start=1
        )
    }
    make_student(people, c6, "Đức", "790100000199", left=True)
    service_on(people)
    whole_year, semester = year_plan(people), semester_plan(people)

    def guardian_of(name: str) -> Guardian:
        return students[name].guardian_links[0].guardian

    an = subscribe(people, guardian_of("An"), students["An"], whole_year)
    pay(people, an, 60_000, date(2025, 9, 20))
    pay(people, an, 40_000, date(2025, 10, 3), PaymentMethod.BANK_TRANSFER)
    cuong = subscribe(people, guardian_of("Cường"), students["Cường"], semester)
    services.set_exemption(people.school, people.admin, cuong, "Hộ nghèo")
    dung = subscribe(people, guardian_of("Dung"), students["Dung"], whole_year)
    pay(people, dung, 100_000, date(2025, 9, 10))
    quote = services.opt_out(people.school, people.admin, dung, date(2025, 11, 1), "Chuyển trường")
    assert (quote.used_charge, quote.refund) == (21_190, 78_810)
    refund(people, dung, 78_810, date(2025, 11, 5))

    beta = make_class_world(world.b)
    service_on(world.b)
    beta_subscription = subscribe(world.b, beta.guardian, beta.student, year_plan(world.b, 90_000))
    pay(world.b, beta_subscription, 90_000, date(2025, 9, 15))
    return Small(year, c6, c7, students)


# --- The figures ----------------------------------------------------------------------------------


def test_uptake_counts_students_enrolled_and_those_with_a_running_subscription(small: Small) -> None:
    report = school_report(small.year, DECEMBER)

    assert report.as_of == DECEMBER
    assert [(c.name, c.uptake) for c in report.classes] == [("6A1", Uptake(3, 2)), ("7A1", Uptake(2, 0))]
    assert report.uptake == Uptake(5, 2)
    assert report.uptake.ratio == pytest.approx(0.4)


def test_an_opted_out_subscription_counts_until_its_stop_day(small: Small) -> None:
    assert school_report(small.year, date(2025, 10, 31)).uptake == Uptake(5, 3)
    assert school_report(small.year, date(2025, 11, 1)).uptake == Uptake(5, 2)


def test_uptake_is_counted_within_the_years_dates(small: Small) -> None:
    # After the year: on its last day, when An's year plan still runs and Cường's semester has ended.
    after = school_report(small.year, date(2026, 8, 1))
    assert after.as_of == date(2026, 5, 31)
    assert after.uptake == Uptake(5, 1)
    # Before it: on its first day, when all three had started.
    assert school_report(small.year, date(2025, 8, 1)).uptake == Uptake(5, 3)


def test_charged_and_collected_per_class(small: Small) -> None:
    report = school_report(small.year, DECEMBER)

    assert report.classes == [
        ClassFigures(small.class_6a1.id, "6A1", 6, Uptake(3, 2), charged=100_000, collected=100_000),
        ClassFigures(small.class_7a1.id, "7A1", 7, Uptake(2, 0), charged=21_190, collected=21_190),
    ]
    assert (report.without_class, report.without_class_charged) == (Money(), 0)


def test_money_per_month_by_payment_date(small: Small) -> None:
    assert school_report(small.year, DECEMBER).months == [
        MonthFigures(date(2025, 9, 1), Money(payments=160_000, refunds=0)),
        MonthFigures(date(2025, 10, 1), Money(payments=40_000, refunds=0)),
        MonthFigures(date(2025, 11, 1), Money(payments=0, refunds=78_810)),
    ]


def test_money_per_plan_period(small: Small) -> None:
    assert school_report(small.year, DECEMBER).periods == [
        PeriodFigures(PlanPeriod.MONTH, 0, 0, Money()),
        PeriodFigures(PlanPeriod.SEMESTER, 1, 0, Money()),
        PeriodFigures(PlanPeriod.SCHOOL_YEAR, 2, 121_190, Money(200_000, 78_810)),
    ]


def test_charged_against_collected_exemptions_and_refunds(small: Small) -> None:
    report = school_report(small.year, DECEMBER)

    assert report.totals == Totals(
        subscriptions=3,
        cancelled=1,
        charged=121_190,
        money=Money(200_000, 78_810),
        to_collect=0,
        refunds_owed=0,
    )
    assert report.totals.collected == 121_190
    assert report.exemptions == Exemptions(count=1, waived=60_000)
    assert report.refunds == RefundFigures(count=1, amount=78_810, owed=0)


def test_what_is_still_due_and_owed_back_is_summed_per_subscription(world: World, small: Small) -> None:
    people = world.a
    guardian = small.students["Bình"].guardian_links[0].guardian
    binh = subscribe(people, guardian, small.students["Bình"], year_plan(people, 80_000))
    pay(people, binh, 30_000, date(2025, 9, 25))
    em_guardian = small.students["Em"].guardian_links[0].guardian
    em = subscribe(people, em_guardian, small.students["Em"], semester_plan(people, 50_000))
    pay(people, em, 65_000, date(2025, 9, 25))  # 15.000 too much

    totals = school_report(small.year, DECEMBER).totals

    assert (totals.charged, totals.collected) == (121_190 + 80_000 + 50_000, 121_190 + 30_000 + 65_000)
    assert (totals.to_collect, totals.refunds_owed) == (50_000, 15_000)
    assert totals.charged - totals.collected == totals.to_collect - totals.refunds_owed


def test_a_subscription_starting_after_the_year_belongs_to_the_next_one(world: World, small: Small) -> None:
    people = world.a
    make_year(people, 2026)
    guardian = small.students["Em"].guardian_links[0].guardian
    later = subscribe(people, guardian, small.students["Em"], year_plan(people), date(2026, 9, 10))
    pay(people, later, 100_000, date(2025, 12, 20))  # paid early

    assert school_report(small.year, DECEMBER).totals.charged == 121_190


# --- The page and the export ----------------------------------------------------------------------


def signed_in(app: Flask, username: str, slug: str = "alpha") -> FlaskClient:
    client = browser(app)
    assert login(client, username, slug).status_code == 302
    return client


def test_report_page_shows_the_figures_and_no_names(app: Flask, small: Small) -> None:
    response = signed_in(app, "accountant").get(f"{A}/reports/?year={small.year.id}")

    assert response.status_code == 200
    text = main_text(response)
    for figure in ("121.190 đ", "200.000 đ", "78.810 đ", "60.000 đ", "160.000 đ", "-78.810 đ"):
        assert figure in text
    # Uptake is counted on the year's last day (the year is over): only An's year plan still runs.
    assert "31/05/2026" in text
    assert re.search(r"6A1 3 1 33,3%", text), text
    assert re.search(r"7A1 2 0 0,0%", text), text
    for name in [*small.students, "Đức", "Phụ huynh"]:
        assert name not in text


@pytest.mark.parametrize("username", ["admin", "principal", "accountant"])
def test_leaders_and_the_accountant_open_the_report(app: Flask, small: Small, username: str) -> None:
    client = signed_in(app, username)
    assert client.get(f"{A}/reports/").status_code == 200
    assert client.get(f"{A}/reports/export.xlsx").status_code == 200


@pytest.mark.parametrize("username", ["teacher", "homeroom", "norole"])
def test_teachers_cannot_open_the_report(app: Flask, small: Small, username: str) -> None:
    client = signed_in(app, username)
    assert client.get(f"{A}/reports/").status_code == 403
    assert client.get(f"{A}/reports/export.xlsx").status_code == 403


def test_a_year_of_another_school_is_not_found(app: Flask, world: World, small: Small) -> None:
    other_year = make_year(world.b, 2024)
    client = signed_in(app, "accountant")
    assert client.get(f"{A}/reports/?year={other_year.id}").status_code == 404
    assert client.get(f"{A}/reports/export.xlsx?year={other_year.id}").status_code == 404
    assert client.get(f"{A}/reports/?year=abc").status_code == 200


def test_report_page_without_a_school_year_says_so(app: Flask, world: World) -> None:
    client = signed_in(app, "accountant")
    response = client.get(f"{A}/reports/")
    assert response.status_code == 200
    assert translated(app, "Create the school year first.") in main_text(response)
    export = client.get(f"{A}/reports/export.xlsx")
    assert (export.status_code, export.headers["Location"]) == (302, f"{A}/reports/")


def sheet_rows(content: bytes) -> dict[str, list[tuple[object, ...]]]:
    workbook = load_workbook(io.BytesIO(content))
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


def test_export_has_the_same_tables_with_numbers_as_numbers(app: Flask, small: Small) -> None:
    response = signed_in(app, "accountant").get(f"{A}/reports/export.xlsx?year={small.year.id}")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith("bao-cao-dich-vu-2025-2026.xlsx")
    uptake, months, periods, summary = sheet_rows(response.data).values()
    assert uptake[1:] == [
        ("6A1", 6, 3, 1, pytest.approx(1 / 3), 100_000, 100_000),
        ("7A1", 7, 2, 0, 0, 21_190, 21_190),
        (uptake[3][0], None, 5, 1, pytest.approx(0.2), 121_190, 121_190),
    ]
    assert months[1:] == [
        ("09/2025", 160_000, 0, 160_000),
        ("10/2025", 40_000, 0, 40_000),
        ("11/2025", 0, 78_810, -78_810),
        (months[4][0], 200_000, 78_810, 121_190),
    ]
    assert [row[1:] for row in periods[1:]] == [
        (0, 0, 0, 0, 0),
        (1, 0, 0, 0, 0),
        (2, 121_190, 200_000, 78_810, 121_190),
    ]
    values = [row[1] for row in summary[1:]]
    assert values[3:] == [3, 1, 121_190, 200_000, 78_810, 121_190, 0, 0, 1, 60_000, 1]
    for name in [*small.students, "Phụ huynh"]:
        assert not any(name in str(cell) for rows in sheet_rows(response.data).values() for row in rows for cell in row)


# --- Fifty families -------------------------------------------------------------------------------


def test_fifty_families_the_report_shows_uptake_and_revenue_per_class(app: Flask, world: World) -> None:
    people = world.a
    year = make_year(people)
    classes = [make_class(people, year, name, grade) for name, grade in (("6A1", 6), ("6A2", 6), ("7A1", 7))]
    sizes = [20, 20, 15]
    subscribing = [20, 18, 12]  # 50 families
    service_on(people)
    whole_year, semester = year_plan(people, 100_000), semester_plan(people, 60_000)

    expected: dict[str, dict[str, int]] = {}
    number = 0
    for school_class, size, taking in zip(classes, sizes, subscribing, strict=True):
        figures = {"enrolled": size, "subscribed": taking, "charged": 0, "collected": 0}
        for index in range(size):
            number += 1
            student = make_student(people, school_class, f"Học sinh {number}", f"79020000{number:04d}")
            guardian = make_guardian(people, [student], f"Phụ huynh {number}", phone=f"+8491300{number:04d}")
            if index >= taking:
                continue
            # Even: the year plan from the first day; odd: semester II. Every fifth pays half for now.
            plan, starts = (whole_year, YEAR_START) if number % 2 == 0 else (semester, SEMESTER_II_START)
            subscription = subscribe(people, guardian, student, plan, starts)
            paid = plan.price // 2 if number % 5 == 0 else plan.price
            pay(people, subscription, paid, starts + timedelta(days=3))
            figures["charged"] += plan.price
            figures["collected"] += paid
        expected[school_class.name] = figures

    # On the year's last day (the year is over) both plans are running.
    response = signed_in(app, "accountant").get(f"{A}/reports/?year={year.id}")
    text = main_text(response)
    for name, figures in expected.items():
        share = f"{100 * figures['subscribed'] / figures['enrolled']:.1f}".replace(".", ",")
        row = f"{name} {figures['enrolled']} {figures['subscribed']} {share}%"
        money = f"{figures['charged']:,} đ {figures['collected']:,} đ".replace(",", ".")
        assert f"{row} {money}" in text, (row, money)
    assert "Học sinh" not in text and "Phụ huynh" not in text

    report = school_report(year, date(2026, 5, 31))
    assert report.uptake == Uptake(55, 50)
    assert report.totals.collected == sum(f["collected"] for f in expected.values())
    assert report.totals.charged == sum(f["charged"] for f in expected.values())
    assert [(c.name, c.uptake.subscribed, c.charged, c.collected) for c in report.classes] == [
        (name, f["subscribed"], f["charged"], f["collected"]) for name, f in expected.items()
    ]
