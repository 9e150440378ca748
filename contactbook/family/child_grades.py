"""A child's grades as the family sees them: only published cells, their corrections, the averages and
results the published cells give, and each subject's trend over the year.

The family sees what the school has published and nothing else: a cell the teacher has typed but not
published is not here, an average appears once every cell it is made of is published, and a semester's
(or the year's) results, with the conduct the homeroom teacher recorded and the sessions absent the
attendance marks count, once every subject has its mark for it.
No rank, no class average, no other child: every query names the child and runs
under the child's school's row scope. Read only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from contactbook.attendance.totals import absences_between
from contactbook.extensions import db
from contactbook.family.charts import Chart, Slot, trend_chart
from contactbook.family.children import Child
from contactbook.grading.grid import SCORE, Cell, Column, cell_text, columns_for
from contactbook.grading.services.publishing import shown
from contactbook.grading.summary import SubjectLine, class_subjects, student_line
from contactbook.grading.summary import mark as mark_text
from contactbook.models import (
    AssessmentKind,
    SchoolClass,
    SchoolYear,
    Score,
    ScoreCorrection,
    Semester,
    Student,
    Subject,
    TermRecord,
)
from contactbook.tenancy import school_scope

ROMAN = {1: "I", 2: "II"}


def column_label(column: Column) -> str:
    """A column's name on the family's page: "Regular 1", "Midterm", "End of term", "Assessment"."""
    if column.key.startswith("tx"):
        return _("Regular %(number)s", number=column.key[2:])
    return {"gk": _("Midterm"), "ck": _("End of term")}.get(column.key, _("Assessment"))


class _Labels:
    """The page's column labels, each translated once (a page has ~170 cells of ~6 kinds of column)."""

    def __init__(self) -> None:
        self.columns: dict[str, str] = {}
        self.slots: dict[tuple[str, int], str] = {}

    def column(self, column: Column) -> str:
        """`column_label(column)`, once per column key."""
        if column.key not in self.columns:
            self.columns[column.key] = column_label(column)
        return self.columns[column.key]

    def slot(self, column: Column, number: int) -> str:
        """A chart point's label: the column and the semester."""
        if (column.key, number) not in self.slots:
            self.slots[column.key, number] = _(
                "%(column)s, sem. %(number)s", column=self.column(column), number=ROMAN[number]
            )
        return self.slots[column.key, number]


@dataclass(frozen=True)
class Mark:
    """A published cell."""

    text: str  # "8,5", "Đạt", "Hoàn thành tốt (9)"
    value: Decimal | None  # the score, or a primary test score
    comment: str | None
    corrected: bool


@dataclass(frozen=True)
class Correction:
    """A published cell that was changed: the old and new value, and why."""

    subject_id: int
    subject: str
    column: str
    semester: int
    old: str
    new: str
    reason: str
    corrected_at: datetime


@dataclass
class SubjectGrades:
    """One subject's published marks by semester and column, its averages and its chart."""

    id: int
    name: str
    kind: AssessmentKind
    columns: list[Column]
    labels: dict[str, str]  # each column's label, by key
    marks: dict[int, dict[str, Mark]] = field(default_factory=dict)  # by semester number, then column key
    semester_marks: dict[int, str] = field(default_factory=dict)  # average or level, once complete
    year_mark: str = ""
    corrections: list[Correction] = field(default_factory=list)
    chart: Chart | None = None


@dataclass(frozen=True)
class SemesterResult:
    """What the school has for a semester once every subject has its mark: learning, conduct, absences."""

    learning: str
    conduct: str
    absences: int


@dataclass(frozen=True)
class YearResult:
    """The year's results once every subject has its year mark."""

    learning: str
    conduct: str
    absences: int
    promoted: bool | None
    title: str


@dataclass
class ChildGrades:
    """Everything the grades tab shows."""

    year_name: str | None
    subjects: list[SubjectGrades] = field(default_factory=list)
    semesters: dict[int, SemesterResult] = field(default_factory=dict)
    year: YearResult | None = None
    primary_result: str = ""
    corrections: list[Correction] = field(default_factory=list)


def grades_of(child: Child) -> ChildGrades:
    """The child's published grades of its latest school year (the year of its latest class)."""
    if child.class_id is None:
        return ChildGrades(None)
    with school_scope(child.school_id):
        return _grades(child, child.class_id)


def _grades(child: Child, class_id: int) -> ChildGrades:
    school_class = db.session.scalar(
        select(SchoolClass).where(SchoolClass.id == class_id, SchoolClass.school_id == child.school_id)
    )
    if school_class is None:
        return ChildGrades(None)
    semesters = db.session.execute(
        select(Semester.id, Semester.number, SchoolYear.name, Semester.starts_on, Semester.ends_on)
        .join(SchoolYear, SchoolYear.id == Semester.school_year_id)
        .where(Semester.school_year_id == school_class.school_year_id, Semester.school_id == child.school_id)
    ).all()
    number_of = {row.id: row.number for row in semesters}
    result = ChildGrades(semesters[0].name if semesters else None)
    if not number_of:
        return result
    subjects = class_subjects(school_class)
    by_id = {subject.id: subject for subject in subjects}
    labels = _Labels()
    corrections, corrected_ids = _corrections(child, number_of, by_id, labels)
    cells: dict[tuple[int, int], dict[str, Cell]] = {}
    published: dict[tuple[int, int], dict[str, Mark]] = {}
    for row in db.session.execute(
        select(
            Score.id, Score.subject_id, Score.semester_id, Score.column, Score.value, Score.level, Score.comment
        ).where(
            Score.school_id == child.school_id,
            Score.student_id == child.student_id,
            Score.semester_id.in_(number_of),
            Score.published_at.is_not(None),
        )
    ):
        subject = by_id.get(row.subject_id)
        if subject is None:
            continue  # a subject the class is no longer assessed in
        key = (row.subject_id, number_of[row.semester_id])
        cells.setdefault(key, {})[row.column] = Cell(row.value, row.level, row.comment)
        text = shown(row.value, row.level, primary=subject.assessment_kind == AssessmentKind.LEVEL)
        published.setdefault(key, {})[row.column] = Mark(text, row.value, row.comment, row.id in corrected_ids)
    records = {
        number_of[record.semester_id]: record
        for record in db.session.scalars(
            select(TermRecord).where(
                TermRecord.school_id == child.school_id,
                TermRecord.student_id == child.student_id,
                TermRecord.semester_id.in_(number_of),
            )
        )
    }
    student = db.session.get(Student, child.student_id)
    assert student is not None  # the family's child, found by `child_or_404` in this request
    absences = {row.number: absences_between([student.id], row.starts_on, row.ends_on)[student.id] for row in semesters}
    year = db.session.get(SchoolYear, school_class.school_year_id)
    in_year = absences_between([student.id], year.starts_on, year.ends_on)[student.id] if year is not None else 0
    line = student_line(student, subjects, cells, records, absences, in_year)
    for subject in subjects:
        marks = {n: published.get((subject.id, n), {}) for n in (1, 2)}
        if not any(marks.values()):
            continue  # nothing published in this subject yet
        grades = _subject_grades(subject, marks, line.subjects[subject.id], labels)
        grades.corrections = [c for c in corrections if c.subject_id == subject.id]
        result.subjects.append(grades)
    result.corrections = corrections
    for number in (1, 2):
        learning = line.learning.get(number)
        if learning is not None:
            conduct = line.conduct.get(number)
            result.semesters[number] = SemesterResult(
                learning.label, conduct.label if conduct else "", line.absences.get(number, 0)
            )
    if line.year_learning is not None:
        result.year = YearResult(
            line.year_learning.label,
            line.year_conduct.label if line.year_conduct else "",
            line.year_absences,
            line.promoted,
            line.title.label if line.title else "",
        )
    if line.primary_result is not None:
        result.primary_result = line.primary_result.label
    return result


def _subject_grades(
    subject: Subject, marks: dict[int, dict[str, Mark]], summary_line: SubjectLine, labels: _Labels
) -> SubjectGrades:
    columns = columns_for(subject.assessment_kind, subject.periods_per_year)
    names = {column.key: labels.column(column) for column in columns}
    grades = SubjectGrades(subject.id, subject.name, subject.assessment_kind, columns, names, marks)
    for number in (1, 2):
        value = summary_line.semesters.get(number)
        if value is not None:
            grades.semester_marks[number] = mark_text(value, subject.assessment_kind)
    if summary_line.year is not None:
        grades.year_mark = mark_text(summary_line.year, subject.assessment_kind)
    if subject.assessment_kind != AssessmentKind.COMMENT:
        grades.chart = trend_chart(*(_slots(columns, marks[n], n, labels) for n in (1, 2)))
    return grades


def _slots(columns: list[Column], marks: dict[str, Mark], number: int, labels: _Labels) -> list[Slot]:
    """The chart's slots of one semester: each column with its published score (primary: its test score)."""
    slots = []
    for column in columns:
        published = marks.get(column.key)
        value = published.value if published is not None else None
        text = cell_text(value, primary=column.kind != SCORE) if value is not None else ""
        slots.append(Slot(labels.slot(column, number), value, text))
    return slots


def _corrections(
    child: Child, number_of: dict[int, int], subjects: dict[int, Subject], labels: _Labels
) -> tuple[list[Correction], set[int]]:
    """The child's corrections this year, newest first, and the ids of the scores they changed."""
    rows = db.session.execute(
        select(
            ScoreCorrection.score_id,
            ScoreCorrection.old_value,
            ScoreCorrection.new_value,
            ScoreCorrection.old_level,
            ScoreCorrection.new_level,
            ScoreCorrection.reason,
            ScoreCorrection.corrected_at,
            Score.subject_id,
            Score.semester_id,
            Score.column,
        )
        .join(Score, Score.id == ScoreCorrection.score_id)
        .where(
            ScoreCorrection.school_id == child.school_id,
            Score.school_id == child.school_id,
            Score.student_id == child.student_id,
            Score.semester_id.in_(number_of),
        )
        .order_by(ScoreCorrection.corrected_at.desc(), ScoreCorrection.id.desc())
    ).all()
    found = []
    corrected = {row.score_id for row in rows}
    for row in rows:
        subject = subjects.get(row.subject_id)
        if subject is None:
            continue
        columns = {c.key: c for c in columns_for(subject.assessment_kind, subject.periods_per_year)}
        column = columns.get(row.column)
        primary = column is not None and column.kind == "level"
        found.append(
            Correction(
                subject.id,
                subject.name,
                labels.column(column) if column else row.column,
                number_of[row.semester_id],
                shown(row.old_value, row.old_level, primary=primary),
                shown(row.new_value, row.new_level, primary=primary),
                row.reason,
                row.corrected_at,
            )
        )
    return found, corrected
