"""Factories and readers for the roster import tests: a school year with classes, roster rows, files."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from contactbook.demo.roster_data import generate_roster
from contactbook.extensions import db
from contactbook.models import (
    Enrolment,
    EnrolmentStatus,
    Guardian,
    RosterImport,
    SchoolClass,
    SchoolYear,
    Student,
    StudentGuardian,
)
from contactbook.phones import normalize_vn_phone
from contactbook.roster import services
from contactbook.roster.imports import ImportPlan
from contactbook.roster.template import HEADERS, roster_xlsx
from tests.factories import SchoolPeople, csrf_token

YEAR_NAME = "2025-2026"
YEAR_START = 2025
CLASSES: tuple[tuple[str, int], ...] = (("6A1", 6), ("6A2", 6), ("7A1", 7))
EMPTY_COUNTS = {"students": 0, "guardians": 0, "enrolments": 0, "links": 0}
SEMESTERS = ((date(2025, 9, 5), date(2026, 1, 15)), (date(2026, 1, 19), date(2026, 5, 31)))

# The reasons given for a bad row (message ids, shown translated), written out so a change is deliberate.
REQUIRED = "This cell is required."
BAD_ID = "The student id must be 8 to 15 digits."
NOT_ASCII_ID = "The student id must be written with the digits 0 to 9 (not full-width or other scripts)."
BAD_DATE = "The date must be written dd/mm/yyyy, e.g. 05/09/2013."
IMPLAUSIBLE_BIRTH = "This date of birth is not plausible for a student."
BAD_GENDER = "Gender must be Nam or Nữ."
UNKNOWN_CLASS = "There is no class with this name in the school year."
DIGITS_IN_NAME = "A person's name cannot contain digits."
NO_LETTERS = "A name must contain letters."
FORMULA = "Formulas and cells starting with = + - @ are not allowed."
CONTROL = "The cell contains control characters."
TOO_LONG = "The text is too long."
BAD_EMAIL = "This is not a valid email address."
GUARDIAN_WITHOUT_NAME = "A phone or email is given but the guardian's name is missing."
# The phone normaliser's messages (contactbook.phones), written out so that a change there is deliberate.
PHONE_NOT_DIGITS = "The phone number contains letters or other characters that are not digits."
PHONE_LANDLINE = "This is a landline number; it cannot receive SMS."
PHONE_TOO_FEW = "The phone number has too few digits."
PHONE_SCIENTIFIC = (
    "Excel changed the phone number into a number like 9.12E+08; format the column as Text and type the number again."
)
PHONE_SEVERAL = "Only one phone number per cell, please."
DUPLICATE_ID = "This student id appears more than once in the file (lines %(lines)s)."
# The reasons a whole file is refused.
EMPTY_FILE = "The file is empty."
NO_ROWS = "The file has a header but no student rows."
MISSING_COLUMNS = "The file is missing required columns."
NOT_XLSX = "This is not a valid Excel (.xlsx) file."
NOT_XLS = "This is not a valid Excel 97 (.xls) file."
TOO_MANY_LINES = "The file has more than 20,000 rows."
TOO_MANY_COLUMNS = "The file has more than 100 columns."
NO_VALID_ROW = "No row of the file is valid: nothing was imported. Correct the rows listed and import the file again."
NOT_CSV = "This is not a text (.csv) file."
NOT_UTF8 = "The .csv file is not in UTF-8. Save it as 'CSV UTF-8' and try again."
WRONG_TYPE = "Only .xlsx, .xls and .csv files can be imported."
ALREADY_DONE = "This import has already been confirmed or cancelled."

# Cells that openpyxl or a spreadsheet hands over: text, real dates, numbers, nothing.
XlsxCell = str | date | datetime | int | float | None


@dataclass
class YearClasses:
    """A school year of one school and its classes by name."""

    year: SchoolYear
    classes: dict[str, SchoolClass]


def make_year(people: SchoolPeople, name: str = YEAR_NAME) -> YearClasses:
    """School year 2025-2026 of `people`'s school with classes 6A1, 6A2 and 7A1, made through the services."""
    year = services.create_year(people.school, people.admin, name=name, semester_dates=SEMESTERS)
    classes = {
        class_name: services.create_class(
            people.school, people.admin, year=year, name=class_name, grade_level=grade, homeroom_teacher=None
        )
        for class_name, grade in CLASSES
    }
    return YearClasses(year, classes)


def student_row(
    national_id: str,
    full_name: str,
    class_name: str = "6A1",
    *,
    date_of_birth: str = "05/09/2013",
    gender: str = "Nam",
    **guardians: str,
) -> dict[str, str]:
    """One row of an export, by hand. Guardian cells by key: father_name, father_phone, mother_email, ..."""
    row = dict.fromkeys(HEADERS, "")
    row.update({"Mã định danh": national_id, "Họ và tên": full_name, "Ngày sinh": date_of_birth, "Giới tính": gender})
    row["Lớp"] = class_name
    words = {"father": "cha", "mother": "mẹ", "guardian": "người giám hộ"}
    kinds = {"name": "Họ tên", "phone": "Điện thoại", "email": "Email"}
    for key, value in guardians.items():
        relation, kind = key.split("_")
        row[f"{kinds[kind]} {words[relation]}"] = value
    return row


def import_roster(
    people: SchoolPeople,
    year: YearClasses,
    content: bytes,
    filename: str = "danh-sach.csv",
    *,
    allow_many_left: bool = False,
) -> ImportPlan:
    """Upload a file and confirm it at once, through the services, as the school's admin."""
    record, _plan = services.start_import(people.school, people.admin, year.year, filename, content)
    return services.confirm_import(people.school, people.admin, record, allow_many_left=allow_many_left)


def generated_rows(
    classes: tuple[tuple[str, int], ...] = CLASSES[:2], per_class: int = 5, *, seed: int = 7, id_prefix: str = "79"
) -> list[dict[str, str]]:
    """Rows as the sector database exports them (deterministic for a seed)."""
    return generate_roster(classes, per_class, year_start=YEAR_START, seed=seed, id_prefix=id_prefix)


def csv_file(rows: list[dict[str, str]], *, delimiter: str = ",", bom: bool = True) -> bytes:
    """The rows as a UTF-8 CSV, as Excel's 'CSV UTF-8' saves it, written as given (hostile text included).

    Not the app's `to_csv`, which makes every formula inert: these files stand for what a school uploads.
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADERS, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def xlsx_file(header: list[str], rows: list[list[XlsxCell]]) -> bytes:
    """A real workbook: dates stay date cells (formatted dd/mm/yyyy), numbers stay numbers."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Danh sách học sinh"
    sheet.append(header)
    for cells in rows:
        sheet.append(cells)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, date | datetime):
                cell.number_format = "dd/mm/yyyy"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_of_columns(rows: list[dict[str, str]], headers: list[str]) -> bytes:
    """The rows as a UTF-8 CSV that has only the given columns (as a hand-made or partial export has)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def with_part(workbook: bytes, name: str, content: bytes | None) -> bytes:
    """The .xlsx with one part of its zip replaced by `content` (or taken out, for None)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info.filename))
        if content is not None:
            target.writestr(name, content)
    return out.getvalue()


def part(workbook: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        return archive.read(name)


SHEET = "xl/worksheets/sheet1.xml"


def thirty_rows() -> bytes:
    return roster_xlsx(generated_rows(per_class=15))


def with_sheet_xml(workbook: bytes, before: bytes, insert: bytes) -> bytes:
    """The workbook with `insert` written into its first sheet's XML just before `before`."""
    xml = part(workbook, SHEET)
    assert before in xml
    return with_part(workbook, SHEET, xml.replace(before, insert + before, 1))


def damaged(kind: str) -> bytes:
    """Thirty good rows in a workbook damaged in one way (`DAMAGED` names them)."""
    good = thirty_rows()
    if kind == "truncated sheet XML":
        xml = part(good, SHEET)
        return with_part(good, SHEET, xml[: len(xml) // 2])
    if kind == "bad styles.xml":
        return with_part(good, "xl/styles.xml", b"<styleSheet><numFmts count='x'><numFmt")
    if kind == "bad workbook.xml":
        return with_part(good, "xl/workbook.xml", b"<workbook><sheets><sheet name=")
    if kind == "shared-string index out of range":
        return with_sheet_xml(good, b"</sheetData>", b'<row r="40"><c r="A40" t="s"><v>999</v></c></row>')
    if kind == "missing sheet part":
        return with_part(good, SHEET, None)
    if kind == "not a zip":
        return b"PK\x03\x04 this was a workbook once" + bytes(range(256))
    raise AssertionError(kind)


DAMAGED = [
    "truncated sheet XML",
    "bad styles.xml",
    "bad workbook.xml",
    "shared-string index out of range",
    "missing sheet part",
    "not a zip",
]


def roster_counts(school_id: int) -> dict[str, int]:
    """How many students, guardians, enrolments and student-guardian links the school has."""

    def count(model: Any) -> int:
        return int(db.session.scalar(select(func.count()).select_from(model).where(model.school_id == school_id)) or 0)

    return {
        "students": count(Student),
        "guardians": count(Guardian),
        "enrolments": count(Enrolment),
        "links": count(StudentGuardian),
    }


def counts_after_import(rows: list[dict[str, str]]) -> dict[str, int]:
    """What importing generated rows (father and mother columns) creates: one guardian per distinct phone."""
    phones = [row[f"Điện thoại {word}"] for row in rows for word in ("cha", "mẹ")]
    return {
        "students": len(rows),
        "guardians": len({normalize_vn_phone(p) for p in phones if p}),
        "enrolments": len(rows),
        "links": sum(1 for p in phones if p),
    }


def roster_state(school_id: int) -> dict[str, set[tuple[Any, ...]]]:
    """Every roster row of the school with the columns an import may change (updated_at included)."""
    db.session.expire_all()

    def rows(*columns: Any) -> set[tuple[Any, ...]]:
        model = columns[0].class_
        return {tuple(r) for r in db.session.execute(select(*columns).where(model.school_id == school_id))}

    return {
        "students": rows(
            Student.id,
            Student.national_id,
            Student.full_name,
            Student.date_of_birth,
            Student.gender,
            Student.updated_at,
        ),
        "enrolments": rows(Enrolment.id, Enrolment.student_id, Enrolment.class_id, Enrolment.status, Enrolment.left_at),
        "guardians": rows(Guardian.id, Guardian.full_name, Guardian.phone, Guardian.email),
        "links": rows(
            StudentGuardian.id, StudentGuardian.student_id, StudentGuardian.guardian_id, StudentGuardian.relation
        ),
    }


def import_count(school_id: int) -> int:
    """How many import records (pending, applied or cancelled) the school has."""
    return int(db.session.scalar(select(func.count(RosterImport.id)).where(RosterImport.school_id == school_id)) or 0)


def student(school_id: int, national_id: str) -> Student:
    """The school's student with this national id (fails when absent)."""
    db.session.expire_all()
    return db.session.execute(
        select(Student).where(Student.school_id == school_id, Student.national_id == national_id)
    ).scalar_one()


def enrolment_of(school_id: int, national_id: str) -> tuple[str, EnrolmentStatus]:
    """(class name, status) of the student's only enrolment."""
    db.session.expire_all()
    row = db.session.execute(
        select(SchoolClass.name, Enrolment.status)
        .join(Enrolment, Enrolment.class_id == SchoolClass.id)
        .join(Student, Student.id == Enrolment.student_id)
        .where(Student.school_id == school_id, Student.national_id == national_id)
    ).one()
    return row[0], row[1]


def guardians_of(school_id: int, national_id: str) -> set[tuple[str, str, str | None, str | None]]:
    """(relation, name, phone, email) of each guardian linked to the student."""
    db.session.expire_all()
    return {
        (r.relation, r.full_name, r.phone, r.email)
        for r in db.session.execute(
            select(StudentGuardian.relation, Guardian.full_name, Guardian.phone, Guardian.email)
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .join(Student, Student.id == StudentGuardian.student_id)
            .where(Student.school_id == school_id, Student.national_id == national_id)
        )
    }


def upload(client: FlaskClient, slug: str, year_id: int, filename: str, content: bytes) -> TestResponse:
    """Submit the upload form with a file, as a browser would (with the session's CSRF token)."""
    return client.post(
        f"/s/{slug}/roster/import/",
        data={
            "csrf_token": csrf_token(client),
            "school_year_id": str(year_id),
            "file": (io.BytesIO(content), filename),
        },
        content_type="multipart/form-data",
    )
