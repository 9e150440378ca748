"""The grid of one class, subject and semester: its columns, and reading what a teacher typed into it.

Pure: no Flask, no database. The same reading serves the web grid and the teacher's own spreadsheet,
so a cell is refused for the same reason whichever way it came.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from contactbook.grading import rules
from contactbook.grading.rules import Level, PrimaryLevel
from contactbook.inputs import plain_text
from contactbook.models.roster import AssessmentKind

SCORE, PASS, LEVEL = "score", "pass", "level"  # what a column holds
COMMENT_MAX = 500
PASS_LEVELS = (Level.DAT, Level.CHUA_DAT)
ROMAN = {1: "I", 2: "II"}


@dataclass(frozen=True)
class Column:
    """A column of the grid: `key` names it in the database and the form; `kind` says what it holds."""

    key: str
    label: str  # the grid's header
    kind: str
    test: bool = False  # a primary column also takes a whole-number test score
    comment: bool = False  # the student's comment for the semester sits in this column

    def heading(self, semester: int) -> str:
        """How a message names it: "giữa kỳ I", "thường xuyên 2 học kỳ II"."""
        if self.key.startswith("tx"):
            return f"thường xuyên {self.key[2:]} học kỳ {ROMAN[semester]}"
        if self.key == "gk":
            return f"giữa kỳ {ROMAN[semester]}"
        return f"cuối kỳ {ROMAN[semester]}" if self.key == "ck" else f"học kỳ {ROMAN[semester]}"


def columns_for(kind: AssessmentKind, periods_per_year: int) -> list[Column]:
    """The columns of a subject's grid, by how the subject is assessed and its periods per year."""
    if kind == AssessmentKind.COMMENT:
        return [Column("kq", "Đánh giá", PASS, comment=True)]
    if kind == AssessmentKind.LEVEL:
        return [Column("gk", "Giữa kỳ", LEVEL, test=True), Column("ck", "Cuối kỳ", LEVEL, test=True, comment=True)]
    regular = rules.regular_assessment_count(periods_per_year)
    return [
        *(Column(f"tx{i}", f"TX{i}", SCORE) for i in range(1, regular + 1)),
        Column("gk", "Giữa kỳ", SCORE),
        Column("ck", "Cuối kỳ", SCORE),
    ]


def field_names(student_id: int, column: Column) -> dict[str, str]:
    """The form fields of one cell: `value` (a score or test score), `level`, `comment`, as present."""
    names = {}
    if column.kind == SCORE or column.test:
        names["value"] = f"s-{student_id}-{column.key}"
    if column.kind in (PASS, LEVEL):
        names["level"] = f"l-{student_id}-{column.key}"
    if column.comment:
        names["comment"] = f"n-{student_id}"
    return names


@dataclass(frozen=True)
class Cell:
    """What a cell holds once read; all None is an empty cell."""

    value: Decimal | None = None
    level: str | None = None
    comment: str | None = None

    @property
    def empty(self) -> bool:
        return self.value is None and self.level is None and not self.comment


@dataclass
class Reading:
    """The cells read from a submission, by (student id, column key), and the refusals by form field."""

    cells: dict[tuple[int, str], Cell] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def level_choices(column: Column) -> list[tuple[str, str]]:
    """The levels a PASS or LEVEL column accepts, as (value, label)."""
    levels = PASS_LEVELS if column.kind == PASS else tuple(PrimaryLevel)
    return [(level.value, level.label) for level in levels]


def read_cells(
    form: Mapping[str, str],
    student_ids: list[int],
    columns: list[Column],
    *,
    primary: bool,
    stored: Mapping[tuple[int, str], Cell] | None = None,
) -> Reading:
    """Read every cell of the grid present in `form`; a cell whose fields are all absent is left out.

    A field that is absent keeps the `stored` part (a browser does not send a disabled field); a field
    present and empty clears it. A score goes through `rules.parse_score` (its message is the
    teacher's); a level must be one the column offers; a comment is trimmed, without control
    characters, and at most `COMMENT_MAX` characters. Only the cell's own field names are read.
    """
    reading = Reading()
    stored = stored or {}
    for student_id in student_ids:
        for column in columns:
            names = field_names(student_id, column)
            if not any(name in form for name in names.values()):
                continue
            before = stored.get((student_id, column.key), Cell())
            value, level, comment = before.value, before.level, before.comment
            if "value" in names and names["value"] in form:
                value = None
                raw = form[names["value"]].strip()
                if raw:
                    try:
                        value = rules.parse_score(raw, primary=primary)
                    except ValueError as exc:
                        reading.errors[names["value"]] = str(exc)
            if "level" in names and names["level"] in form:
                level = None
                chosen = form[names["level"]].strip()
                if chosen in {v for v, _ in level_choices(column)}:
                    level = chosen
                elif chosen:
                    reading.errors[names["level"]] = "Chọn một mức trong danh sách"
            if "comment" in names and names["comment"] in form:
                text = plain_text(form[names["comment"]])
                if len(text) > COMMENT_MAX:
                    reading.errors[names["comment"]] = f"Nhận xét dài quá {COMMENT_MAX} ký tự"
                comment = text or None
            reading.cells[(student_id, column.key)] = Cell(value, level, comment)
    return reading


def cell_text(value: Decimal, *, primary: bool) -> str:
    """A stored score as the teacher typed it: "8,5" (the database gives 9.0 for a primary test of 9: "9")."""
    return str(int(value)) if primary else rules.format_score(value)


def semester_average(cells: Mapping[str, Cell], columns: list[Column]) -> Decimal | None:
    """The semester average of a scored subject's row, or None while a score is missing."""
    if not columns or columns[0].kind != SCORE:
        return None
    regular = [cells[c.key].value for c in columns if c.key.startswith("tx") and c.key in cells]
    midterm, final = cells.get("gk"), cells.get("ck")
    expected = sum(1 for c in columns if c.key.startswith("tx"))
    if len(regular) != expected or any(v is None for v in regular) or not midterm or not final:
        return None
    if midterm.value is None or final.value is None:
        return None
    return rules.semester_average([v for v in regular if v is not None], midterm.value, final.value)
