"""A class list downloaded as .xlsx: a real workbook, in class-list order, where no cell runs as a formula."""

from __future__ import annotations

import io
import zipfile

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from werkzeug.test import TestResponse

from contactbook.models import Gender
from contactbook.spreadsheet_export import XLSX_MIMETYPE, inert
from tests.factories import World, login
from tests.roster.factories import ClassWorld, make_class, make_class_world, make_guardian, make_student
from tests.support import browser, translated

A = "/s/alpha"


@pytest.fixture
def alpha(world: World) -> ClassWorld:
    return make_class_world(world.a)


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = browser(app)
    assert login(client, username, "alpha").status_code == 302
    return client


def rows_of(response: TestResponse) -> list[list[object]]:
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.get_data()))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_export_is_a_workbook_with_the_class_list(app: Flask, world: World, alpha: ClassWorld) -> None:
    make_student(world.a, alpha.school_class, "Bùi Thị Ánh", "790100000007", gender=Gender.FEMALE)
    make_guardian(world.a, [alpha.student], "Nguyễn Văn Cường", relation="father", phone="+84388888888")

    response = signed_in(app, "admin").get(f"{A}/classes/{alpha.school_class.id}/export.xlsx")
    rows = rows_of(response)

    assert response.mimetype == XLSX_MIMETYPE
    assert response.headers["Content-Disposition"] == "attachment; filename=danh-sach-lop-6A1-2025-2026.xlsx"
    header = rows[0]
    assert header[:5] == [
        translated(app, "No."),
        translated(app, "National student id"),
        translated(app, "Full name"),
        translated(app, "Date of birth"),
        translated(app, "Gender"),
    ]
    assert header[5] == translated(app, "Father") and header[7] == translated(app, "Mother")
    # Class-list order is by given name: An before Ánh.
    assert rows[1] == [
        1,
        "790100000001",
        "Nguyễn Văn An",
        "09/03/2014",
        translated(app, "Male"),
        "Nguyễn Văn Cường",
        "0388 888 888",
        "Trần Thị Bình",
        "0912 345 678",
        None,
        None,
    ]
    assert rows[2][:5] == [2, "790100000007", "Bùi Thị Ánh", "09/03/2014", translated(app, "Female")]
    assert len(rows) == 3


def test_export_leaves_out_students_who_left(app: Flask, world: World, alpha: ClassWorld) -> None:
    make_student(world.a, alpha.school_class, "Đỗ Thị Xuân", "790100000005", left=True)

    rows = rows_of(signed_in(app, "admin").get(f"{A}/classes/{alpha.school_class.id}/export.xlsx"))

    assert [row[2] for row in rows[1:]] == ["Nguyễn Văn An"]


def test_export_keeps_leading_zeros_of_ids(app: Flask, world: World, alpha: ClassWorld) -> None:
    make_student(world.a, alpha.school_class, "Vũ Văn Bảo", "001100000009")

    rows = rows_of(signed_in(app, "admin").get(f"{A}/classes/{alpha.school_class.id}/export.xlsx"))

    assert "001100000009" in [row[1] for row in rows]


def test_formula_text_is_written_as_inert_text(app: Flask, world: World, alpha: ClassWorld) -> None:
    hostile = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)"]
    for number, text in enumerate(hostile, start=2):
        student = make_student(world.a, alpha.school_class, text, f"79010000000{number}")
        make_guardian(world.a, [student], text, relation="guardian", phone=None)

    response = signed_in(app, "admin").get(f"{A}/classes/{alpha.school_class.id}/export.xlsx")

    workbook = load_workbook(io.BytesIO(response.get_data()))
    cells = [cell for row in workbook.active.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)]
    hostile_cells = [cell for cell in cells if cell.value.lstrip("'") in hostile]
    assert len(hostile_cells) == 2 * len(hostile)  # each text as a student's and as a guardian's name
    for cell in hostile_cells:
        assert cell.data_type == "s"
        assert cell.value.startswith("'")
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as package:
        sheet_xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+84912345678", "'+84912345678"),
        ("-x", "'-x"),
        ("@x", "'@x"),
        ("\t=1", "'\t=1"),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("0912 345 678", "0912 345 678"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_inert(text: str, expected: str) -> None:
    assert inert(text) == expected


def test_teacher_exports_only_classes_it_teaches_or_leads(app: Flask, world: World, alpha: ClassWorld) -> None:
    other = make_class(world.a, alpha.year, "6A2")
    teacher = signed_in(app, "teacher")

    assert rows_of(teacher.get(f"{A}/classes/{alpha.school_class.id}/export.xlsx"))[1][2] == "Nguyễn Văn An"
    assert teacher.get(f"{A}/classes/{other.id}/export.xlsx").status_code == 404


def test_export_of_another_schools_class_answers_404(app: Flask, world: World, alpha: ClassWorld) -> None:
    beta = make_class_world(world.b)

    assert signed_in(app, "admin").get(f"{A}/classes/{beta.school_class.id}/export.xlsx").status_code == 404


def test_staff_without_roster_view_cannot_export(app: Flask, world: World, alpha: ClassWorld) -> None:
    assert signed_in(app, "norole").get(f"{A}/classes/{alpha.school_class.id}/export.xlsx").status_code == 403
