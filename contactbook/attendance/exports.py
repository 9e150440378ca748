"""A class's attendance for a month as a spreadsheet: a row per student, a column per school day (or session),
the codes P (nghỉ có phép), K (nghỉ không phép), M (đi muộn), and each student's totals.

Read only. The school days are the weekdays of the month within the class's school year, and any other day
(a Saturday class, say) on which the class has marks. A school that marks sessions or periods gets a morning
and an afternoon column a day; a session missed period by period shows its code, a few periods missed show
each ("K3 M4": period 3 absent, period 4 late).
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from openpyxl.styles import Alignment, Font
from sqlalchemy import select

from contactbook.attendance.rules import AFTERNOON, DAY, MORNING, PERIODS, AbsenceTotals, absence_totals, half_of
from contactbook.attendance.settings import settings_of
from contactbook.extensions import db
from contactbook.models import (
    ABSENT_STATUSES,
    AttendanceMark,
    AttendanceStatus,
    AttendanceUnit,
    School,
    SchoolClass,
    SchoolYear,
    Student,
)
from contactbook.roster.queries import class_students, name_order
from contactbook.spreadsheet_export import new_workbook, sheet_name, xlsx_bytes

CODES = {AttendanceStatus.EXCUSED: "P", AttendanceStatus.UNEXCUSED: "K", AttendanceStatus.LATE: "M"}
MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
FIRST_YEAR, LAST_YEAR = 2000, 2099
WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")  # thứ hai … chủ nhật
HALVES = {MORNING: "S", AFTERNOON: "C"}  # sáng, chiều


def parse_month(text: str) -> date | None:
    """The first day of month "YYYY-MM" (ASCII digits, 2000 to 2099), or None for anything else."""
    match = MONTH.fullmatch(text)
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        return None
    return date(year, month, 1)


Totals = AbsenceTotals


@dataclass
class MonthSheet:
    """What the month's sheet shows: its columns (day, slot) and, per student, each cell's code and totals."""

    school_class: SchoolClass
    month: date
    columns: list[tuple[date, str]]
    students: list[Student]
    cells: dict[int, dict[tuple[date, str], str]] = field(default_factory=dict)
    totals: dict[int, Totals] = field(default_factory=dict)


def cell_code(marks: list[tuple[str, AttendanceStatus]]) -> str:
    """The code of one student's marks (slot, status) in one column: "", "P", "K", "M", or periods ("K3 M4")."""
    periods = sorted(((slot, status) for slot, status in marks if slot in PERIODS), key=lambda m: PERIODS.index(m[0]))
    parts = [CODES[status] for slot, status in marks if slot not in PERIODS and status in CODES]
    if periods and all(status in ABSENT_STATUSES for _slot, status in periods):
        unexcused = any(status == AttendanceStatus.UNEXCUSED for _slot, status in periods)
        parts.append(CODES[AttendanceStatus.UNEXCUSED if unexcused else AttendanceStatus.EXCUSED])
    else:
        parts += [f"{CODES[status]}{slot[1:]}" for slot, status in periods if status in CODES]
    return " ".join(parts)


def month_totals(marks: list[tuple[date, str, AttendanceStatus]]) -> Totals:
    """A student's totals from its marks (day, slot, status): sessions as `absent_sessions` counts them."""
    return absence_totals(marks)


def _column_slot(unit: AttendanceUnit, slot: str) -> str:
    """The column of the sheet a mark's slot falls in: the day, or its half (a whole-day mark: the morning)."""
    if unit == AttendanceUnit.DAY:
        return DAY
    half = half_of(slot)
    return MORNING if half == DAY else half


def month_sheet(school: School, school_class: SchoolClass, month: date) -> MonthSheet:
    """The class's sheet of the month starting on `month` (its first day)."""
    last = date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
    unit = settings_of(school).unit
    rows = db.session.execute(
        select(AttendanceMark.student_id, AttendanceMark.on, AttendanceMark.slot, AttendanceMark.status).where(
            AttendanceMark.school_id == school.id,
            AttendanceMark.class_id == school_class.id,
            AttendanceMark.on >= month,
            AttendanceMark.on <= last,
        )
    ).tuples()
    marks: dict[int, list[tuple[date, str, AttendanceStatus]]] = defaultdict(list)
    for student_id, on, slot, status in rows:
        marks[student_id].append((on, slot, status))
    year = db.session.get(SchoolYear, school_class.school_year_id)
    marked_days = {on for own in marks.values() for on, _slot, _status in own}
    days = [
        day
        for day in (date(month.year, month.month, n) for n in range(1, last.day + 1))
        if day in marked_days or (day.weekday() < 5 and year is not None and year.starts_on <= day <= year.ends_on)
    ]
    slots = (DAY,) if unit == AttendanceUnit.DAY else (MORNING, AFTERNOON)
    columns = [(day, slot) for day in days for slot in slots]
    students = class_students(school_class)
    listed = {student.id for student in students}
    missing = [student_id for student_id in marks if student_id not in listed]
    if missing:  # students who left the class since: their marks stay on the sheet
        students.extend(db.session.scalars(select(Student).where(Student.id.in_(missing))))
        students.sort(key=lambda s: (name_order(s.full_name), s.id))
    sheet = MonthSheet(school_class, month, columns, students)
    for student in students:
        own = marks.get(student.id, [])
        by_column: dict[tuple[date, str], list[tuple[str, AttendanceStatus]]] = defaultdict(list)
        for on, slot, status in own:
            by_column[(on, _column_slot(unit, slot))].append((slot, status))
        sheet.cells[student.id] = {column: cell_code(found) for column, found in by_column.items()}
        sheet.totals[student.id] = month_totals(own)
    return sheet


def _header(day: date, slot: str) -> str:
    label = f"{WEEKDAYS[day.weekday()]} {day.day:02d}"
    return label if slot == DAY else f"{label} {HALVES[slot]}"


def export_month(sheet: MonthSheet) -> bytes:
    """The month's sheet as an .xlsx, every cell inert (`spreadsheet_export`)."""
    workbook = new_workbook()
    ws = workbook.active
    month_label = f"{sheet.month.month:02d}-{sheet.month.year}"
    ws.title = sheet_name(f"Điểm danh {sheet.school_class.name} {month_label}")
    ws.append([f"Điểm danh lớp {sheet.school_class.name}, tháng {sheet.month.month}/{sheet.month.year}"])
    ws["A1"].font = Font(bold=True)
    headers = ["STT", "Mã định danh", "Họ và tên", *(_header(day, slot) for day, slot in sheet.columns)]
    headers += ["Có phép (buổi)", "Không phép (buổi)", "Đi muộn (lần)", "Tổng số buổi nghỉ"]
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center")
    for number, student in enumerate(sheet.students, start=1):
        cells = sheet.cells.get(student.id, {})
        totals = sheet.totals.get(student.id, Totals())
        ws.append(
            [
                number,
                student.national_id,
                student.full_name,
                *(cells.get(column, "") for column in sheet.columns),
                totals.excused,
                totals.unexcused,
                totals.late,
                totals.sessions,
            ]
        )
    absent_codes = {CODES[AttendanceStatus.EXCUSED], CODES[AttendanceStatus.UNEXCUSED]}
    absent_per_column = [
        sum(1 for student in sheet.students if absent_codes & set(sheet.cells[student.id].get(column, "").split()))
        for column in sheet.columns
    ]
    ws.append(["", "", "Số học sinh vắng", *absent_per_column])
    ws.append([])
    ws.append(["P: nghỉ có phép · K: nghỉ không phép · M: đi muộn · số sau mã: tiết (K3: nghỉ tiết 3)"])
    ws.freeze_panes = "D3"
    ws.column_dimensions["C"].width = 28
    return xlsx_bytes(workbook)
