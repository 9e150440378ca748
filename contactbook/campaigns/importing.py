"""Reading a list of schools to invite (.csv or .xlsx): columns name, level, email, authority (optional).

The first row is a header. Every row is checked before anything is saved: the answer is either the rows to
invite, or the problems of each wrong row (a list with any problem invites nobody).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from contactbook.campaigns.rules import school_key
from contactbook.campaigns.services import InvitationRow
from contactbook.campaigns.services.campaigns import ALREADY_INVITED
from contactbook.i18n import N_
from contactbook.inputs import has_letters, plain_text
from contactbook.models import SchoolLevel
from contactbook.spreadsheets import SpreadsheetError, read_xlsx

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_COLUMNS = 4
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# What a list may say in the level column (case and spaces aside).
LEVEL_WORDS: dict[str, SchoolLevel] = {
    **{level.value: level for level in SchoolLevel},
    "mầm non": SchoolLevel.PRESCHOOL,
    "mn": SchoolLevel.PRESCHOOL,
    "tiểu học": SchoolLevel.PRIMARY,
    "th": SchoolLevel.PRIMARY,
    "thcs": SchoolLevel.LOWER_SECONDARY,
    "trung học cơ sở": SchoolLevel.LOWER_SECONDARY,
    "thpt": SchoolLevel.UPPER_SECONDARY,
    "trung học phổ thông": SchoolLevel.UPPER_SECONDARY,
}


class ListFileError(ValueError):
    """The file cannot be read as a list at all; the message says why (to translate when shown)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str  # to translate when shown


@dataclass
class ReadList:
    rows: list[InvitationRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def _text(value: Any) -> str:
    return plain_text("" if value is None else str(value))


def _lines(filename: str, content: bytes) -> Iterator[tuple[int, list[Any]]]:
    if not content.strip():
        raise ListFileError(N_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise ListFileError(N_("The file is larger than 2 MB."))
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            rows = read_xlsx(content, max_rows=MAX_ROWS + 2, max_columns=MAX_COLUMNS)
        except SpreadsheetError as exc:
            raise ListFileError(N_("This is not a valid Excel (.xlsx) file.")) from exc
        yield from enumerate(rows, start=1)
        return
    if not name.endswith(".csv"):
        raise ListFileError(N_("Only .xlsx and .csv files can be imported."))
    if b"\x00" in content[:4096]:
        raise ListFileError(N_("This is not a text (.csv) file."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ListFileError(N_("The .csv file is not in UTF-8. Save it as 'CSV UTF-8' and try again.")) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, list(row[:MAX_COLUMNS])
    except csv.Error as exc:
        raise ListFileError(N_("The .csv file is malformed.")) from exc


def read_list(
    filename: str,
    content: bytes,
    authorities: Mapping[str, int],
    default_authority_id: int,
    invited: Collection[tuple[str, str]] = (),
) -> ReadList:
    """The schools of the list, or each wrong row's problem; `authorities` maps names (lowercase) to ids,
    `invited` holds the schools the campaign has already invited (`school_key`)."""
    result = ReadList()
    header_seen = False
    seen: set[tuple[str, str]] = set()
    for line, cells in _lines(filename, content):
        values = [_text(cell) for cell in cells] + [""] * MAX_COLUMNS
        if not any(values):
            continue
        if not header_seen:
            header_seen = True
            continue
        if line > MAX_ROWS + 1:
            raise ListFileError(N_("The list has more than 2,000 schools."))
        name, level_text, email, authority_name = values[:MAX_COLUMNS]
        level = LEVEL_WORDS.get(level_text.lower())
        authority_id = authorities.get(authority_name.lower()) if authority_name else default_authority_id
        problem = None
        if not name or len(name) > 200:
            problem = N_("The school name is missing or too long.")
        elif not has_letters(name):
            problem = N_("A name must contain letters.")
        elif level is None:
            problem = N_("The level is not one of: mầm non, tiểu học, THCS, THPT.")
        elif not EMAIL.fullmatch(email) or len(email) > 254:
            problem = N_("The email address is not valid.")
        elif authority_id is None:
            problem = N_("This authority is not under the campaign's authority.")
        elif school_key(email, name) in seen:
            problem = N_("This school is listed twice.")
        elif school_key(email, name) in invited:
            problem = ALREADY_INVITED
        if problem is not None:
            result.problems.append(RowProblem(line, problem))
            continue
        assert level is not None and authority_id is not None
        seen.add(school_key(email, name))
        result.rows.append(InvitationRow(name, level, email, authority_id))
    if not header_seen:
        raise ListFileError(N_("The file is empty."))
    if not result.rows and not result.problems:
        raise ListFileError(N_("The file has a header but no school rows."))
    return result
