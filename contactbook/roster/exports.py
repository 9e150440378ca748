"""A class list as an Excel workbook, safe to open: no cell can be read as a formula."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from contactbook.models import SchoolClass, StudentGuardian
from contactbook.roster.labels import domestic_phone, gender_label, relation_label
from contactbook.roster.queries import RosterLine
from contactbook.roster.rules import FORMULA_START, RELATIONS

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FILENAME_FORBIDDEN = re.compile(r"[^A-Za-z0-9_-]+")


def sheet_name(text: str) -> str:
    """`text` as a worksheet's name: without the characters Excel refuses there, at most 31 long."""
    return _SHEET_TITLE_FORBIDDEN.sub("-", ILLEGAL_CHARACTERS_RE.sub("", text))[:31] or "Sheet"


def ascii_filename(prefix: str, *parts: str) -> str:
    """`prefix-part-part.xlsx` with only ASCII letters, digits, - and _, so every browser keeps it."""
    name = _FILENAME_FORBIDDEN.sub("-", "-".join(parts)).strip("-")
    return f"{prefix}-{name}.xlsx" if name else f"{prefix}.xlsx"


def neutralise(text: str) -> str:
    """`text` made inert for a spreadsheet: a leading = + - @ (or tab, return) gets an apostrophe before it."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return "'" + text if text.startswith(FORMULA_START) else text


def _headers() -> list[str]:
    guardian_columns = [
        title
        for relation in RELATIONS
        for title in (relation_label(relation), _("Phone of %(person)s", person=relation_label(relation).lower()))
    ]
    return [_("No."), _("National student id"), _("Full name"), _("Date of birth"), _("Gender"), *guardian_columns]


def _guardian_cells(links: Sequence[StudentGuardian]) -> list[str]:
    """Name and phone for the father, the mother and the other guardian; several in one slot share it."""
    slots: dict[str, list[StudentGuardian]] = {relation: [] for relation in RELATIONS}
    for link in links:
        slots.get(link.relation, slots["guardian"]).append(link)
    cells: list[str] = []
    for relation in RELATIONS:
        guardians = [link.guardian for link in slots[relation]]
        cells.append("; ".join(g.full_name for g in guardians))
        cells.append("; ".join(domestic_phone(g.phone) for g in guardians if g.phone))
    return cells


def class_list_workbook(school_class: SchoolClass, lines: Sequence[RosterLine]) -> bytes:
    """The class list (the students in `lines`, in their order) as an .xlsx file."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name(f"{school_class.name} {school_class.school_year.name}")
    sheet.append([neutralise(title) for title in _headers()])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for number, line in enumerate(lines, start=1):
        student = line.student
        values = [
            student.national_id,
            student.full_name,
            student.date_of_birth.strftime("%d/%m/%Y"),
            gender_label(student.gender),
            *_guardian_cells(line.guardians),
        ]
        # Every value is text: ids keep their leading zeros, and dates read the same in any Excel locale.
        sheet.append([number, *(neutralise(value) for value in values)])
    for letter, width in zip("ABCDEFGHIJK", (5, 16, 28, 12, 8, 24, 14, 24, 14, 24, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def class_list_filename(school_class: SchoolClass) -> str:
    """`danh-sach-lop-6A1-2025-2026.xlsx`: ASCII only, so every browser keeps it."""
    return ascii_filename("danh-sach-lop", school_class.name, school_class.school_year.name)
