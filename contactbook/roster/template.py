"""The roster file the school downloads to fill in: the import's columns, as the sector database names them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from contactbook.roster.rules import COLUMNS
from contactbook.spreadsheet_export import new_workbook, xlsx_bytes

HEADERS = [c.header for c in COLUMNS]
SHEET_TITLE = "Danh sách học sinh"


def roster_xlsx(rows: Sequence[Mapping[str, str]] = ()) -> bytes:
    """An .xlsx workbook with the import's header row and `rows` (empty: the blank template)."""
    workbook = new_workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row[h] for h in HEADERS])
    return xlsx_bytes(workbook)
