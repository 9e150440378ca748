"""Reading an uploaded roster file (.xlsx or .csv) into a header and rows of cell values."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from contactbook.auth.rules import N_

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


def read_roster(filename: str, content: bytes) -> Sheet:
    """Read `content` as .xlsx or .csv (by extension); raise RosterFileError for an unreadable file."""
    if not content.strip():
        raise RosterFileError(N_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise RosterFileError(N_("The file is larger than 10 MB."))
    name = filename.lower()
    if name.endswith(".xlsx"):
        lines = _xlsx_lines(content)
    elif name.endswith(".csv"):
        lines = _csv_lines(content)
    else:
        raise RosterFileError(N_("Only .xlsx and .csv files can be imported."))
    return _sheet(lines)


def _sheet(lines: Iterator[tuple[int, list[Cell]]]) -> Sheet:
    header: list[str] | None = None
    rows: list[tuple[int, list[Cell]]] = []
    for line, cells in lines:
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
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


def _xlsx_lines(content: bytes) -> Iterator[tuple[int, list[Cell]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # Formulas are read as their text (data_only=False), so that "=HYPERLINK(...)" can be refused.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise RosterFileError(N_("This is not a valid Excel (.xlsx) file.")) from exc
    try:
        sheet = workbook.worksheets[0]
        for index, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield index, [_cell(v) for v in row]
    finally:
        workbook.close()


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
