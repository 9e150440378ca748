"""A grid as the teacher's own spreadsheet: export it to .xlsx, and read an edited copy back as the grid's form.

The headers are plain Vietnamese, never translated: the file is the teacher's record and must read back
the same whatever language the page that exported it was in. Reading yields the very form the web grid
posts (field name → text), so `services.save_grid` checks a spreadsheet exactly as it checks the page:

    reading = read_grid_sheet(grid, data)
    if not reading.errors:
        refused = services.save_grid(school, actor, grid, reading.form).errors
        messages = reading.located(refused)  # "Ô E7: Điểm đã công bố: …"

Students are matched by national id (mã định danh), never by row or name. A student absent from the
sheet, or a grid column absent from it, is left as it is; an empty cell of a present student clears it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from contactbook.grading import rules
from contactbook.grading.grid import (
    COMMENT_MAX,
    LEVEL,
    PASS,
    ROMAN,
    SCORE,
    Cell,
    Column,
    cell_text,
    field_names,
    level_choices,
)
from contactbook.grading.grid import semester_average as row_average
from contactbook.grading.services.grids import Grid
from contactbook.roster import rules as roster_rules
from contactbook.spreadsheet_export import new_workbook, quoted, sheet_name, xlsx_bytes
from contactbook.spreadsheets import MAX_UNZIPPED, Problem, SpreadsheetError, read_xlsx

NUMBER, NATIONAL_ID, FULL_NAME, AVERAGE, COMMENT = "STT", "Mã định danh", "Họ và tên", "ĐTBmhk", "Nhận xét"
MAX_BYTES = 2 * 1024 * 1024
MAX_STUDENTS = 500  # student rows
MAX_LINES = 1000  # rows read at all: the title, the header, students, blank and signature lines
MAX_COLUMNS = 64
HEADER_SEARCH = 20  # the header is looked for in this many first rows
MAX_ERRORS = 50
HEADER_ROW = 2  # in the exported file: the title, then the header

# The usual abbreviations of the record books: Đ/CĐ (Thông tư 22), T/H/C (Thông tư 27).
_ABBREVIATIONS = {
    PASS: {"d": "dat", "cd": "chua_dat"},
    LEVEL: {"t": "hoan_thanh_tot", "htt": "hoan_thanh_tot", "h": "hoan_thanh", "ht": "hoan_thanh"}
    | {"c": "chua_hoan_thanh", "cht": "chua_hoan_thanh"},
}
_OUR_TITLE = re.compile(r"bang diem mon .+ lop .+ hoc ky [iv]+ nam hoc .+")  # `sheet_title`, folded
_FORMULA = object()  # stands for a formula cell: its text is never taken as a value


def _roster_headers(key: str) -> set[str]:
    column = next(c for c in roster_rules.COLUMNS if c.key == key)
    return {roster_rules.fold(name) for name in (column.header, *column.aliases)}


_ID_HEADERS = _roster_headers("national_id")
_IGNORED_HEADERS = {roster_rules.fold(NUMBER), roster_rules.fold(AVERAGE), *_roster_headers("full_name")}


@dataclass(frozen=True)
class _Part:
    """One spreadsheet column of the grid: a part ("value", "level", "comment") of a grid column."""

    header: str
    column: Column
    part: str


def _parts(grid: Grid) -> list[_Part]:
    parts = []
    for column in grid.columns:
        if column.kind == SCORE:
            parts.append(_Part(column.label, column, "value"))
            continue
        parts.append(_Part(column.label, column, "level"))
        if column.test:
            parts.append(_Part(f"KT {column.label.lower()}", column, "value"))
        if column.comment:
            parts.append(_Part(COMMENT, column, "comment"))
    return parts


def _scored(grid: Grid) -> bool:
    return bool(grid.columns) and grid.columns[0].kind == SCORE


def sheet_title(grid: Grid) -> str:
    """The title row: "Bảng điểm môn Toán – lớp 6A1 – Học kỳ I – năm học 2025-2026"."""
    return (
        f"Bảng điểm môn {grid.subject.name} – lớp {grid.school_class.name} – "
        f"Học kỳ {ROMAN[grid.semester.number]} – năm học {grid.school_class.school_year.name}"
    )


# --- Export ---------------------------------------------------------------------------------------------


def _stored_field(cell: Cell | None, part: _Part, primary: bool) -> str:
    """One part of a stored cell as the form has it: a score's text, a level's value, a comment."""
    if cell is None:
        return ""
    if part.part == "value":
        return "" if cell.value is None else cell_text(cell.value, primary=primary)
    if part.part == "level":
        return cell.level or ""
    return cell.comment or ""


def _shown(cell: Cell | None, part: _Part, primary: bool) -> str:
    """One part of a stored cell as the sheet shows it: levels by their Vietnamese label."""
    text = _stored_field(cell, part, primary)
    return dict(level_choices(part.column)).get(text, text) if part.part == "level" else text


def export_grid(grid: Grid) -> bytes:
    """The grid as an .xlsx file, one row per student in the grid's order; every cell is inert text."""
    parts = _parts(grid)
    scored = _scored(grid)
    headers = [NUMBER, NATIONAL_ID, FULL_NAME, *(p.header for p in parts), *([AVERAGE] if scored else [])]
    workbook = new_workbook()
    sheet = workbook.active
    sheet.title = sheet_name(f"{grid.school_class.name} HK{ROMAN[grid.semester.number]}")
    sheet.append([sheet_title(grid)])
    sheet.append(headers)
    for number, student in enumerate(grid.students, start=1):
        cells = grid.cells_of(student.id)
        row: list[int | str | None] = [number, student.national_id, student.full_name]
        row += [_shown(cells.get(p.column.key), p, grid.primary) or None for p in parts]
        if scored:
            average = row_average(cells, grid.columns)
            row.append(None if average is None else rules.format_score(average))
        sheet.append(row)
    _style(sheet, grid, parts, len(headers))
    return xlsx_bytes(workbook)


def _style(sheet: Any, grid: Grid, parts: list[_Part], width: int) -> None:
    last = HEADER_ROW + len(grid.students)
    sheet["A1"].font = Font(bold=True, size=13)
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="center")
    widths = [5, 16, 28, *(40 if p.part == "comment" else 11 for p in parts), 9]
    for index in range(1, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = widths[index - 1]
        # Text format, so that what the teacher types stays as typed: "8,5" does not become a date.
        for row in range(HEADER_ROW + 1, last + 1):
            sheet.cell(row=row, column=index).number_format = "@"
    for index, part in enumerate(parts, start=4):
        if part.part == "level" and grid.students:
            choices = ",".join(label for _, label in level_choices(part.column))
            validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
            letter = get_column_letter(index)
            validation.add(f"{letter}{HEADER_ROW + 1}:{letter}{last}")
            sheet.add_data_validation(validation)
    if _scored(grid):  # the average is computed, not entered: shown greyed
        for row in range(HEADER_ROW, last + 1):
            sheet.cell(row=row, column=width).font = Font(bold=row == HEADER_ROW, italic=True, color="808080")
    sheet.freeze_panes = f"D{HEADER_ROW + 1}"


# --- Import ---------------------------------------------------------------------------------------------


class _FileError(ValueError):
    """The file as a whole cannot be read; the message says why, in Vietnamese."""


@dataclass
class SheetReading:
    """What an uploaded sheet would submit: the grid's form, or why it cannot be taken.

    `form` is empty whenever `errors` is not, so that saving it by mistake changes nothing. `places`
    says where each form field came from: its cell ("Ô E7"), or its row ("Dòng 7") when it was completed
    from the stored cell because the sheet had only part of a grid column.
    """

    form: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    places: dict[str, str] = field(default_factory=dict)

    def located(self, refusals: Mapping[str, str]) -> list[str]:
        """`save_grid`'s refusals (by form field) as messages naming the spreadsheet cell."""
        return [f"{self.places[name]}: {text}" if name in self.places else text for name, text in refusals.items()]


def read_grid_sheet(grid: Grid, content: bytes) -> SheetReading:
    """Read an edited copy of the grid's sheet into the grid's form, or say what is wrong and where.

    Only the first sheet and its first `MAX_LINES` rows are read; the header is the row with the
    national id column. Every score is checked as `save_grid` will check it, to name its cell.
    """
    reading = SheetReading()
    try:
        rows = _rows(content)
    except _FileError as exc:
        reading.errors.append(str(exc))
        return reading
    _Reader(grid, reading).read(rows)
    if reading.errors:
        reading.form.clear()
        if len(reading.errors) > MAX_ERRORS:
            more = len(reading.errors) - MAX_ERRORS
            reading.errors[MAX_ERRORS:] = [f"… và {more} lỗi khác"]
    return reading


def _rows(content: bytes) -> list[list[object]]:
    """The first sheet's values by row (row 1 first); a formula cell is `_FORMULA`."""
    if not content.strip():
        raise _FileError("Tệp trống")
    if len(content) > MAX_BYTES:
        raise _FileError(f"Tệp lớn hơn {MAX_BYTES // (1024 * 1024)} MB")
    not_xlsx = "Tệp không phải là bảng tính Excel (.xlsx)"
    try:
        return read_xlsx(content, max_rows=MAX_LINES, max_columns=MAX_COLUMNS, formula=_FORMULA)
    except SpreadsheetError as exc:
        if exc.problem is Problem.TOO_BIG_UNZIPPED:
            raise _FileError(f"Bảng tính quá lớn (hơn {MAX_UNZIPPED // (1024 * 1024)} MB khi giải nén)") from exc
        if exc.problem is Problem.OLD_XLS:
            raise _FileError(f"{not_xlsx}: mở tệp .xls bằng Excel rồi lưu lại dạng .xlsx") from exc
        raise _FileError(not_xlsx) from exc


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_text(number: int | float) -> str:
    """A number Excel stored, as the teacher typed it: 8.5 → "8,5", 8.0 → "8", 8.25 → "8,25"."""
    # repr() is the shortest text that gives the float back: 7.1, never 7.0999999999999996447.
    exact = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
    if not exact.is_finite():
        return str(number)
    if exact == exact.to_integral_value():
        return str(int(exact))
    return format(exact, "f").replace(".", ",")


def _text(value: object) -> str:
    """A cell's text, trimmed; a number as the teacher typed it; an exported apostrophe taken off."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_text(value)
    return quoted(str(value).strip()).strip()  # an apostrophe put there on export taken off


def _ref(index: int, line: int) -> str:
    return f"{get_column_letter(index + 1)}{line}"


def _levels(column: Column) -> dict[str, str]:
    """The texts a level cell may hold (labels and values, any case or accents), to the level's value."""
    lookup = {roster_rules.fold(text): value for value, label in level_choices(column) for text in (label, value)}
    return lookup | _ABBREVIATIONS[column.kind]


def _either(labels: list[str]) -> str:
    return f"{', '.join(labels[:-1])} hoặc {labels[-1]}" if len(labels) > 1 else "".join(labels)


class _Reader:
    """Reads the rows of one sheet into a `SheetReading`, collecting every error."""

    def __init__(self, grid: Grid, reading: SheetReading) -> None:
        self.grid, self.reading = grid, reading
        self.parts = _parts(grid)
        self.by_header = {roster_rules.fold(part.header): part for part in self.parts}
        self.levels = {part.column.key: _levels(part.column) for part in self.parts if part.part == "level"}
        self.by_id = {student.national_id.strip(): student for student in grid.students}
        self.seen: dict[int, int] = {}  # student id → the line it was read on

    def error(self, message: str) -> None:
        self.reading.errors.append(message)

    def read(self, rows: list[list[object]]) -> None:
        found = self._header(rows)
        if found is None:
            self.error(f"Không tìm thấy dòng tiêu đề (cần cột {NATIONAL_ID})")
            return
        line, id_index = found
        if not self._same_grid(rows[: line - 1]):
            return
        columns = self._columns(rows[line - 1], line, id_index)
        lines = []
        for number, cells in enumerate(rows[line:], start=line + 1):
            if id_index < len(cells) and not _blank(cells[id_index]):
                lines.append((number, cells))
            elif any(index < len(cells) and not _blank(cells[index]) for index in columns):
                self.error(f"Dòng {number}: thiếu {NATIONAL_ID.lower()}")
            # else a blank line, or a signature or note under the table
        if len(lines) > MAX_STUDENTS:
            self.reading.errors[:] = [f"Bảng tính có hơn {MAX_STUDENTS} dòng học sinh"]
            return
        if not lines and not self.reading.errors:
            self.error("Bảng tính không có dòng học sinh nào")
        for number, cells in lines:
            self._row(number, cells, id_index, columns)

    def _header(self, rows: list[list[object]]) -> tuple[int, int] | None:
        """The line of the header row and the index of its national id column."""
        for line, cells in enumerate(rows[:HEADER_SEARCH], start=1):
            for index, value in enumerate(cells):
                if isinstance(value, str) and roster_rules.fold(value) in _ID_HEADERS:
                    return line, index
        return None

    def _same_grid(self, above: list[list[object]]) -> bool:
        """False (with an error) when our title above the header names another class, subject or semester.

        A title of the teacher's own ("Bảng điểm") is not ours, and is left alone.
        """
        expected = sheet_title(self.grid)
        for line, cells in enumerate(above, start=1):
            for index, value in enumerate(cells):
                text = _text(value) if isinstance(value, str) else ""
                folded = roster_rules.fold(text)
                if _OUR_TITLE.fullmatch(folded) and folded != roster_rules.fold(expected):
                    self.error(f"Ô {_ref(index, line)}: tệp này là “{text}”, không phải “{expected}”")
                    return False
        return True

    def _columns(self, header: list[object], line: int, id_index: int) -> dict[int, _Part]:
        """The grid parts by column index; an unknown or repeated header is an error."""
        columns: dict[int, _Part] = {}
        where: dict[str, str] = {}
        for index, value in enumerate(header):
            text = _text(value) if value is not _FORMULA else ""
            key = roster_rules.fold(text)
            if not key or index == id_index or key in _IGNORED_HEADERS or key in _ID_HEADERS:
                continue
            ref = _ref(index, line)
            part = self.by_header.get(key)
            if part is None:
                known = ", ".join(p.header for p in self.parts)
                self.error(f"Ô {ref}: không có cột “{text}” trong bảng điểm môn {self.grid.subject.name} ({known})")
            elif key in where:
                self.error(f"Ô {ref}: cột “{text}” có hai lần (cả ở ô {where[key]})")
            else:
                columns[index], where[key] = part, ref
        return columns

    def _row(self, line: int, cells: list[object], id_index: int, columns: dict[int, _Part]) -> None:
        raw = cells[id_index]
        if raw is _FORMULA:
            self.error(f"Ô {_ref(id_index, line)}: ô chứa công thức, hãy nhập giá trị")
            return
        national_id = _text(raw)
        student = self.by_id.get(national_id)
        if student is None and isinstance(raw, int | float):
            # Excel turned the id into a number and dropped its leading zeros.
            same = [s for s in self.grid.students if s.national_id.strip().lstrip("0") == national_id.lstrip("0")]
            student = same[0] if len(same) == 1 else None
        if student is None:
            self.error(f"Dòng {line}: mã định danh {national_id} không có trong lớp {self.grid.school_class.name}")
            return
        if student.id in self.seen:
            self.error(
                f"Dòng {line}: học sinh {student.full_name} (mã định danh {student.national_id}) "
                f"đã có ở dòng {self.seen[student.id]}"
            )
            return
        self.seen[student.id] = line
        touched = set()
        for index, part in columns.items():
            name = field_names(student.id, part.column)[part.part]
            ref = _ref(index, line)
            text = self._field(part, cells[index] if index < len(cells) else None, ref)
            touched.add(part.column.key)
            if text is not None:
                self.reading.form[name], self.reading.places[name] = text, f"Ô {ref}"
        # A grid column the sheet has only part of keeps its other parts: the form would clear them.
        stored = self.grid.cells_of(student.id)
        for part in self.parts:
            name = field_names(student.id, part.column)[part.part]
            if part.column.key in touched and name not in self.reading.form:
                self.reading.form[name] = _stored_field(stored.get(part.column.key), part, self.grid.primary)
                self.reading.places[name] = f"Dòng {line}"

    def _field(self, part: _Part, value: object, ref: str) -> str | None:
        """The form text of one cell, or None (with an error naming the cell)."""
        if value is _FORMULA:
            self.error(f"Ô {ref}: ô chứa công thức, hãy nhập giá trị")
            return None
        if part.part == "value" and isinstance(value, datetime | date | time):
            self.error(f"Ô {ref}: Excel đã đổi điểm thành ngày giờ; định dạng ô là Văn bản (Text) rồi nhập lại")
            return None
        text = _text(value)
        if part.part == "value":
            if text:
                try:
                    rules.parse_score(text, primary=self.grid.primary)
                except ValueError as exc:
                    self.error(f"Ô {ref}: {exc}")
                    return None
            return text
        if part.part == "level":
            if not text:
                return ""
            level = self.levels[part.column.key].get(roster_rules.fold(text))
            if level is None:
                labels = [label for _, label in level_choices(part.column)]
                self.error(f"Ô {ref}: “{text}” không phải là mức đánh giá (chọn {_either(labels)})")
            return level
        comment = " ".join(text.split())
        if len(comment) > COMMENT_MAX:
            self.error(f"Ô {ref}: {COMMENT} dài quá {COMMENT_MAX} ký tự")
            return None
        return comment
