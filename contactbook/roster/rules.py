"""The roster file layout and the validation of each row: pure functions, no Flask, no database.

The layout follows the sector database's export: one row per student, with up to three guardians
(father, mother, other guardian) in column groups. Headers are matched ignoring case, accents,
punctuation and spacing; columns not listed here are ignored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from contactbook.i18n import N_
from contactbook.inputs import has_letters, plain_text
from contactbook.phones import normalize_vn_phone
from contactbook.roster.reading import Cell
from contactbook.spreadsheet_export import FORMULA_START


@dataclass(frozen=True)
class Column:
    """A field of the layout: its header as exported, and the other headers accepted for it."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False


RELATIONS = ("father", "mother", "guardian")
RELATION_HEADERS = {"father": "cha", "mother": "mẹ", "guardian": "người giám hộ"}

COLUMNS: tuple[Column, ...] = (
    Column(
        "national_id", "Mã định danh", ("Mã định danh học sinh", "Mã học sinh", "Mã HS", "Mã định danh Bộ GD&ĐT"), True
    ),
    Column("full_name", "Họ và tên", ("Họ tên", "Họ và tên học sinh", "Họ tên học sinh", "Tên học sinh"), True),
    Column("date_of_birth", "Ngày sinh", ("Ngày tháng năm sinh", "Ngày/tháng/năm sinh"), True),
    Column("gender", "Giới tính", ("Phái",)),
    Column("class_name", "Lớp", ("Tên lớp", "Lớp học"), True),
    *(
        column
        for relation, word in RELATION_HEADERS.items()
        for column in (
            Column(f"{relation}_name", f"Họ tên {word}", (f"Họ và tên {word}", f"Tên {word}")),
            Column(
                f"{relation}_phone",
                f"Điện thoại {word}",
                (f"Số điện thoại {word}", f"SĐT {word}", f"ĐT {word}", f"Di động {word}"),
            ),
            Column(f"{relation}_email", f"Email {word}", (f"Thư điện tử {word}", f"E-mail {word}")),
        )
    ),
)

GENDERS = {"nam": "male", "nu": "female", "male": "male", "female": "female", "m": "male", "f": "female"}
DATE_PATTERN = re.compile(r"^([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})$")  # ASCII digits, as ids
NATIONAL_ID_PATTERN = re.compile(r"[0-9]{8,15}")  # ASCII digits only: "１２３…" would be a second child
MANY_LEAVING = 5  # more than this many students leaving one class, or more than a fifth of it, is a warning


def many_leaving(leaving: int, active: int) -> bool:
    """Whether marking `leaving` of a class's `active` students as left needs an explicit confirmation."""
    return leaving > MANY_LEAVING or leaving * 5 > active


def given_name(full_name: str) -> str:
    """The given name, the last word of a Vietnamese full name ("Nguyễn Văn An" → "An")."""
    words = full_name.split()
    return words[-1] if words else full_name


def fold(text: str) -> str:
    """Lowercase, without accents (đ→d too), punctuation as spaces, single spaces: for matching."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def class_key(name: str) -> str:
    """How class names are compared: '6a1', ' 6A1 ' and '6 A1' are the same class."""
    return re.sub(r"\s+", "", name).upper()


@dataclass(frozen=True)
class HeaderMatch:
    """Which column of the file holds each field, and what is missing."""

    positions: dict[str, int]
    missing: list[str]


def match_header(header: list[str]) -> HeaderMatch:
    """Find each field's column in `header`; list the headers of required fields that are absent."""
    wanted = {fold(name): column.key for column in COLUMNS for name in (column.header, *column.aliases)}
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        key = wanted.get(fold(title))
        if key is not None and key not in positions:
            positions[key] = index
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
    return HeaderMatch(positions, missing)


@dataclass(frozen=True)
class RowError:
    """Why a row is skipped: the line, the column (its header), the value and the reason (a message id)."""

    line: int
    column: str
    value: str
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GuardianRow:
    relation: str
    full_name: str
    phone: str | None
    email: str | None

    @property
    def key(self) -> str:
        """How a guardian is recognised across rows and imports: phone, else email, else name."""
        return self.phone or self.email or f"name:{fold(self.full_name)}"


@dataclass(frozen=True)
class StudentRow:
    line: int
    national_id: str
    full_name: str
    date_of_birth: date
    gender: str | None
    class_name: str
    guardians: tuple[GuardianRow, ...]


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header_of(key: str) -> str:
    return next(c.header for c in COLUMNS if c.key == key)


class _Row:
    """Collects the errors of one row while its fields are read."""

    def __init__(self, line: int, cells: list[Cell], positions: dict[str, int]) -> None:
        self.line, self.cells, self.positions = line, cells, positions
        self.errors: list[RowError] = []

    def raw(self, key: str) -> Cell:
        index = self.positions.get(key)
        return self.cells[index] if index is not None and index < len(self.cells) else None

    def error(self, key: str, value: Any, reason: str, **params: Any) -> None:
        self.errors.append(RowError(self.line, _header_of(key), _text(value), reason, params))

    def text(self, key: str, *, required: bool = False, max_length: int = 200, phone: bool = False) -> str:
        value = _text(self.raw(key))
        if not value:
            if required:
                self.error(key, value, N_("This cell is required."))
            return ""
        if not phone and value.startswith(FORMULA_START):
            self.error(key, value, N_("Formulas and cells starting with = + - @ are not allowed."))
            return ""
        if any(unicodedata.category(c) == "Cc" for c in value):
            self.error(key, value, N_("The cell contains control characters."))
            return ""
        if len(value) > max_length:
            self.error(key, value, N_("The text is too long."))
            return ""
        return value


def id_as_meant(value: Cell) -> str:
    """The student id a cell most likely means however it is written ("7901 0000", "７９０１", "'7901", "7901.0"):
    its digits in ASCII. Only for keeping that student in its class when the row is refused, never for importing."""
    text = re.sub(r"\.0+$", "", _text(value))
    return "".join(str(unicodedata.digit(c)) for c in text if unicodedata.digit(c, None) is not None)


def _parse_date(value: Cell) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = DATE_PATTERN.match(_text(value))
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _name(row: _Row, key: str, *, required: bool) -> str:
    value = row.text(key, required=required)
    if value and any(c.isdigit() for c in value):
        row.error(key, value, N_("A person's name cannot contain digits."))
        return ""
    if value and not has_letters(value):
        row.error(key, value, N_("A name must contain letters."))
        return ""
    return plain_text(value)  # without the bidi and invisible marks that make a name display as another


def _guardian(row: _Row, relation: str) -> GuardianRow | None:
    name = _name(row, f"{relation}_name", required=False)
    raw_phone = row.text(f"{relation}_phone", phone=True, max_length=40)
    raw_email = row.text(f"{relation}_email", max_length=254)
    phone = email = None
    if raw_phone:
        try:
            phone = normalize_vn_phone(raw_phone)
        except ValueError as exc:
            row.error(f"{relation}_phone", raw_phone, str(exc))
    if raw_email:
        try:
            email = validate_email(raw_email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            row.error(f"{relation}_email", raw_email, N_("This is not a valid email address."))
    if not name:
        if (raw_phone or raw_email) and not _text(row.raw(f"{relation}_name")):  # a refused name has its own error
            row.error(f"{relation}_name", "", N_("A phone or email is given but the guardian's name is missing."))
        return None
    return GuardianRow(relation, name, phone, email)


def parse_row(
    line: int, cells: list[Cell], positions: dict[str, int], class_names: dict[str, str], year_start: date
) -> StudentRow | list[RowError]:
    """Validate one row: a StudentRow, or every error found in it (the row is then skipped whole)."""
    row = _Row(line, cells, positions)
    national_id = row.text("national_id", required=True, max_length=40)
    if national_id and not NATIONAL_ID_PATTERN.fullmatch(national_id):
        if any(c.isdigit() and not c.isascii() for c in national_id):
            reason = N_("The student id must be written with the digits 0 to 9 (not full-width or other scripts).")
        else:
            reason = N_("The student id must be 8 to 15 digits.")
        row.error("national_id", national_id, reason)
    full_name = _name(row, "full_name", required=True)
    raw_birth = row.raw("date_of_birth")
    birth = _parse_date(raw_birth)
    if raw_birth in (None, ""):
        row.error("date_of_birth", raw_birth, N_("This cell is required."))
    elif birth is None:
        row.error("date_of_birth", raw_birth, N_("The date must be written dd/mm/yyyy, e.g. 05/09/2013."))
    elif not 2 <= (year_start.year - birth.year) <= 25:
        row.error("date_of_birth", raw_birth, N_("This date of birth is not plausible for a student."))
    gender_text = row.text("gender", max_length=10)
    gender = GENDERS.get(fold(gender_text)) if gender_text else None
    if gender_text and gender is None:
        row.error("gender", gender_text, N_("Gender must be Nam or Nữ."))
    class_text = row.text("class_name", required=True, max_length=20)
    class_name = class_names.get(class_key(class_text)) if class_text else None
    if class_text and class_name is None:
        row.error("class_name", class_text, N_("There is no class with this name in the school year."))
    guardians = tuple(g for g in (_guardian(row, r) for r in RELATIONS) if g is not None)
    if row.errors:
        return row.errors
    assert birth is not None and class_name is not None
    return StudentRow(line, national_id, full_name, birth, gender, class_name, guardians)
