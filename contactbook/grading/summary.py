"""The class summary of the homeroom teacher: every subject's averages, results, conduct, absences,
promotion and titles, computed by `rules` from what the grids, the term records and the attendance marks hold.

Absences are the sessions absent counted from the attendance marks over each semester's dates
(`contactbook.attendance.totals`); the year's is their sum, which the promotion rule's 45 sessions weighs.

Comment-only subjects count their semester II assessment for the year, and primary subjects their
end-of-year level and test, as the circulars assess at the end of the year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl.styles import Font
from sqlalchemy import select

from contactbook.attendance.totals import absences_between
from contactbook.extensions import among, db
from contactbook.grading import rules
from contactbook.grading.grid import Cell, columns_for, semester_average
from contactbook.grading.rules import Competence, Level, PrimaryLevel
from contactbook.models import (
    AssessmentKind,
    SchoolClass,
    SchoolYear,
    Score,
    Semester,
    Student,
    Subject,
    TeachingAssignment,
    TermRecord,
)
from contactbook.roster.queries import class_students
from contactbook.spreadsheet_export import new_workbook, sheet_name, xlsx_bytes

PRIMARY_LAST_GRADE = 5  # tiểu học is grades 1 to 5, assessed by levels (Thông tư 27)
PRIMARY_KINDS = (AssessmentKind.LEVEL,)
SECONDARY_KINDS = (AssessmentKind.SCORED, AssessmentKind.COMMENT)


@dataclass
class SubjectLine:
    """One subject of one student: per semester and for the year, a score or a pass/level."""

    kind: AssessmentKind
    semesters: dict[int, Decimal | str | None] = field(default_factory=dict)
    year: Decimal | str | None = None
    test: int | None = None  # primary: the end-of-year test


@dataclass
class StudentLine:
    student: Student
    subjects: dict[int, SubjectLine] = field(default_factory=dict)  # by subject id
    learning: dict[int, Level | None] = field(default_factory=dict)  # by semester number
    conduct: dict[int, Level | None] = field(default_factory=dict)
    absences: dict[int, int] = field(default_factory=dict)  # sessions absent, by semester number
    year_absences: int = 0  # sessions absent over the whole school year (the promotion rule's count)
    competence: Competence | None = None
    year_learning: Level | None = None
    year_conduct: Level | None = None
    promoted: bool | None = None
    title: rules.Title | None = None
    primary_result: rules.PrimaryResult | None = None


@dataclass
class Summary:
    school_class: SchoolClass
    semesters: list[Semester]
    subjects: list[Subject]
    lines: list[StudentLine]
    taught: set[int] = field(default_factory=set)  # ids of the subjects someone teaches the class

    @property
    def untaught(self) -> list[Subject]:
        """The class's subjects nobody teaches it yet: their marks, and so the results, stay open."""
        return [s for s in self.subjects if s.id not in self.taught]

    @property
    def primary(self) -> bool:
        """A primary class: every subject assessed by levels (Thông tư 27)."""
        return bool(self.subjects) and all(s.assessment_kind == AssessmentKind.LEVEL for s in self.subjects)


def taught_subject_ids(school_class: SchoolClass) -> set[int]:
    """The subjects someone teaches the class (a teaching assignment)."""
    return set(
        db.session.scalars(select(TeachingAssignment.subject_id).where(TeachingAssignment.class_id == school_class.id))
    )


def class_subjects(school_class: SchoolClass, taught: set[int] | None = None) -> list[Subject]:
    """The subjects the class is assessed in, by name: those taught to it, and every other subject of the
    school assessed the same way (scores and comments from grade 6, levels in primary grades), so that a
    learning result waits for a subject nobody teaches the class yet instead of counting without it."""
    taught = taught_subject_ids(school_class) if taught is None else taught
    kinds = PRIMARY_KINDS if school_class.grade_level <= PRIMARY_LAST_GRADE else SECONDARY_KINDS
    return list(
        db.session.scalars(
            select(Subject)
            .where(Subject.school_id == school_class.school_id)
            .where(Subject.assessment_kind.in_(kinds) | among(Subject.id, list(taught)))
            .order_by(Subject.name)
        )
    )


def absences_by_semester(student_ids: list[int], semesters: list[Semester]) -> dict[int, dict[int, int]]:
    """Sessions absent of each student in each semester (by number), from the attendance marks of its dates."""
    totals: dict[int, dict[int, int]] = {student_id: {} for student_id in student_ids}
    for semester in semesters:
        for student_id, count in absences_between(student_ids, semester.starts_on, semester.ends_on).items():
            totals[student_id][semester.number] = count
    return totals


def summarise(school_class: SchoolClass) -> Summary:
    """Everything the summary shows, in a handful of queries whatever the class size."""
    semesters = list(
        db.session.scalars(
            select(Semester).where(Semester.school_year_id == school_class.school_year_id).order_by(Semester.number)
        )
    )
    taught = taught_subject_ids(school_class)
    subjects = class_subjects(school_class, taught)
    students = class_students(school_class)
    ids = [s.id for s in students]
    number_of = {s.id: s.number for s in semesters}
    cells: dict[int, dict[tuple[int, int], dict[str, Cell]]] = {}  # by student, then (subject, semester number)
    for score in db.session.scalars(
        select(Score).where(among(Score.student_id, ids), among(Score.semester_id, list(number_of)))
    ):
        key = (score.subject_id, number_of[score.semester_id])
        cells.setdefault(score.student_id, {}).setdefault(key, {})[score.column] = Cell(
            score.value, score.level, score.comment
        )
    records: dict[int, dict[int, TermRecord]] = {}
    for record in db.session.scalars(
        select(TermRecord).where(among(TermRecord.student_id, ids), among(TermRecord.semester_id, list(number_of)))
    ):
        records.setdefault(record.student_id, {})[number_of[record.semester_id]] = record
    absences = absences_by_semester(ids, semesters)
    year = db.session.get(SchoolYear, school_class.school_year_id)
    in_year = absences_between(ids, year.starts_on, year.ends_on) if year is not None else {}
    lines = [
        student_line(
            s, subjects, cells.get(s.id, {}), records.get(s.id, {}), absences.get(s.id, {}), in_year.get(s.id, 0)
        )
        for s in students
    ]
    return Summary(school_class, semesters, subjects, lines, taught)


def student_line(
    student: Student,
    subjects: list[Subject],
    cells: Mapping[tuple[int, int], dict[str, Cell]],
    records: Mapping[int, TermRecord],
    absences: Mapping[int, int],
    year_absences: int,
) -> StudentLine:
    """One student's marks and results from its cells by (subject id, semester number), its term records, its
    sessions absent by semester number and over the whole school year (the summary passes every cell; the
    families' portal only the published ones)."""
    line = StudentLine(student, year_absences=year_absences)
    for subject in subjects:
        by_semester = {n: cells.get((subject.id, n), {}) for n in (1, 2)}
        line.subjects[subject.id] = _subject_line(subject, by_semester)
    for number in (1, 2):
        record = records.get(number)
        line.conduct[number] = Level(record.conduct) if record and record.conduct else None
        line.absences[number] = absences.get(number, 0)
        line.learning[number] = _learning(subjects, line, number)
    second = records.get(2)
    line.competence = Competence(second.competence) if second and second.competence else None
    _year(subjects, line)
    return line


def _subject_line(subject: Subject, by_semester: Mapping[int, dict[str, Cell]]) -> SubjectLine:
    kind = subject.assessment_kind
    line = SubjectLine(kind)
    columns = columns_for(kind, subject.periods_per_year)
    for number, cells in by_semester.items():
        if kind == AssessmentKind.SCORED:
            line.semesters[number] = semester_average(cells, columns)
        elif kind == AssessmentKind.COMMENT:
            line.semesters[number] = cells["kq"].level if "kq" in cells else None
        else:
            line.semesters[number] = cells["ck"].level if "ck" in cells else None
    first, second = line.semesters.get(1), line.semesters.get(2)
    if kind == AssessmentKind.SCORED:
        if isinstance(first, Decimal) and isinstance(second, Decimal):
            line.year = rules.year_average(first, second)
    else:
        line.year = second
        final = by_semester.get(2, {}).get("ck")
        if kind == AssessmentKind.LEVEL and final is not None and final.value is not None:
            line.test = int(final.value)
    return line


def _learning(subjects: list[Subject], line: StudentLine, number: int | None) -> Level | None:
    """The learning result of a semester (or the year, `number` None), once every subject has its mark."""
    scored: dict[str, Decimal] = {}
    commented: dict[str, bool] = {}
    for subject in subjects:
        subject_line = line.subjects[subject.id]
        mark = subject_line.year if number is None else subject_line.semesters.get(number)
        if subject.assessment_kind == AssessmentKind.LEVEL:
            return None  # primary classes have no learning result of this kind
        if mark is None:
            return None
        if isinstance(mark, Decimal):
            scored[subject.name] = mark
        else:
            commented[subject.name] = mark == Level.DAT
    if not scored and not commented:
        return None
    return rules.learning_result(scored, commented)


def _year(subjects: list[Subject], line: StudentLine) -> None:
    if subjects and all(s.assessment_kind == AssessmentKind.LEVEL for s in subjects):
        levels = {s.name: line.subjects[s.id].year for s in subjects}
        if all(isinstance(v, str) for v in levels.values()) and line.competence is not None:
            tests = {s.name: t for s in subjects if (t := line.subjects[s.id].test) is not None}
            line.primary_result = rules.primary_year_result(
                {name: PrimaryLevel(str(v)) for name, v in levels.items()}, line.competence, tests
            )
        return
    line.year_learning = _learning(subjects, line, None)
    first, second = line.conduct.get(1), line.conduct.get(2)
    if first is not None and second is not None:
        line.year_conduct = rules.conduct_year(first, second)
    if line.year_learning is not None and line.year_conduct is not None:
        line.promoted = rules.promoted(line.year_conduct, line.year_learning, line.year_absences)
        averages = {s.name: mark for s in subjects if isinstance(mark := line.subjects[s.id].year, Decimal)}
        line.title = rules.title(line.year_conduct, line.year_learning, averages)


# --- The summary as a spreadsheet ---------------------------------------------------------------------


def mark(mark: Decimal | str | None, kind: AssessmentKind) -> str:
    if mark is None:
        return ""
    if isinstance(mark, Decimal):
        return rules.format_score(mark)
    return (PrimaryLevel(mark) if kind == AssessmentKind.LEVEL else Level(mark)).label


def _label(level: Level | None) -> str:
    return level.label if level else ""


def export_summary(the_summary: Summary) -> bytes:
    """The summary as an .xlsx: one row per student, each subject's semester and year marks, results."""
    workbook = new_workbook()
    sheet = workbook.active
    sheet.title = sheet_name(f"Tổng kết {the_summary.school_class.name}")
    headers = ["STT", "Mã định danh", "Họ và tên"]
    for subject in the_summary.subjects:
        headers += [f"{subject.name} HK I", f"{subject.name} HK II", f"{subject.name} cả năm"]
    headers += ["Học tập HK I", "Học tập HK II", "Học tập cả năm", "Rèn luyện HK I", "Rèn luyện HK II",
                "Rèn luyện cả năm", "Số buổi nghỉ", "Lên lớp", "Danh hiệu", "Kết quả (tiểu học)"]  # fmt: skip
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, line in enumerate(the_summary.lines, start=1):
        row: list[str | int] = [number, line.student.national_id, line.student.full_name]
        for subject in the_summary.subjects:
            subject_line = line.subjects[subject.id]
            row += [
                mark(subject_line.semesters.get(1), subject.assessment_kind),
                mark(subject_line.semesters.get(2), subject.assessment_kind),
                mark(subject_line.year, subject.assessment_kind),
            ]
        row += [
            *(
                level.label if level else ""
                for level in (line.learning.get(1), line.learning.get(2), line.year_learning)
            ),
            *(level.label if level else "" for level in (line.conduct.get(1), line.conduct.get(2), line.year_conduct)),
            line.year_absences,
            "" if line.promoted is None else ("Lên lớp" if line.promoted else "Chưa được lên lớp"),
            line.title.label if line.title else "",
            line.primary_result.label if line.primary_result else "",
        ]
        sheet.append(row)
    sheet.freeze_panes = "D2"
    return xlsx_bytes(workbook)
