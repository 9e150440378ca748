"""The grade book: one row per cell a teacher fills, the publications that lock them, the corrections.

A cell is (student, subject, semester, column). Columns: `tx1`…`tx4` (regular assessments), `gk`
(midterm) and `ck` (final) for scored subjects; `kq` (Đạt / Chưa đạt with a comment) for comment-only
subjects; `gk` and `ck` for primary subjects, each a level and an optional whole-number test score.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contactbook.models.base import Base, UTCDateTime, utcnow
from contactbook.models.roster import Student, Subject
from contactbook.models.user import User


class Score(Base):
    """One cell of the grade book; `published_at` set means families have it and it is locked."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("student_id", "subject_id", "semester_id", "column", name="uq_scores_cell"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    semester_id: Mapped[int] = mapped_column(ForeignKey("semesters.id"))
    column: Mapped[str] = mapped_column(String(8))
    value: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))  # a score, or a primary test score
    level: Mapped[str | None] = mapped_column(String(20))  # Đạt/Chưa đạt, or a primary level
    comment: Mapped[str | None] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    student: Mapped[Student] = relationship()
    subject: Mapped[Subject] = relationship()


class ScorePublication(Base):
    """A teacher published a column of a class's subject: its filled cells went to the families."""

    __tablename__ = "score_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    semester_id: Mapped[int] = mapped_column(ForeignKey("semesters.id"))
    column: Mapped[str] = mapped_column(String(8))
    scores: Mapped[int] = mapped_column(default=0)  # cells published
    messages: Mapped[int] = mapped_column(default=0)  # outbox rows written
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    published_by: Mapped[User | None] = relationship()


class ScoreCorrection(Base):
    """A published cell changed: old and new value, who, when and why; the family is told."""

    __tablename__ = "score_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("scores.id"), index=True)
    old_value: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    new_value: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    old_level: Mapped[str | None] = mapped_column(String(20))
    new_level: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(300))
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    score: Mapped[Score] = relationship()
    corrected_by: Mapped[User | None] = relationship()


class TermRecord(Base):
    """What the homeroom teacher records per student and semester: conduct, absences, and (primary,
    semester II) qualities and competencies."""

    __tablename__ = "term_records"
    __table_args__ = (UniqueConstraint("student_id", "semester_id", name="uq_term_records_student_semester"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    semester_id: Mapped[int] = mapped_column(ForeignKey("semesters.id"))
    conduct: Mapped[str | None] = mapped_column(String(20))
    competence: Mapped[str | None] = mapped_column(String(20))
    absences: Mapped[int] = mapped_column(SmallInteger, default=0)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
