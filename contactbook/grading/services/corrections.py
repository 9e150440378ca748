"""Correcting a published score: who may, and the correction itself with its reason, trail and message.

A correction is one unit of work: the new value, the trail (old and new value, who, when, why), the
audit entry and the family's message are written in one commit, which nudges the workers.
"""

from __future__ import annotations

from sqlalchemy import select

from contactbook.audit import services as audit
from contactbook.extensions import among, db
from contactbook.grading.grid import read_cells
from contactbook.grading.services.grids import GradingError, Grid, load_grid, teaches
from contactbook.grading.services.publishing import ScoreTexts, message_context, shown_score
from contactbook.inputs import plain_text
from contactbook.messaging.services.outbox import Outbox, recipients
from contactbook.messaging.vocabulary import Category
from contactbook.models import (
    Enrolment,
    EnrolmentStatus,
    School,
    SchoolClass,
    Score,
    ScoreCorrection,
    Semester,
    Student,
    Subject,
    User,
)
from contactbook.models.base import utcnow
from contactbook.roster.rules import given_name

REASON_MIN, REASON_MAX = 5, 300


def correction_grid(score: Score) -> Grid:
    """The grid a published score is corrected from: its subject and semester in the student's class now.

    A student who moved class keeps their scores, and the subject's teacher of the class they are in now
    corrects them; a student no longer in any class of that year leaves it to the class the score was
    entered in.
    """
    semester = db.session.get(Semester, score.semester_id)
    subject = db.session.get(Subject, score.subject_id)
    assert semester is not None and subject is not None
    class_id = db.session.scalar(
        select(Enrolment.class_id).where(
            Enrolment.student_id == score.student_id,
            Enrolment.school_year_id == semester.school_year_id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
    )
    school_class = db.session.get(SchoolClass, class_id or score.class_id)
    assert school_class is not None
    return load_grid(school_class, subject, semester)


def may_correct(user: User, grid: Grid) -> bool:
    """Whether `user` may correct the scores of `grid` (from `correction_grid`): the subject's teacher there."""
    return teaches(user, grid.school_class, grid.subject)


def correct(
    school: School, actor: User, score: Score, *, raw_value: str, raw_level: str, reason: str
) -> ScoreCorrection:
    """Change a published cell: the old and new value, who, when and why are kept, and the family told.

    Raises `GradingError` (nothing changed) when `actor` is not the subject's teacher of the student's
    class now, for a bad value, a missing reason, or no change at all.
    """
    if score.school_id != school.id:
        raise GradingError("Điểm này không thuộc trường này.")
    grid = correction_grid(score)
    if not may_correct(actor, grid):
        raise GradingError("Chỉ giáo viên dạy môn này ở lớp hiện tại của học sinh được sửa điểm.")
    if score.published_at is None:
        raise GradingError("Điểm này chưa công bố: sửa trực tiếp trong bảng điểm.")
    column = grid.column(score.column)
    assert column is not None
    form = {}
    names = {"value": f"s-{score.student_id}-{column.key}", "level": f"l-{score.student_id}-{column.key}"}
    if column.kind == "score" or column.test:
        form[names["value"]] = raw_value
    if column.kind in ("pass", "level"):
        form[names["level"]] = raw_level
    reading = read_cells(form, [score.student_id], [column], primary=grid.primary)
    if reading.errors:
        raise GradingError(next(iter(reading.errors.values())))
    cell = reading.cells[(score.student_id, column.key)]
    if cell.value is None and cell.level is None:
        raise GradingError("Nhập điểm mới.")
    reason = plain_text(reason)
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise GradingError(f"Ghi lý do sửa điểm ({REASON_MIN} đến {REASON_MAX} ký tự).")
    if (cell.value, cell.level) == (score.value, score.level):
        raise GradingError("Điểm mới giống điểm cũ: không có gì để sửa.")
    now = utcnow()
    old_shown = shown_score(score, column)
    correction = ScoreCorrection(
        school_id=school.id,
        score_id=score.id,
        old_value=score.value,
        new_value=cell.value,
        old_level=score.level,
        new_level=cell.level,
        reason=reason,
        corrected_by_id=actor.id,
        corrected_at=now,
    )
    db.session.add(correction)
    score.value, score.level = cell.value, cell.level
    score.updated_by_id, score.updated_at = actor.id, now
    db.session.flush()
    student = db.session.get(Student, score.student_id)
    assert student is not None
    texts = ScoreTexts(school, "score_correction", message_context(grid, column))
    outbox = Outbox(school, kind="score", category=Category.GRADES, now=now)
    values = {
        "student": given_name(student.full_name),
        "score": shown_score(score, column),
        "old": old_shown,
        "reason": reason,
    }
    for recipient in recipients(school, [score.student_id], Category.GRADES, now):
        body, segments = texts.text(recipient.channel, values)
        outbox.add(
            recipient,
            key=f"correction:{correction.id}:{recipient.guardian_id}:{recipient.student_id}:{recipient.channel}",
            body=body,
            subject=f"Sửa điểm {column.heading(grid.semester.number)} môn {grid.subject.name}",
            segments=segments,
            line=texts.line(values) if recipient.digest else None,
        )
    messages = outbox.write()
    audit.record(
        "grades.corrected",
        actor=actor,
        school_id=school.id,
        target=score,
        old=old_shown,
        new=values["score"],
        reason=reason,
        messages=messages,
    )
    db.session.commit()
    return correction


def corrections_of(grid: Grid) -> list[ScoreCorrection]:
    """The grid's corrections, newest first."""
    ids = [score.id for score in grid.scores.values()]
    return list(
        db.session.scalars(
            select(ScoreCorrection).where(among(ScoreCorrection.score_id, ids)).order_by(ScoreCorrection.id.desc())
        )
    )
