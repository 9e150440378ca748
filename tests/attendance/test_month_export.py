"""The month's attendance sheet of a class (.xlsx): school days as columns, codes P/K/M, totals, access."""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask import Flask, g, render_template_string
from openpyxl import load_workbook

from contactbook.attendance.exports import cell_code, export_month, month_sheet, month_totals, parse_month
from contactbook.attendance.rules import absent_sessions
from contactbook.attendance.services.settings import update_settings
from contactbook.models import AttendanceStatus, AttendanceUnit
from contactbook.spreadsheet_export import XLSX_MIMETYPE
from tests.attendance.factories import put_mark
from tests.factories import World, login
from tests.roster.factories import ClassWorld, make_class, make_class_world, make_student
from tests.support import browser, page

P, L, E, U = AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.EXCUSED, AttendanceStatus.UNEXCUSED
MON, TUE, SAT = date(2025, 12, 1), date(2025, 12, 2), date(2025, 12, 6)


def rows_of(data: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def url(class_id: int, month: str | None = "2025-12") -> str:
    return f"/s/alpha/attendance/classes/{class_id}/month.xlsx" + (f"?month={month}" if month is not None else "")


@pytest.mark.parametrize(("text", "first"), [("2025-12", date(2025, 12, 1)), ("2099-01", date(2099, 1, 1))])
def test_a_month_is_written_yyyy_mm(text: str, first: date) -> None:
    assert parse_month(text) == first


@pytest.mark.parametrize("text", ["2025-13", "2025-00", "1999-12", "2100-01", "2025-1", "12-2025", "２０２５-１２", ""])
def test_other_months_are_not_months(text: str) -> None:
    assert parse_month(text) is None


def test_cells_show_p_k_m_and_periods_missed_one_by_one() -> None:
    assert [cell_code([("day", s)]) for s in (P, L, E, U)] == ["", "M", "P", "K"]
    assert cell_code([("p1", U), ("p2", E), ("p3", U)]) == "K"  # the whole morning missed: one session
    assert cell_code([("p1", E), ("p2", E)]) == "P"
    assert cell_code([("p4", L), ("p3", U), ("p1", P)]) == "K3 M4"


def test_totals_split_the_sessions_absent_with_and_without_permission() -> None:
    marks = [(MON, "p1", U), (MON, "p2", E), (MON, "p6", E), (MON, "p7", P), (TUE, "day", E), (SAT, "day", L)]
    totals = month_totals(marks)
    assert (totals.excused, totals.unexcused, totals.late, totals.sessions) == (1, 1, 1, 2)
    assert totals.sessions == absent_sessions(marks) == totals.excused + totals.unexcused


def test_the_sheet_has_a_column_per_school_day_and_each_students_codes_and_totals(world: World) -> None:
    cw = make_class_world(world.a)
    other = make_class(world.a, cw.year, "6A2")
    binh = make_student(world.a, cw.school_class, "Trần Thị Bình", "790100000002")
    put_mark(cw.school_class, cw.student, MON, U)
    put_mark(cw.school_class, cw.student, TUE, L)
    put_mark(cw.school_class, binh, TUE, E)
    put_mark(cw.school_class, binh, SAT, U)  # a Saturday class
    put_mark(other, make_student(world.a, other, "Lê Văn Cường", "790100000003"), MON, U)  # another class

    sheet = month_sheet(world.a.school, cw.school_class, date(2025, 12, 1))
    days = [day for day, _slot in sheet.columns]
    assert len(days) == 23 + 1 and SAT in days and date(2025, 12, 7) not in days  # 23 weekdays, the Saturday
    rows = rows_of(export_month(sheet))
    header = rows[1]
    assert rows[0][0] == "Điểm danh lớp 6A1, tháng 12/2025"
    assert header[:4] == ["STT", "Mã định danh", "Họ và tên", "T2 01"] and "T7 06" in header
    an = next(r for r in rows if r[2] == "Nguyễn Văn An")
    binh_row = next(r for r in rows if r[2] == "Trần Thị Bình")
    assert an[header.index("T2 01")] == "K" and an[header.index("T3 02")] == "M"
    assert binh_row[header.index("T3 02")] == "P" and binh_row[header.index("T7 06")] == "K"
    assert an[-4:] == [0, 1, 1, 1] and binh_row[-4:] == [1, 1, 0, 2]
    assert not any(r[2] == "Lê Văn Cường" for r in rows)
    absent = next(r for r in rows if r[2] == "Số học sinh vắng")
    assert absent[header.index("T2 01")] == 1 and absent[header.index("T3 02")] == 1  # Bình; An was late
    assert absent[header.index("T4 03")] == 0


def test_a_school_marking_sessions_or_periods_gets_a_morning_and_an_afternoon_column(world: World) -> None:
    cw = make_class_world(world.a)
    update_settings(world.a.school, world.a.admin, unit=AttendanceUnit.PERIOD, thresholds="20, 30, 40")
    for slot, status in (("p1", U), ("p2", U), ("p6", P), ("p7", L)):
        put_mark(cw.school_class, cw.student, MON, status, slot)
    rows = rows_of(export_month(month_sheet(world.a.school, cw.school_class, date(2025, 12, 1))))
    header, an = rows[1], next(r for r in rows if r[2] == "Nguyễn Văn An")
    assert header[3:5] == ["T2 01 S", "T2 01 C"]
    assert an[3:5] == ["K", "M7"] and an[-4:] == [0, 1, 1, 1]


def test_a_name_that_looks_like_a_formula_stays_text(world: World) -> None:
    cw = make_class_world(world.a)
    hostile = make_student(world.a, cw.school_class, '=HYPERLINK("http://x","An")', "790100000009")
    put_mark(cw.school_class, hostile, MON, U)
    data = export_month(month_sheet(world.a.school, cw.school_class, date(2025, 12, 1)))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    names = [row[2].value for row in sheet.iter_rows(min_row=3) if row[2].value]
    assert '\'=HYPERLINK("http://x","An")' in names
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.fixture
def cw(world: World) -> ClassWorld:
    cw = make_class_world(world.a)
    put_mark(cw.school_class, cw.student, MON, U)
    return cw


@pytest.mark.parametrize("username", ["homeroom", "teacher", "admin"])
def test_the_homeroom_teacher_a_teacher_of_the_class_and_the_admin_download_it(
    app: Flask, cw: ClassWorld, username: str
) -> None:
    client = browser(app)
    login(client, username, "alpha")
    response = client.get(url(cw.school_class.id))
    assert response.status_code == 200 and response.mimetype == XLSX_MIMETYPE
    assert "diem-danh-6A1-2025-12.xlsx" in response.headers["Content-Disposition"]
    an = next(r for r in rows_of(response.data) if r[2] == "Nguyễn Văn An")
    assert an[-1] == 1


def test_without_a_month_it_is_this_month(app: Flask, cw: ClassWorld) -> None:
    client = browser(app)
    login(client, "homeroom", "alpha")
    response = client.get(url(cw.school_class.id, None))
    assert response.status_code == 200 and response.mimetype == XLSX_MIMETYPE


@pytest.mark.parametrize("month", ["2025-13", "x", "９９９９-１２", "0001-01", "2025-12-01"])
def test_a_month_that_is_not_one_is_refused_with_a_message(app: Flask, cw: ClassWorld, month: str) -> None:
    client = browser(app)
    login(client, "homeroom", "alpha")
    response = client.get(url(cw.school_class.id, month))
    assert response.status_code == 400 and 'data-test="month-refused"' in page(response)
    assert "YYYY-MM" in page(response)


def test_a_class_one_neither_leads_nor_teaches_is_refused_another_schools_not_found(
    app: Flask, world: World, cw: ClassWorld
) -> None:
    unled = make_class(world.a, cw.year, "6A2")
    beta = make_class_world(world.b)
    for username in ("homeroom", "teacher"):
        client = browser(app)
        login(client, username, "alpha")
        assert client.get(url(unled.id)).status_code == 403
        assert client.get(url(beta.school_class.id)).status_code == 404
    accountant = browser(app)
    login(accountant, "accountant", "alpha")
    assert accountant.get(url(cw.school_class.id)).status_code == 403  # no attendance.record


def test_the_class_summary_links_the_months_sheet(app: Flask, cw: ClassWorld) -> None:
    client = browser(app)
    login(client, "homeroom", "alpha")
    html = page(client.get(f"/s/alpha/grades/class/{cw.school_class.id}/summary"))
    assert f'href="/s/alpha/attendance/classes/{cw.school_class.id}/month.xlsx"' in html


def test_the_link_a_class_page_includes_carries_the_month_of_its_day(app: Flask, world: World, cw: ClassWorld) -> None:
    template = '{% include "attendance/_month_link.html" %}'
    with app.test_request_context("/"):
        g.school, g.school_slug = world.a.school, world.a.slug  # as the request of a page of school alpha has it
        with_day = render_template_string(template, school_class=cw.school_class, on=date(2025, 12, 3))
        without = render_template_string(template, school_class=cw.school_class)
    assert f"/s/alpha/attendance/classes/{cw.school_class.id}/month.xlsx?month=2025-12" in with_day
    assert f'/s/alpha/attendance/classes/{cw.school_class.id}/month.xlsx"' in without
