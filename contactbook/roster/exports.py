"""A class list as an Excel workbook, safe to open: no cell can be read as a formula."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from openpyxl.styles import Alignment, Font

from contactbook.models import SchoolClass, StudentGuardian
from contactbook.roster.labels import domestic_phone, gender_label, relation_label
from contactbook.roster.queries import RosterLine
from contactbook.roster.rules import RELATIONS
from contactbook.spreadsheet_export import ascii_filename, new_workbook, sheet_name, xlsx_bytes


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
    workbook = new_workbook()
    sheet = workbook.active
    sheet.title = sheet_name(f"{school_class.name} {school_class.school_year.name}")
    sheet.append(_headers())
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
        sheet.append([number, *values])
    for letter, width in zip("ABCDEFGHIJK", (5, 16, 28, 12, 8, 24, 14, 24, 14, 24, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    return xlsx_bytes(workbook)


def class_list_filename(school_class: SchoolClass) -> str:
    """`danh-sach-lop-6A1-2025-2026.xlsx`: ASCII only, so every browser keeps it."""
    return ascii_filename("danh-sach-lop", school_class.name, school_class.school_year.name)
