"""The officer's oversight dashboard and its export, and the operator's page of a school's platform fee."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import AuditLog, PlatformFee
from contactbook.oversight.reports import school_year_of
from contactbook.spreadsheet_export import XLSX_MIMETYPE
from contactbook.tenancy import school_scope
from contactbook.timezones import school_today
from tests.factories import PASSWORD, World, csrf_token, login, school_day
from tests.oversight.factories import TODAY, Oversight, campaign_of, invite, make_oversight
from tests.support import browser, main_text, page, translated

DASHBOARD = "/platform/authority/oversight"
YEAR_FORMAT = "Write the school year as two consecutive years, for example 2026-2027."
EXPORT = "/platform/authority/oversight/export.xlsx"


@pytest.fixture
def small(world: World) -> Oversight:
    return make_oversight(world)


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = browser(app)
    assert login(client, username, password=PASSWORD).status_code == 302
    return client


def cell(html: str, row: str, name: str) -> str:
    """The text of cell `data-test=name` in row `data-test=row`, whitespace collapsed."""
    match = re.search(rf'<tr data-test="{row}">(.*?)</tr>', html, re.DOTALL)
    assert match, f"no row {row}"
    found = re.search(rf'data-test="{name}">(.*?)</td>', match.group(1), re.DOTALL)
    assert found, f"no cell {name} in row {row}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_the_dashboard_shows_each_schools_figures(app: Flask, small: Oversight) -> None:
    world = small.world
    with school_day(TODAY):
        response = signed_in(app, "officer").get(DASHBOARD)

    assert response.status_code == 200
    html = page(response)
    alpha, beta = f"school-{world.a.school.id}", f"school-{world.b.school.id}"
    assert cell(html, alpha, "uptake") == "50,0% (2/4)"
    assert cell(html, alpha, "sms") == "3 · 1.700 đ"
    assert cell(html, alpha, "email") == "1 · 10 đ"
    assert cell(html, alpha, "due") == "160.000 đ"
    assert cell(html, alpha, "collected") == "130.000 đ"
    assert cell(html, alpha, "fee") == "1.200.000 đ"
    yes, no = translated(app, "Yes"), translated(app, "No")
    assert (cell(html, alpha, "invoiced"), cell(html, alpha, "paid")) == (yes, no)
    assert "alpha.edu.vn" in cell(html, alpha, "survey")
    assert cell(html, beta, "uptake") == "100,0% (1/1)"
    assert (cell(html, beta, "invoiced"), cell(html, beta, "paid")) == (yes, yes)
    assert cell(html, "rollup-total", "not-registered") == "2"
    assert cell(html, "rollup-total", "cost") == "2.310 đ"
    assert cell(html, "rollup-total", "paid") == "1/2"
    text = main_text(response)
    assert "Trường Chưa Nộp" in text and "Trường Đang Chờ" in text
    assert "gamma" not in text and "Trường Phường Khác" not in text


def test_the_charts_are_drawn_on_the_server(app: Flask, small: Oversight) -> None:
    with school_day(TODAY):
        html = page(signed_in(app, "officer").get(DASHBOARD))

    uptake = re.search(r'<svg[^>]*data-test="chart-uptake".*?</svg>', html, re.DOTALL)
    volume = re.search(r'<svg[^>]*data-test="chart-volume".*?</svg>', html, re.DOTALL)
    assert uptake and volume
    assert re.findall(r'<circle[^>]*data-value="([^"]+)"', uptake.group(0)) == ["60,0%"] * 4  # none in August
    assert re.findall(r'<rect[^>]*data-value="([^"]+)"', volume.group(0)) == ["0", "0", "0", "1", "5"]
    assert "<script" not in html.split("<main>", 1)[1]


def test_a_sibling_authoritys_officer_sees_only_its_own_schools(app: Flask, small: Oversight) -> None:
    world = small.world
    with school_day(TODAY):
        client = signed_in(app, "officer2")
        text = main_text(client.get(DASHBOARD))
        book = load_workbook(io.BytesIO(client.get(EXPORT).data))

    assert small.gamma.school.name in text and "Trường Phường Khác" in text
    for name in (world.a.school.name, world.b.school.name, "Trường Chưa Nộp", "Trường Đang Chờ"):
        assert name not in text
    cells = {str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None}
    assert small.gamma.school.name in cells and world.a.school.name not in cells


def test_the_export_opens_with_the_dashboards_figures(app: Flask, small: Oversight) -> None:
    world = small.world
    with school_day(TODAY):
        response = signed_in(app, "officer").get(EXPORT)

    assert response.status_code == 200
    assert response.mimetype == XLSX_MIMETYPE
    assert "giam-sat-2025-2026.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [translated(app, name) for name in ("Schools", "Authorities", "Not registered", "Months")]
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    alpha = next(row for row in rows if row[0] == world.a.school.name)
    assert alpha[5:15] == (4, 2, 0.5, 3, 1_700, 1, 10, 160_000, 130_000, 1_200_000)
    assert alpha[15:17] == (translated(app, "Yes"), translated(app, "No"))
    invited = [row[0] for row in book.worksheets[2].iter_rows(min_row=2, values_only=True)]
    assert sorted(invited) == ["Trường Chưa Nộp", "Trường Đang Chờ"]


def test_a_school_invited_twice_is_one_row_on_the_page_and_in_the_export(app: Flask, small: Oversight) -> None:
    world = small.world
    again = campaign_of(world.ward, "Đăng ký lần hai")
    invite(again, world.ward, "Trường Chưa Nộp", email="TRUONG-CHUA-NOP@example.vn")
    db.session.commit()
    with school_day(TODAY):
        client = signed_in(app, "officer")
        html = page(client.get(DASHBOARD))
        book = load_workbook(io.BytesIO(client.get(EXPORT).data))

    table = re.search(r'<table class="list" data-test="invitations">(.*?)</table>', html, re.DOTALL)
    assert table and table.group(1).count("Trường Chưa Nộp") == 1
    assert cell(html, "rollup-total", "not-registered") == "2"
    invited = list(book.worksheets[2].iter_rows(min_row=2, values_only=True))
    (row,) = [row for row in invited if row[0] == "Trường Chưa Nộp"]
    assert row[2] == "Đăng ký lần hai; Đăng ký trang thông tin 2025-2026"
    assert len(invited) == 2
    authorities = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert authorities[-1][3] == 2  # all schools: not registered


def test_the_officer_pages_link_the_dashboard(app: Flask, small: Oversight) -> None:
    client = signed_in(app, "officer")

    assert DASHBOARD in client.get("/platform/authority").get_data(as_text=True)
    forbidden = client.get("/platform/")
    assert forbidden.status_code == 403
    assert DASHBOARD in forbidden.get_data(as_text=True)


# --- The operator's platform fee page --------------------------------------------------------------


def fee_url(world: World) -> str:
    return f"/platform/schools/{world.a.school.id}/platform-fee"


def fees(world: World) -> list[tuple[str, int, date | None, date | None]]:
    with school_scope(world.a.school.id):
        return [
            (f.school_year, f.amount, f.invoiced_on, f.paid_on)
            for f in db.session.scalars(
                select(PlatformFee).where(PlatformFee.school_id == world.a.school.id).order_by(PlatformFee.school_year)
            )
        ]


def test_the_operator_records_a_platform_fee(app: Flask, world: World) -> None:
    client = signed_in(app, "op")
    form = client.get(fee_url(world))
    assert form.status_code == 200
    assert f'value="{school_year_of(school_today())}"' in form.get_data(as_text=True)

    response = client.post(
        fee_url(world),
        data={
            "csrf_token": csrf_token(client),
            "school_year": "2026-2027",
            "amount": "1.200.000",
            "invoiced_on": "2026-10-01",
            "paid_on": "",
            "note": "HĐ 0042",
        },
    )

    assert response.status_code == 302
    assert fees(world) == [("2026-2027", 1_200_000, date(2026, 10, 1), None)]
    with school_scope(world.a.school.id):
        audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "platform_fee.recorded")).one()
    assert audit.details["amount"] == 1_200_000 and audit.school_id == world.a.school.id
    response = client.post(
        fee_url(world),
        data={
            "csrf_token": csrf_token(client),
            "school_year": "2026-2027",
            "amount": "1.200.000",
            "invoiced_on": "2026-10-01",
            "paid_on": "2026-10-15",
        },
    )
    assert response.status_code == 302
    assert fees(world) == [("2026-2027", 1_200_000, date(2026, 10, 1), date(2026, 10, 15))]
    assert "HĐ 0042" in client.get(fee_url(world)).get_data(as_text=True)  # the note is kept


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"school_year": "2026-2028"}, YEAR_FORMAT),
        ({"school_year": "２０２６-２０２７"}, YEAR_FORMAT),
        ({"amount": "abc"}, "Write the amount as a number of đồng, for example 50.000."),
        ({"amount": ""}, "Write the amount."),
        (
            {"paid_on": "2026-10-15", "invoiced_on": ""},
            "A fee is paid after it is invoiced: write the invoice date too.",
        ),
        ({"paid_on": "2026-09-15"}, "The payment date cannot be before the invoice date."),
        ({"invoiced_on": "1900-01-01"}, "Write a date between 01/01/2000 and a year from today."),
    ],
)
def test_a_bad_platform_fee_is_refused_with_a_clear_message(
    app: Flask, world: World, data: dict[str, str], message: str
) -> None:
    client = signed_in(app, "op")
    valid = {"school_year": "2026-2027", "amount": "1.200.000", "invoiced_on": "2026-10-01", "paid_on": ""}

    response = client.post(fee_url(world), data={"csrf_token": csrf_token(client), **valid, **data})

    assert response.status_code == 200
    assert translated(app, message) in page(response)
    assert fees(world) == []


def test_an_officer_cannot_record_a_platform_fee(app: Flask, world: World) -> None:
    client = signed_in(app, "officer")

    assert client.get(fee_url(world)).status_code == 403
    assert client.post(fee_url(world), data={"csrf_token": csrf_token(client), "amount": "1"}).status_code == 403
    assert fees(world) == []
