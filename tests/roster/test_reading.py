"""Reading an uploaded file: real cells only, caps that refuse, one clear refusal for a damaged workbook, .xls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contactbook.models import EnrolmentStatus, Gender
from contactbook.roster import services
from contactbook.roster.reading import MAX_COLUMNS, MAX_LINES, MAX_UNZIPPED, RosterFileError, read_roster
from tests.factories import World
from tests.roster.import_support import (
    DAMAGED,
    EMPTY_COUNTS,
    NOT_XLS,
    NOT_XLSX,
    SHEET,
    TOO_MANY_COLUMNS,
    TOO_MANY_LINES,
    YearClasses,
    damaged,
    enrolment_of,
    guardians_of,
    import_count,
    import_roster,
    roster_counts,
    student,
    thirty_rows,
    with_part,
    with_sheet_xml,
)

FIXTURES = Path(__file__).parent / "fixtures"
TOO_BIG_UNZIPPED = "The spreadsheet is too large once unzipped (over 100 MB)."


def declaring(dimension: str) -> bytes:
    """Thirty real student rows in a sheet that declares another size (as some school tools write it)."""
    return with_sheet_xml(thirty_rows(), b"<sheetViews>", f'<dimension ref="{dimension}"/>'.encode())


def with_cell(ref: str, row: int) -> bytes:
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>ghi chú</t></is></c></row>'.encode()
    return with_sheet_xml(thirty_rows(), b"</sheetData>", cell)


# --- Real cells and caps ------------------------------------------------------------------------------


def rows_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A counter of the rows openpyxl hands the reader (real ones and the blank ones it fills in): the work
    a file makes the reader do, counted rather than timed."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    count = [0, 0]  # rows, cells of the widest
    original = ReadOnlyWorksheet._cells_by_row

    def counted(self: ReadOnlyWorksheet, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for row in original(self, *args, **kwargs):
            count[0] += 1
            count[1] = max(count[1], len(row))
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counted)
    return count


@pytest.mark.parametrize("dimension", ["A1:D3", "A1:XFD30000", "A1:XFD1048576"])
def test_a_sheet_is_read_from_its_real_cells_whatever_size_it_declares(
    dimension: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = declaring(dimension)
    assert len(content) < 10 * 1024  # a small file, whatever it declares
    read = rows_read(monkeypatch)

    sheet = read_roster("danh-sach.xlsx", content)

    assert [line for line, _cells in sheet.rows] == list(range(2, 32))
    assert read[0] == 31  # its real rows, not the ones it declares


@pytest.mark.parametrize(("dimension", "last_row"), [("A1:XFD30000", 30000), ("A1:XFD1048576", 1048576)])
def test_a_sheet_reaching_far_down_is_refused_without_reading_past_the_cap(
    dimension: str, last_row: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A declared size with an empty row at its end, as a tool that formatted whole rows writes it.
    content = with_sheet_xml(declaring(dimension), b"</sheetData>", f'<row r="{last_row}"/>'.encode())
    read = rows_read(monkeypatch)

    with pytest.raises(RosterFileError) as refused:
        read_roster("danh-sach.xlsx", content)

    assert str(refused.value) == TOO_MANY_LINES
    assert read[0] <= MAX_LINES + 1  # one line past the cap is enough to refuse it, however far the file goes


def test_a_sheet_longer_than_the_cap_is_refused_whole() -> None:
    with pytest.raises(RosterFileError) as refused:
        read_roster("danh-sach.xlsx", with_cell("A21002", 21002))
    assert str(refused.value) == TOO_MANY_LINES


def test_a_sheet_wider_than_the_cap_is_refused_whole() -> None:
    with pytest.raises(RosterFileError) as refused:
        read_roster("danh-sach.xlsx", with_cell("CW40", 40))  # column 101
    assert str(refused.value) == TOO_MANY_COLUMNS


def test_a_cell_far_to_the_right_is_not_read_and_costs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    read = rows_read(monkeypatch)
    sheet = read_roster("danh-sach.xlsx", with_cell("XFD40", 40))
    assert len(sheet.rows) == 30
    assert read[1] <= MAX_COLUMNS + 1  # no row is read wider than the cap, out to column XFD


# --- Damaged workbooks ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", DAMAGED)
def test_a_damaged_workbook_is_refused_clearly_and_nothing_is_kept(world: World, alpha: YearClasses, kind: str) -> None:
    with pytest.raises(RosterFileError) as refused:
        services.start_import(world.a.school, world.a.admin, alpha.year, "danh-sach.xlsx", damaged(kind))
    assert str(refused.value) == NOT_XLSX
    assert (roster_counts(world.a.school.id), import_count(world.a.school.id)) == (EMPTY_COUNTS, 0)


def test_a_zip_bomb_is_refused_before_it_is_parsed() -> None:
    bomb = with_part(thirty_rows(), SHEET, b" " * (MAX_UNZIPPED + 1))
    assert len(bomb) < 1024 * 1024
    with pytest.raises(RosterFileError) as refused:
        read_roster("danh-sach.xlsx", bomb)
    assert str(refused.value) == TOO_BIG_UNZIPPED


# --- Excel 97 (.xls) ------------------------------------------------------------------------------------


def test_an_xls_file_is_imported_with_its_dates_numbers_and_guardians(world: World, alpha: YearClasses) -> None:
    plan = import_roster(world.a, alpha, (FIXTURES / "roster.xls").read_bytes(), "danh-sach.xls")

    assert (plan.errors, len(plan.created)) == ([], 2)
    an, bich = student(world.a.school.id, "79000000001"), student(world.a.school.id, "79000000002")
    assert (an.full_name, an.date_of_birth.isoformat(), an.gender) == ("Nguyễn Văn An", "2013-09-05", Gender.MALE)
    assert (bich.date_of_birth.isoformat(), bich.gender) == ("2013-03-17", Gender.FEMALE)
    assert enrolment_of(world.a.school.id, "79000000002") == ("6A1", EnrolmentStatus.ACTIVE)
    assert guardians_of(world.a.school.id, "79000000001") == {("father", "Nguyễn Văn Bình", "+84912345678", None)}
    assert guardians_of(world.a.school.id, "79000000002") == {("mother", "Lê Thị Mai", "+84987654321", None)}


@pytest.mark.parametrize(
    ("fixture", "message"), [("roster-long.xls", TOO_MANY_LINES), ("roster-wide.xls", TOO_MANY_COLUMNS)]
)
def test_an_xls_file_goes_through_the_same_caps(fixture: str, message: str) -> None:
    with pytest.raises(RosterFileError) as refused:
        read_roster("danh-sach.xls", (FIXTURES / fixture).read_bytes())
    assert str(refused.value) == message


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_a_damaged_xls_file_is_refused_clearly(cut: float) -> None:
    content = (FIXTURES / "roster.xls").read_bytes()
    with pytest.raises(RosterFileError) as refused:
        read_roster("danh-sach.xls", content[: int(len(content) * cut)])
    assert str(refused.value) == NOT_XLS
