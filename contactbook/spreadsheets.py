"""Reading the first sheet of an uploaded workbook (.xlsx, .xls) into rows of cell values, safely.

An upload is hostile until read: a zip can hide gigabytes of XML, a sheet can declare a million rows
(`<dimension ref="A1:XFD1048576">`) or too few, and a malformed part makes the readers raise almost
anything. So every reader here looks only at the real cells, never reads past `max_rows` rows and
`max_columns` columns, and turns every failure into one `SpreadsheetError` that says which problem it
was; each feature words the message for its own page. A caller that must refuse a longer sheet asks
for one row (or column) more than it accepts and looks whether it came back.
"""

from __future__ import annotations

import enum
import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime, time
from typing import Any

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # the compound file of the old binary .xls
MAX_UNZIPPED = 20 * 1024 * 1024  # a 2 MB zip can hide gigabytes of XML


class Problem(enum.Enum):
    NOT_XLSX = "not_xlsx"
    OLD_XLS = "old_xls"  # an .xlsx was expected, this is an Excel 97 file
    NOT_XLS = "not_xls"
    TOO_BIG_UNZIPPED = "too_big_unzipped"


class SpreadsheetError(ValueError):
    """The workbook cannot be read; `problem` says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def read_xlsx(
    content: bytes, *, max_rows: int, max_columns: int, max_unzipped: int = MAX_UNZIPPED, formula: object = None
) -> list[list[Any]]:
    """The first sheet's first `max_rows` rows, each cut to `max_columns` cells, from its real cells.

    A row without any value comes back empty ([]). A formula cell is `formula` when given, else the
    formula's text ("=A1+1"), never a computed value.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise SpreadsheetError(Problem.OLD_XLS if content.startswith(OLE_SIGNATURE) else Problem.NOT_XLSX) from exc
    if unzipped > max_unzipped:
        raise SpreadsheetError(Problem.TOO_BIG_UNZIPPED)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        try:
            sheet = workbook.worksheets[0]
            # read_only trusts the declared <dimension>: forget it, so that only real cells are read.
            sheet.reset_dimensions()
            if formula is None:  # values only: the fast path, for sheets of thousands of lines
                rows: Iterable[Sequence[Any]] = sheet.iter_rows(max_row=max_rows, max_col=max_columns, values_only=True)
            else:
                rows = (
                    [formula if cell.data_type == "f" else cell.value for cell in row]
                    for row in sheet.iter_rows(max_row=max_rows, max_col=max_columns)
                )
            # The blank lines openpyxl fills in (up to `max_rows`) are checked in C, not cell by cell.
            return [list(values) if values.count(None) < len(values) else [] for values in rows]
        finally:
            workbook.close()
    except Exception as exc:  # openpyxl raises a wide, undocumented range of errors on a malformed file
        raise SpreadsheetError(Problem.NOT_XLSX) from exc


def read_xls(content: bytes, *, max_rows: int, max_columns: int) -> list[list[Any]]:
    """The first sheet of an Excel 97 (.xls) file, as `read_xlsx` reads an .xlsx: dates as dates."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=content, on_demand=True, ragged_rows=True)
        try:
            sheet = book.sheet_by_index(0)
            rows = []
            for index in range(min(sheet.nrows, max_rows)):
                cells = sheet.row_slice(index, 0, min(sheet.row_len(index), max_columns))
                rows.append([_xls_value(cell, book.datemode) for cell in cells])
            return rows
        finally:
            book.release_resources()
    except Exception as exc:  # xlrd too raises many kinds of error on a damaged file
        raise SpreadsheetError(Problem.NOT_XLS) from exc


def _xls_value(cell: Any, datemode: int) -> Any:
    import xlrd

    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if cell.ctype == xlrd.XL_CELL_DATE:
        moment = xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        return moment.date() if moment.time() == time(0) else moment
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        return int(cell.value) if float(cell.value).is_integer() else cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERR")
    value = cell.value
    return value if isinstance(value, str | datetime) else str(value)
