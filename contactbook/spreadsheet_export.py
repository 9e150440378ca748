"""Every spreadsheet the app writes comes from here, so that no cell of any export can run as a formula.

Excel, LibreOffice and Google Sheets run a cell whose text starts with = + - @ (typed through an East Asian
input method, their fullwidth forms too), and a tab or line break before them hides the sign. Such a text
gets an apostrophe before it, the way a user types text that must not be a formula; numbers, dates and empty
cells stay as they are. `new_workbook` is the only way code of the package creates a workbook and
`csv_bytes` the only CSV writer (tests/test_exports.py fails on any other), and a workbook's `save` walks
every cell of every sheet first, so a cell however it was set is covered:

    book = new_workbook()
    book.active.append([subject.name, 8.5])  # "=HYPERLINK(…)" is written as the text "'=HYPERLINK(…)"
    data = xlsx_bytes(book)
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"
MONEY_FORMAT = "#,##0"  # đồng
PERCENT_FORMAT = "0.0%"
Cell = str | int | float | None
# What a spreadsheet may take for the start of a formula: the ASCII signs, their fullwidth forms, and the
# white space a cell may start with before them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FILENAME_FORBIDDEN = re.compile(r"[^A-Za-z0-9_-]+")


def inert(text: str) -> str:
    """`text` made inert for a spreadsheet: a leading = + - @ (or tab, line break) gets an apostrophe before it."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return "'" + text if text.startswith(FORMULA_START) else text


def inert_value(value: Any) -> Any:
    """A cell's value as written: text made inert, anything else (numbers, dates, empty) as it is."""
    return inert(value) if isinstance(value, str) else value


def quoted(text: str) -> str:
    """`text` as `inert` wrote it, read back: the apostrophe before a formula sign taken off."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


class _InertWorksheet(Worksheet):
    """A worksheet whose appended rows are made inert as they come."""

    def append(self, iterable: Iterable[Any]) -> None:
        if isinstance(iterable, dict):
            super().append({key: inert_value(value) for key, value in iterable.items()})
        else:
            super().append([inert_value(value) for value in iterable])


class _InertWorkbook(Workbook):
    """A workbook of inert worksheets, which makes every cell inert again before it is written."""

    def __init__(self) -> None:
        super().__init__()
        self._sheets.clear()
        self._sheets.append(_InertWorksheet(self))

    def create_sheet(self, title: str | None = None, index: int | None = None) -> Worksheet:
        sheet = _InertWorksheet(parent=self, title=title)
        self._add_sheet(sheet=sheet, index=index)
        return sheet

    def save(self, filename: Any) -> None:
        for sheet in self.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        cell.value = inert(cell.value)
                    elif cell.data_type == "f":  # a formula object (ArrayFormula, DataTableFormula)
                        text = str(getattr(cell.value, "text", "") or "")
                        cell.value = inert(text if text.startswith("=") else "=" + text)
        super().save(filename)


def new_workbook() -> Workbook:
    """An empty workbook (one sheet) whose cells can hold no formula."""
    return _InertWorkbook()


def xlsx_bytes(workbook: Workbook) -> bytes:
    """The .xlsx file of a workbook made by `new_workbook`."""
    if not isinstance(workbook, _InertWorkbook):
        raise TypeError("only a workbook made by new_workbook() is written")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *, delimiter: str = ",", bom: bool = True) -> bytes:
    """A UTF-8 CSV file as Excel's 'CSV UTF-8' saves it (with a BOM), every text field made inert."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([inert(title) for title in header])
    writer.writerows([["" if value is None else inert_value(value) for value in row] for row in rows])
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def table_sheet(workbook: Workbook, title: str, headers: Sequence[str], *, first: bool = False) -> Worksheet:
    """A sheet of a report's table: `title`, a bold frozen header row (the workbook's first sheet if `first`)."""
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = sheet_name(title)
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    return sheet


def sheet_name(text: str) -> str:
    """`text` as a worksheet's name: without the characters Excel refuses there, at most 31 long."""
    return _SHEET_TITLE_FORBIDDEN.sub("-", ILLEGAL_CHARACTERS_RE.sub("", text))[:31] or "Sheet"


def ascii_filename(prefix: str, *parts: str) -> str:
    """`prefix-part-part.xlsx` with only ASCII letters, digits, - and _, so every browser keeps it."""
    name = _FILENAME_FORBIDDEN.sub("-", "-".join(parts)).strip("-")
    return f"{prefix}-{name}.xlsx" if name else f"{prefix}.xlsx"
