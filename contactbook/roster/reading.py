"""Reading an uploaded roster file (.xlsx, .xls or .csv) into a header and rows of cell values.

Spreadsheets are read by `contactbook.spreadsheets` from their real cells; a file with more lines or
columns than the caps is refused whole rather than read in part.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from contactbook.i18n import N_
from contactbook.spreadsheets import Problem, SpreadsheetError, read_xls, read_xlsx

Cell = str | date | datetime | int | float | None


class RosterFileError(ValueError):
    """The file as a whole cannot be read; the message (an English message id) says why."""


@dataclass(frozen=True)
class Sheet:
    """The header row and the data rows (with their line numbers in the file)."""

    header: list[str]
    rows: list[tuple[int, list[Cell]]]


MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_LINES = MAX_ROWS + 1000  # lines read at all: the header, students, blank and note lines
MAX_COLUMNS = 100  # the sector's exports carry more columns than the layout; the rest are ignored
MAX_UNZIPPED = 100 * 1024 * 1024
SHEET_PROBLEMS = {
    Problem.NOT_XLSX: N_("This is not a valid Excel (.xlsx) file."),
    Problem.OLD_XLS: N_("This is not a valid Excel (.xlsx) file."),
    Problem.NOT_XLS: N_("This is not a valid Excel 97 (.xls) file."),
    Problem.TOO_BIG_UNZIPPED: N_("The spreadsheet is too large once unzipped (over 100 MB)."),
}


def read_roster(filename: str, content: bytes) -> Sheet:
    """Read `content` as .xlsx, .xls or .csv (by extension); raise RosterFileError for an unreadable file."""
    if not content.strip():
        raise RosterFileError(N_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise RosterFileError(N_("The file is larger than 10 MB."))
    name = filename.lower()
    if name.endswith(".csv"):
        return _sheet(_csv_lines(content))
    if not name.endswith((".xlsx", ".xls")):
        raise RosterFileError(N_("Only .xlsx, .xls and .csv files can be imported."))
    # One line and one column more than the caps are read, to see that the file goes beyond them.
    limits = {"max_rows": MAX_LINES + 1, "max_columns": MAX_COLUMNS + 1}
    try:
        if name.endswith(".xls"):
            rows = read_xls(content, **limits)
        else:
            rows = read_xlsx(content, **limits, max_unzipped=MAX_UNZIPPED)
    except SpreadsheetError as exc:
        raise RosterFileError(SHEET_PROBLEMS[exc.problem]) from exc
    return _sheet((line, [_cell(v) for v in cells]) for line, cells in enumerate(rows, start=1))


def _sheet(lines: Iterator[tuple[int, list[Cell]]]) -> Sheet:
    header: list[str] | None = None
    rows: list[tuple[int, list[Cell]]] = []
    for line, cells in lines:
        if line > MAX_LINES:
            raise RosterFileError(N_("The file has more than 20,000 rows."))
        if any(not _blank(c) for c in cells[MAX_COLUMNS:]):
            raise RosterFileError(N_("The file has more than 100 columns."))
        if all(_blank(c) for c in cells):
            continue
        if header is None:
            header = ["" if c is None else str(c) for c in cells]
            continue
        rows.append((line, cells))
        if len(rows) > MAX_ROWS:
            raise RosterFileError(N_("The file has more than 20,000 rows."))
    if header is None:
        raise RosterFileError(N_("The file is empty."))
    if not rows:
        raise RosterFileError(N_("The file has a header but no student rows."))
    return Sheet(header, rows)


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell(value: Any) -> Cell:
    if value is None or isinstance(value, str | date | datetime | int | float):
        return value
    return str(value)


def _csv_lines(content: bytes) -> Iterator[tuple[int, list[Cell]]]:
    if b"\x00" in content[:4096]:
        raise RosterFileError(N_("This is not a text (.csv) file."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterFileError(N_("The .csv file is not in UTF-8. Save it as 'CSV UTF-8' and try again.")) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, [cell if cell.strip() else None for cell in row]
    except csv.Error as exc:
        raise RosterFileError(N_("The .csv file is malformed.")) from exc
