"""The teacher's spreadsheet: a grid exported to .xlsx and read back into the grid's form."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from contactbook.grading import services
from contactbook.grading.grid import COMMENT_MAX, field_names
from contactbook.grading.services import Grid
from contactbook.grading.sheets import MAX_BYTES, MAX_STUDENTS, MAX_UNZIPPED, SheetReading, export_grid, read_grid_sheet
from contactbook.models import AssessmentKind, Student, Subject
from contactbook.roster import services as roster_services
from tests.factories import SchoolPeople, World
from tests.roster.factories import ClassWorld, assign, make_class_world, make_student

HEADER = ["STT", "Mã định danh", "Họ và tên", "TX1", "TX2", "TX3", "TX4", "Giữa kỳ", "Cuối kỳ", "ĐTBmhk"]
NOT_XLSX = "Tệp không phải là bảng tính Excel (.xlsx)"
OLD_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
Stored = dict[tuple[int, str], tuple[Decimal | None, str | None, str | None]]


# --- Helpers -------------------------------------------------------------------------------------------


@pytest.fixture
def people(world: World) -> SchoolPeople:
    return world.a


@pytest.fixture
def cw(people: SchoolPeople) -> ClassWorld:
    """Class 6A1 (Toán: TX1–TX4, Giữa kỳ, Cuối kỳ) with An, Cúc and Đức, in that order of the class list."""
    world = make_class_world(people)
    make_student(people, world.school_class, "Lê Thị Cúc", "790100000002")
    make_student(people, world.school_class, "Phạm Minh Đức", "790100000003")
    return world


def subject_of(people: SchoolPeople, cw: ClassWorld, name: str, kind: AssessmentKind) -> Subject:
    subject = roster_services.create_subject(
        people.school, people.admin, name=name, periods_per_year=35, assessment_kind=kind
    )
    assign(people, people.staff["teacher"], subject, cw.school_class)
    return subject


def grid_of(cw: ClassWorld, subject: Subject | None = None, semester: int = 0) -> Grid:
    return services.load_grid(cw.school_class, subject or cw.subject, cw.year.semesters[semester])


def students(grid: Grid) -> dict[str, Student]:
    """The grid's students by given name: An, Cúc, Đức."""
    return {s.full_name.split()[-1]: s for s in grid.students}


def save(people: SchoolPeople, grid: Grid, form: dict[str, str]) -> None:
    assert services.save_grid(people.school, people.staff["teacher"], grid, form).errors == {}


def stored(cw: ClassWorld, subject: Subject | None = None) -> Stored:
    return {key: (s.value, s.level, s.comment) for key, s in grid_of(cw, subject).scores.items()}


def clear_everything(people: SchoolPeople, cw: ClassWorld, subject: Subject | None = None) -> None:
    grid = grid_of(cw, subject)
    form = {name: "" for s in grid.students for c in grid.columns for name in field_names(s.id, c).values()}
    save(people, grid, form)
    assert stored(cw, subject) == {}


def import_sheet(people: SchoolPeople, grid: Grid, data: bytes) -> SheetReading:
    """What the import route does: read the sheet, and save its form only when it has no errors."""
    reading = read_grid_sheet(grid, data)
    if not reading.errors:
        save(people, grid, reading.form)
    return reading


def rows_of(data: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def edited(data: bytes, cells: dict[str, Any], *, drop_rows: tuple[int, ...] = ()) -> bytes:
    """The exported file after the teacher typed `cells` ("D3": 9) and deleted `drop_rows`."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    for ref, value in cells.items():
        sheet[ref] = value
    for row in sorted(drop_rows, reverse=True):
        sheet.delete_rows(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def workbook_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def with_sheet_xml(data: bytes, old: str, new: str) -> bytes:
    """The workbook with `old` replaced by `new` in its first sheet's XML, as another program might write it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert old.encode() in content
                content = content.replace(old.encode(), new.encode())
            target.writestr(item, content)
    return out.getvalue()


def scored_form(grid: Grid) -> dict[str, str]:
    """An with every score (average 8,2), Cúc with two, Đức with none."""
    an, cuc = students(grid)["An"].id, students(grid)["Cúc"].id
    return {
        f"s-{an}-tx1": "8,5",
        f"s-{an}-tx2": "7",
        f"s-{an}-tx3": "9.5",
        f"s-{an}-tx4": "10",
        f"s-{an}-gk": "7,5",
        f"s-{an}-ck": "8",
        f"s-{cuc}-tx1": "6,5",
        f"s-{cuc}-ck": "0",
    }


# --- Export ----------------------------------------------------------------------------------------------


def test_export_has_the_title_the_header_and_a_row_per_student_in_class_order(
    people: SchoolPeople, cw: ClassWorld
) -> None:
    grid = grid_of(cw)
    save(people, grid, scored_form(grid))

    rows = rows_of(export_grid(grid_of(cw)))

    assert rows[0][0] == "Bảng điểm môn Toán – lớp 6A1 – Học kỳ I – năm học 2025-2026"
    assert rows[1] == HEADER
    assert rows[2] == [1, "790100000001", "Nguyễn Văn An", "8,5", "7,0", "9,5", "10,0", "7,5", "8,0", "8,2"]
    assert rows[3] == [2, "790100000002", "Lê Thị Cúc", "6,5", None, None, None, None, "0,0", None]
    assert rows[4] == [3, "790100000003", "Phạm Minh Đức", *[None] * 7]
    assert len(rows) == 5


def test_export_freezes_the_header_and_the_names(cw: ClassWorld) -> None:
    sheet = load_workbook(io.BytesIO(export_grid(grid_of(cw)))).active

    assert sheet.freeze_panes == "D3"


def test_export_makes_a_formula_looking_name_inert(people: SchoolPeople, cw: ClassWorld) -> None:
    make_student(people, cw.school_class, '=HYPERLINK("http://evil.example","Bấm")', "790100000009")

    sheet = load_workbook(io.BytesIO(export_grid(grid_of(cw)))).active
    names = {sheet.cell(row=row, column=3) for row in range(3, 7)}
    hostile = next(cell for cell in names if "HYPERLINK" in str(cell.value))

    assert hostile.data_type == "s"
    assert hostile.value == '\'=HYPERLINK("http://evil.example","Bấm")'


def test_export_shows_comment_subject_levels_by_their_label(people: SchoolPeople, cw: ClassWorld) -> None:
    subject = subject_of(people, cw, "Giáo dục thể chất", AssessmentKind.COMMENT)
    grid = grid_of(cw, subject)
    an = students(grid)["An"].id
    save(people, grid, {f"l-{an}-kq": "dat", f"n-{an}": "Tích cực"})

    rows = rows_of(export_grid(grid_of(cw, subject)))

    assert rows[1] == ["STT", "Mã định danh", "Họ và tên", "Đánh giá", "Nhận xét"]
    assert rows[2][3:] == ["Đạt", "Tích cực"]


def test_export_of_a_primary_subject_has_levels_test_scores_and_the_comment(
    people: SchoolPeople, cw: ClassWorld
) -> None:
    subject = subject_of(people, cw, "Tiếng Việt", AssessmentKind.LEVEL)
    grid = grid_of(cw, subject)
    an = students(grid)["An"].id
    save(people, grid, {f"l-{an}-ck": "hoan_thanh_tot", f"s-{an}-ck": "9", f"n-{an}": "Đọc tốt"})

    rows = rows_of(export_grid(grid_of(cw, subject)))

    assert rows[1][3:] == ["Giữa kỳ", "KT giữa kỳ", "Cuối kỳ", "KT cuối kỳ", "Nhận xét"]
    # A primary test score is whole: "9", as parse_score wants it back, not "9,0".
    assert rows[2][3:] == [None, None, "Hoàn thành tốt", "9", "Đọc tốt"]


# --- Round trips -------------------------------------------------------------------------------------------


def test_scores_exported_then_imported_are_stored_identically(people: SchoolPeople, cw: ClassWorld) -> None:
    grid = grid_of(cw)
    save(people, grid, scored_form(grid))
    before = stored(cw)
    data = export_grid(grid_of(cw))
    clear_everything(people, cw)

    reading = import_sheet(people, grid_of(cw), data)

    assert reading.errors == []
    assert stored(cw) == before
    assert len(before) == 8


def test_a_reimported_unchanged_sheet_changes_no_cell(people: SchoolPeople, cw: ClassWorld) -> None:
    grid = grid_of(cw)
    save(people, grid, scored_form(grid))
    an = students(grid)["An"].id
    updated = {key: score.updated_at for key, score in grid_of(cw).scores.items()}

    reading = import_sheet(people, grid_of(cw), export_grid(grid_of(cw)))

    assert reading.form[f"s-{an}-tx2"] == "7,0"
    assert {key: score.updated_at for key, score in grid_of(cw).scores.items()} == updated


def test_a_comment_subject_round_trips_its_levels_and_comments(people: SchoolPeople, cw: ClassWorld) -> None:
    subject = subject_of(people, cw, "Giáo dục thể chất", AssessmentKind.COMMENT)
    grid = grid_of(cw, subject)
    named = students(grid)
    save(
        people,
        grid,
        {
            f"l-{named['An'].id}-kq": "dat",
            f"n-{named['An'].id}": "- Tích cực, chăm chỉ",  # a leading dash: exported as "'- …", read back as typed
            f"l-{named['Cúc'].id}-kq": "chua_dat",
        },
    )
    before = stored(cw, subject)
    data = export_grid(grid_of(cw, subject))
    clear_everything(people, cw, subject)

    reading = import_sheet(people, grid_of(cw, subject), data)

    assert reading.errors == []
    assert stored(cw, subject) == before
    assert before[(named["An"].id, "kq")] == (None, "dat", "- Tích cực, chăm chỉ")


def test_a_primary_subject_round_trips_levels_test_scores_and_comment(people: SchoolPeople, cw: ClassWorld) -> None:
    subject = subject_of(people, cw, "Tiếng Việt", AssessmentKind.LEVEL)
    grid = grid_of(cw, subject)
    an, cuc = students(grid)["An"].id, students(grid)["Cúc"].id
    form = {
        f"l-{an}-gk": "hoan_thanh_tot",
        f"s-{an}-gk": "9",
        f"l-{an}-ck": "hoan_thanh",
        f"s-{an}-ck": "7",
        f"n-{an}": "Viết chữ đẹp",
        f"l-{cuc}-ck": "chua_hoan_thanh",
    }
    save(people, grid, form)
    before = stored(cw, subject)
    data = export_grid(grid_of(cw, subject))
    clear_everything(people, cw, subject)

    reading = import_sheet(people, grid_of(cw, subject), data)

    assert reading.errors == []
    assert stored(cw, subject) == before
    assert before[(an, "ck")] == (Decimal("7"), "hoan_thanh", "Viết chữ đẹp")


# --- Reading what the teacher typed ------------------------------------------------------------------------


def test_levels_are_read_from_labels_in_any_case_and_from_values(people: SchoolPeople, cw: ClassWorld) -> None:
    subject = subject_of(people, cw, "Giáo dục thể chất", AssessmentKind.COMMENT)
    grid = grid_of(cw, subject)
    named = students(grid)
    sheet = workbook_bytes(
        [
            ["Mã định danh", "Đánh giá"],
            ["790100000001", "CHƯA ĐẠT"],
            ["790100000002", "đạt"],
            ["790100000003", "chua_dat"],
        ]
    )

    reading = read_grid_sheet(grid, sheet)

    assert reading.errors == []
    assert reading.form[f"l-{named['An'].id}-kq"] == "chua_dat"
    assert reading.form[f"l-{named['Cúc'].id}-kq"] == "dat"
    assert reading.form[f"l-{named['Đức'].id}-kq"] == "chua_dat"


def test_an_unknown_level_names_its_cell_and_the_choices(people: SchoolPeople, cw: ClassWorld) -> None:
    subject = subject_of(people, cw, "Tiếng Việt", AssessmentKind.LEVEL)
    sheet = workbook_bytes([["Mã định danh", "Giữa kỳ"], ["790100000001", "Giỏi"]])

    reading = read_grid_sheet(grid_of(cw, subject), sheet)

    assert reading.errors == [
        "Ô B2: “Giỏi” không phải là mức đánh giá (chọn Hoàn thành tốt, Hoàn thành hoặc Chưa hoàn thành)"
    ]


def test_numbers_excel_stored_are_read_as_the_teacher_typed_them(cw: ClassWorld) -> None:
    grid = grid_of(cw)
    named = students(grid)
    sheet = workbook_bytes([["Mã định danh", "TX1", "TX2", "TX3", "TX4"], ["790100000001", 8.5, 7.0, 9, 7.1]])

    reading = read_grid_sheet(grid, sheet)

    an = named["An"].id
    assert reading.errors == []
    assert {key: reading.form[f"s-{an}-{key}"] for key in ("tx1", "tx2", "tx3", "tx4")} == {
        "tx1": "8,5",
        "tx2": "7",
        "tx3": "9",
        "tx4": "7,1",
    }


def test_a_whole_number_stored_with_a_decimal_point_is_a_whole_primary_test_score(
    people: SchoolPeople, cw: ClassWorld
) -> None:
    subject = subject_of(people, cw, "Tiếng Việt", AssessmentKind.LEVEL)
    an = students(grid_of(cw, subject))["An"].id
    # openpyxl writes 9.0 as "9"; other programs write "9.0", which is read back as the float 9.0.
    sheet = with_sheet_xml(
        workbook_bytes([["Mã định danh", "KT giữa kỳ"], ["790100000001", 9]]), "<v>9</v>", "<v>9.0</v>"
    )

    reading = read_grid_sheet(grid_of(cw, subject), sheet)

    assert reading.errors == []
    assert reading.form[f"s-{an}-gk"] == "9"


def test_a_number_with_two_decimals_is_refused_not_rounded(cw: ClassWorld) -> None:
    sheet = workbook_bytes([["Mã định danh", "TX1"], ["790100000001", 8.25]])

    reading = read_grid_sheet(grid_of(cw), sheet)

    assert reading.errors == ["Ô B2: Điểm chỉ có tối đa một chữ số thập phân"]


def test_an_empty_cell_of_a_student_in_the_sheet_clears_it(people: SchoolPeople, cw: ClassWorld) -> None:
    grid = grid_of(cw)
    save(people, grid, scored_form(grid))
    an = students(grid)["An"].id
    data = edited(export_grid(grid_of(cw)), {"D3": None})

    reading = import_sheet(people, grid_of(cw), data)

    assert reading.form[f"s-{an}-tx1"] == ""
    assert (an, "tx1") not in stored(cw)
    assert stored(cw)[(an, "tx2")] == (Decimal("7.0"), None, None)


def test_students_missing_from_the_sheet_are_left_unchanged(people: SchoolPeople, cw: ClassWorld) -> None:
    grid = grid_of(cw)
    save(people, grid, scored_form(grid))
    an, cuc = students(grid)["An"].id, students(grid)["Cúc"].id
    kept = {key: value for key, value in stored(cw).items() if key[0] == cuc}
    # Cúc's row deleted, An's first score changed.
    data = edited(export_grid(grid_of(cw)), {"D3": "9"}, drop_rows=(4,))

    reading = import_sheet(people, grid_of(cw), data)

    assert reading.errors == []
    assert not [name for name in reading.form if name.split("-")[1] == str(cuc)]
    assert {key: value for key, value in stored(cw).items() if key[0] == cuc} == kept
    assert stored(cw)[(an, "tx1")] == (Decimal("9.0"), None, None)


def test_students_are_matched_by_national_id_not_by_row_or_name(cw: ClassWorld) -> None:
    grid = grid_of(cw)
    cuc = students(grid)["Cúc"].id
    sheet = workbook_bytes([["STT", "Họ và tên", "Mã định danh", "TX1"], [1, "Nguyễn Văn An", "790100000002", "6"]])

    reading = read_grid_sheet(grid, sheet)

    assert reading.form == {f"s-{cuc}-tx1": "6"}


def test_the_average_column_is_ignored_on_import(people: SchoolPeople, cw: ClassWorld) -> None:
    grid = grid_of(cw)
    save(people, grid, scored_form(grid))
    before = stored(cw)
    data = edited(export_grid(grid_of(cw)), {"J3": "không phải điểm", "J4": 10})

    reading = import_sheet(people, grid_of(cw), data)

    assert reading.errors == []
    assert stored(cw) == before
    assert all(name.split("-")[2] in {"tx1", "tx2", "tx3", "tx4", "gk", "ck"} for name in reading.form)


def test_a_column_left_out_of_the_sheet_is_left_unchanged(people: SchoolPeople, cw: ClassWorld) -> None:
    subject = subject_of(people, cw, "Tiếng Việt", AssessmentKind.LEVEL)
    grid = grid_of(cw, subject)
    an = students(grid)["An"].id
    save(people, grid, {f"l-{an}-ck": "hoan_thanh", f"s-{an}-ck": "7", f"n-{an}": "Cố gắng"})
    # The sheet has the final level only: its test score and the comment, same grid column, stay.
    sheet = workbook_bytes([["Mã định danh", "Cuối kỳ"], ["790100000001", "Hoàn thành tốt"]])

    reading = import_sheet(people, grid_of(cw, subject), sheet)

    assert reading.errors == []
    assert stored(cw, subject)[(an, "ck")] == (Decimal("7"), "hoan_thanh_tot", "Cố gắng")


def test_an_id_excel_turned_into_a_number_still_finds_the_student(people: SchoolPeople, cw: ClassWorld) -> None:
    pupil = make_student(people, cw.school_class, "Đỗ Văn Em", "001234567890")
    sheet = workbook_bytes([["Mã định danh", "TX1"], [1234567890, "5"]])

    reading = read_grid_sheet(grid_of(cw), sheet)

    assert reading.errors == []
    assert reading.form == {f"s-{pupil.id}-tx1": "5"}


# --- Refusals -------------------------------------------------------------------------------------------


def test_an_invalid_score_names_its_cell_and_nothing_is_saved(people: SchoolPeople, cw: ClassWorld) -> None:
    grid = grid_of(cw)
    save(people, grid, scored_form(grid))
    before = stored(cw)
    # Two good changes and one score out of range in Cúc's TX2 (cell E4).
    data = edited(export_grid(grid_of(cw)), {"D3": "5", "E4": "11", "F5": "9"})

    reading = import_sheet(people, grid_of(cw), data)

    assert reading.errors == ["Ô E4: Điểm phải từ 0 đến 10"]
    assert reading.form == {}
    assert stored(cw) == before


def test_several_errors_are_all_reported(cw: ClassWorld) -> None:
    sheet = workbook_bytes([["Mã định danh", "TX1", "TX2"], ["790100000001", "abc", "-1"], ["790100000002", "6", 12]])

    reading = read_grid_sheet(grid_of(cw), sheet)

    assert reading.errors == [
        "Ô B2: Không phải là điểm số",
        "Ô C2: Điểm phải từ 0 đến 10",
        "Ô C3: Điểm phải từ 0 đến 10",
    ]


def test_an_unknown_national_id_names_its_row_and_the_class(cw: ClassWorld) -> None:
    sheet = workbook_bytes([["Bảng điểm"], [], ["Mã định danh", "TX1"], ["790100000001", "7"], ["0123", "8"]])

    reading = read_grid_sheet(grid_of(cw), sheet)

    assert reading.errors == ["Dòng 5: mã định danh 0123 không có trong lớp 6A1"]
    assert reading.form == {}


def test_a_student_who_left_the_class_is_not_in_it(people: SchoolPeople, cw: ClassWorld) -> None:
    make_student(people, cw.school_class, "Vũ Thị Gấm", "790100000007", left=True)
    sheet = workbook_bytes([["Mã định danh", "TX1"], ["790100000007", "7"]])

    reading = read_grid_sheet(grid_of(cw), sheet)

    assert reading.errors == ["Dòng 2: mã định danh 790100000007 không có trong lớp 6A1"]


def test_a_student_twice_in_the_sheet_is_refused(cw: ClassWorld) -> None:
    sheet = workbook_bytes(
        [["Mã định danh", "TX1"], ["790100000002", "7"], ["790100000001", "8"], ["790100000002", "9"]]
    )

    reading = read_grid_sheet(grid_of(cw), sheet)

    assert reading.errors == ["Dòng 4: học sinh Lê Thị Cúc (mã định danh 790100000002) đã có ở dòng 2"]


def test_scores_on_a_line_without_national_id_are_refused_but_a_signature_line_is_not(cw: ClassWorld) -> None:
    sheet = workbook_bytes(
        [["Mã định danh", "Họ và tên", "TX1"], [None, "Lê Thị Cúc", "7"], [], [None, "Giáo viên bộ môn", None]]
    )

    reading = read_grid_sheet(grid_of(cw), sheet)

    assert reading.errors == ["Dòng 2: thiếu mã định danh"]


def test_a_sheet_without_the_national_id_column_is_refused(cw: ClassWorld) -> None:
    sheet = workbook_bytes([["STT", "Họ và tên", "TX1"], [1, "Nguyễn Văn An", "7"]])

    reading = read_grid_sheet(grid_of(cw), sheet)

    assert reading.errors == ["Không tìm thấy dòng tiêu đề (cần cột Mã định danh)"]


def test_an_unknown_or_repeated_header_names_its_cell(cw: ClassWorld) -> None:
    sheet = workbook_bytes([["Mã định danh", "TX1", "Điểm thưởng", "tx1"], ["790100000001", "7", "1", "8"]])

    reading = read_grid_sheet(grid_of(cw), sheet)

    assert reading.errors == [
        "Ô C1: không có cột “Điểm thưởng” trong bảng điểm môn Toán (TX1, TX2, TX3, TX4, Giữa kỳ, Cuối kỳ)",
        "Ô D1: cột “tx1” có hai lần (cả ở ô B1)",
    ]


def test_the_sheet_of_another_semester_is_refused(people: SchoolPeople, cw: ClassWorld) -> None:
    grid = grid_of(cw)
    save(people, grid, scored_form(grid))
    first_semester = export_grid(grid_of(cw))

    reading = read_grid_sheet(grid_of(cw, semester=1), first_semester)

    assert reading.errors == [
        "Ô A1: tệp này là “Bảng điểm môn Toán – lớp 6A1 – Học kỳ I – năm học 2025-2026”, "
        "không phải “Bảng điểm môn Toán – lớp 6A1 – Học kỳ II – năm học 2025-2026”"
    ]


def test_a_score_excel_turned_into_a_date_says_so(cw: ClassWorld) -> None:
    sheet = workbook_bytes([["Mã định danh", "TX1"], ["790100000001", datetime(2025, 5, 8)]])

    reading = read_grid_sheet(grid_of(cw), sheet)

    assert reading.errors == ["Ô B2: Excel đã đổi điểm thành ngày giờ; định dạng ô là Văn bản (Text) rồi nhập lại"]


def test_a_comment_longer_than_the_limit_names_its_cell(people: SchoolPeople, cw: ClassWorld) -> None:
    subject = subject_of(people, cw, "Giáo dục thể chất", AssessmentKind.COMMENT)
    sheet = workbook_bytes([["Mã định danh", "Nhận xét"], ["790100000001", "x" * (COMMENT_MAX + 1)]])

    reading = read_grid_sheet(grid_of(cw, subject), sheet)

    assert reading.errors == [f"Ô B2: Nhận xét dài quá {COMMENT_MAX} ký tự"]


def test_a_header_without_student_rows_is_refused(cw: ClassWorld) -> None:
    sheet = workbook_bytes([["Mã định danh", "Họ và tên", "TX1"], [], [None, "Giáo viên bộ môn"]])

    reading = read_grid_sheet(grid_of(cw), sheet)

    assert reading.errors == ["Bảng tính không có dòng học sinh nào"]


def test_at_most_fifty_errors_are_listed(cw: ClassWorld) -> None:
    rows: list[list[Any]] = [["Mã định danh", "TX1"], *([f"79{n:010d}", "5"] for n in range(60))]

    reading = read_grid_sheet(grid_of(cw), workbook_bytes(rows))

    assert len(reading.errors) == 51
    assert reading.errors[0] == "Dòng 2: mã định danh 790000000000 không có trong lớp 6A1"
    assert reading.errors[-1] == "… và 10 lỗi khác"


def test_a_formula_is_refused_rather_than_trusted(cw: ClassWorld) -> None:
    sheet = workbook_bytes([["Mã định danh", "TX1"], ["790100000001", "=5+4"]])

    reading = read_grid_sheet(grid_of(cw), sheet)

    assert reading.errors == ["Ô B2: ô chứa công thức, hãy nhập giá trị"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a spreadsheet", NOT_XLSX),
        (b"PK\x03\x04 truncated zip", NOT_XLSX),
        (
            OLD_XLS,
            f"{NOT_XLSX}: mở tệp .xls bằng Excel rồi lưu lại dạng .xlsx",
        ),
        (b"", "Tệp trống"),
        (b"x" * (MAX_BYTES + 1), "Tệp lớn hơn 2 MB"),
    ],
)
def test_a_file_that_is_no_spreadsheet_is_refused(cw: ClassWorld, content: bytes, message: str) -> None:
    reading = read_grid_sheet(grid_of(cw), content)

    assert reading.errors == [message]
    assert reading.form == {}


def test_a_zip_that_is_not_a_workbook_is_refused(cw: ClassWorld) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "xin chào")

    reading = read_grid_sheet(grid_of(cw), out.getvalue())

    assert reading.errors == [NOT_XLSX]


def test_a_file_that_unzips_to_a_huge_size_is_refused_before_it_is_parsed(cw: ClassWorld) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (MAX_UNZIPPED + 1))

    reading = read_grid_sheet(grid_of(cw), out.getvalue())

    assert reading.errors == ["Bảng tính quá lớn (hơn 20 MB khi giải nén)"]


def test_more_student_rows_than_the_cap_are_refused(cw: ClassWorld) -> None:
    rows: list[list[Any]] = [["Mã định danh", "TX1"], *([f"79{n:010d}", "5"] for n in range(MAX_STUDENTS + 1))]

    reading = read_grid_sheet(grid_of(cw), workbook_bytes(rows))

    assert reading.errors == [f"Bảng tính có hơn {MAX_STUDENTS} dòng học sinh"]


def test_refusals_of_the_save_name_the_cell_they_came_from(people: SchoolPeople, cw: ClassWorld) -> None:
    grid = grid_of(cw)
    save(people, grid, scored_form(grid))
    an = students(grid)["An"].id
    services.publish(people.school, people.staff["teacher"], grid_of(cw), grid.columns[0])
    data = edited(export_grid(grid_of(cw)), {"D3": "4"})  # An's published TX1
    reading = read_grid_sheet(grid_of(cw), data)
    assert reading.errors == []

    refused = services.save_grid(people.school, people.staff["teacher"], grid_of(cw), reading.form).errors

    assert refused == {f"s-{an}-tx1": "Điểm đã công bố: dùng “Sửa điểm” và ghi lý do"}
    assert reading.located(refused) == ["Ô D3: Điểm đã công bố: dùng “Sửa điểm” và ghi lý do"]
