"""The grade book's grids: who may see and enter them, loading one, and saving a whole grid at once.

Saving is one unit of work that commits once; a refused submission changes nothing. Who may do what
is decided here (`teaches`, `leads`, `may_view`), so the pages, the spreadsheet import and every other
service of the grade book ask the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from contactbook.audit import services as audit
from contactbook.extensions import among, db, insert_many
from contactbook.grading.grid import Cell, Column, Reading, columns_for, read_cells
from contactbook.models import (
    AssessmentKind,
    School,
    SchoolClass,
    Score,
    Semester,
    Student,
    Subject,
    TeachingAssignment,
    User,
)
from contactbook.models.base import utcnow
from contactbook.roster.queries import class_students

LOCKED = "Điểm đã công bố: dùng “Sửa điểm” và ghi lý do"
GRID_ERROR = "_grid"  # a refusal of the whole submission, not of one cell
CHANGED_MEANWHILE = "Bảng điểm vừa thay đổi (lưu hoặc công bố ở nơi khác); chưa lưu gì. Hãy tải lại trang."


class GradingError(ValueError):
    """An action the grade book refuses; the message is shown to the teacher as it is (Vietnamese)."""


# --- Who may do what ---------------------------------------------------------------------------------


def teaches(user: User, school_class: SchoolClass, subject: Subject) -> bool:
    """True when `user` is assigned to teach `subject` to `school_class`: only they enter its scores."""
    return (
        db.session.scalar(
            select(TeachingAssignment.id).where(
                TeachingAssignment.teacher_id == user.id,
                TeachingAssignment.class_id == school_class.id,
                TeachingAssignment.subject_id == subject.id,
            )
        )
        is not None
    )


def leads(user: User, school_class: SchoolClass) -> bool:
    """True when `user` is the class's homeroom teacher (sees the whole class, records conduct)."""
    return school_class.homeroom_teacher_id == user.id


def may_view(user: User, school_class: SchoolClass, subject: Subject, *, sees_all: bool) -> bool:
    return sees_all or leads(user, school_class) or teaches(user, school_class, subject)


# --- The grid ----------------------------------------------------------------------------------------


@dataclass
class Grid:
    """One class × subject × semester: its students, columns and stored cells."""

    school_class: SchoolClass
    subject: Subject
    semester: Semester
    columns: list[Column]
    students: list[Student]
    scores: dict[tuple[int, str], Score]

    @property
    def primary(self) -> bool:
        return self.subject.assessment_kind == AssessmentKind.LEVEL

    def cells_of(self, student_id: int) -> dict[str, Cell]:
        """The stored cells of a student's row, by column key."""
        row = {}
        for column in self.columns:
            score = self.scores.get((student_id, column.key))
            if score is not None:
                row[column.key] = Cell(score.value, score.level, score.comment)
        return row

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


def load_grid(school_class: SchoolClass, subject: Subject, semester: Semester, only: str | None = None) -> Grid:
    """The grid with its stored cells (with `only`, the cells of that column alone: publishing needs no more)."""
    students = class_students(school_class)
    query = select(Score).where(
        Score.subject_id == subject.id,
        Score.semester_id == semester.id,
        among(Score.student_id, [s.id for s in students]),
    )
    if only is not None:
        query = query.where(Score.column == only)
    scores = db.session.scalars(query).all()
    return Grid(
        school_class=school_class,
        subject=subject,
        semester=semester,
        columns=columns_for(subject.assessment_kind, subject.periods_per_year),
        students=students,
        scores={(s.student_id, s.column): s for s in scores},
    )


def read_grid(grid: Grid, form: Mapping[str, str]) -> Reading:
    """What the submission would store, with every refusal.

    A published cell keeps its score and level (a change goes through `correct`, with a reason); its
    comment, which families are not sent, stays editable.
    """
    stored = {key: Cell(s.value, s.level, s.comment) for key, s in grid.scores.items()}
    reading = read_cells(form, [s.id for s in grid.students], grid.columns, primary=grid.primary, stored=stored)
    for (student_id, key), cell in reading.cells.items():
        score = grid.scores.get((student_id, key))
        if score is None or score.published_at is None:
            continue
        if cell.value != score.value:
            reading.errors[f"s-{student_id}-{key}"] = LOCKED
        if cell.level != score.level:
            reading.errors[f"l-{student_id}-{key}"] = LOCKED
    return reading


def _published_meanwhile(grid: Grid, ids: list[int]) -> bool:
    """Lock the cells about to change (PostgreSQL) and say whether one was published since the grid loaded.

    Publishing locks the same rows, so a save and a publish of one cell run one after the other.
    """
    if not ids:
        return False
    query = select(Score.id).where(among(Score.id, ids), Score.published_at.is_not(None))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    published = set(db.session.scalars(query))
    known = {s.id for s in grid.scores.values() if s.published_at is not None}
    if published - known:
        db.session.rollback()
        return True
    return False


def _changed(score: Score, cell: Cell) -> bool:
    return (score.value, score.level, score.comment or None) != (cell.value, cell.level, cell.comment)


def save_grid(school: School, actor: User, grid: Grid, form: Mapping[str, str]) -> Reading:
    """Store every cell of the submission, or nothing if any cell is refused (see the returned errors).

    Only the subject's assigned teacher saves; an empty cell that was filled is cleared.
    """
    if not teaches(actor, grid.school_class, grid.subject):
        raise GradingError("Chỉ giáo viên dạy môn này ở lớp này được nhập điểm.")
    reading = read_grid(grid, form)
    if reading.errors:
        return reading
    now = utcnow()
    table = cast(Table, Score.__table__)
    new: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    gone: list[int] = []
    # Plain statements, not one ORM object per cell: a 45-student grid is 270 cells saved in one request.
    for (student_id, key), cell in reading.cells.items():
        score = grid.scores.get((student_id, key))
        if score is None:
            if not cell.empty:
                new.append(
                    {"school_id": school.id, "class_id": grid.school_class.id, "student_id": student_id,
                     "subject_id": grid.subject.id, "semester_id": grid.semester.id, "column": key,
                     "value": cell.value, "level": cell.level, "comment": cell.comment,
                     "updated_by_id": actor.id, "updated_at": now, "published_at": None}
                )  # fmt: skip
        elif not _changed(score, cell):
            continue
        elif cell.empty and score.published_at is None:
            gone.append(score.id)
        else:
            updates.append({"b_id": score.id, "b_value": cell.value, "b_level": cell.level, "b_comment": cell.comment})
    if _published_meanwhile(grid, [u["b_id"] for u in updates] + gone):
        reading.errors[GRID_ERROR] = CHANGED_MEANWHILE
        return reading
    try:
        insert_many(table, new)
    except IntegrityError:  # the same cell, saved from another tab or device a moment ago
        db.session.rollback()
        reading.errors[GRID_ERROR] = CHANGED_MEANWHILE
        return reading
    if updates:
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                value=bindparam("b_value", type_=table.c.value.type),
                level=bindparam("b_level"),
                comment=bindparam("b_comment"),
                updated_by_id=actor.id,
                updated_at=now,
            ),
            updates,
        )
    if gone:
        db.session.execute(delete(table).where(among(table.c.id, gone)))
    added, changed, cleared = len(new), len(updates), len(gone)
    if added or changed or cleared:
        audit.record(
            "grades.saved",
            actor=actor,
            school_id=school.id,
            target=grid.school_class,
            subject_id=grid.subject.id,
            semester=grid.semester.number,
            added=added,
            changed=changed,
            cleared=cleared,
        )
    db.session.commit()
    return reading
