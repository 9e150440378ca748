"""The academic structure of a school and its people: years, classes, subjects, students, guardians.

Rosters come from the sector database's exports (import only); `Student.national_id` is the import key.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import JSON

from contactbook.models.base import Base, UTCDateTime, str_enum, utcnow
from contactbook.models.user import User


class AssessmentKind(enum.StrEnum):
    SCORED = "scored"  # comment and a 10-point score (Thông tư 22)
    COMMENT = "comment"  # Đạt / Chưa đạt only (Thông tư 22)
    LEVEL = "level"  # primary: Hoàn thành tốt / Hoàn thành / Chưa hoàn thành (Thông tư 27)


class Gender(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


class EnrolmentStatus(enum.StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class SchoolYear(Base):
    """A school year (năm học), e.g. 2025-2026, with its two semesters."""

    __tablename__ = "school_years"
    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_school_years_school_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    semesters: Mapped[list[Semester]] = relationship(
        back_populates="school_year", order_by="Semester.number", cascade="all, delete-orphan"
    )


class Semester(Base):
    """Semester I or II of a school year, with its dates."""

    __tablename__ = "semesters"
    __table_args__ = (UniqueConstraint("school_year_id", "number", name="uq_semesters_year_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(SmallInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    school_year: Mapped[SchoolYear] = relationship(back_populates="semesters")


class SchoolClass(Base):
    """A class of one school year (6A1), in a grade level, led by a homeroom teacher."""

    __tablename__ = "classes"
    __table_args__ = (UniqueConstraint("school_year_id", "name", name="uq_classes_year_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"), index=True)
    name: Mapped[str] = mapped_column(String(20))
    grade_level: Mapped[int] = mapped_column(SmallInteger)
    homeroom_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    school_year: Mapped[SchoolYear] = relationship()
    homeroom_teacher: Mapped[User | None] = relationship()


class Subject(Base):
    """A subject taught in the school, with its periods per year and how it is assessed."""

    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_subjects_school_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    periods_per_year: Mapped[int] = mapped_column(SmallInteger)
    assessment_kind: Mapped[AssessmentKind] = mapped_column(str_enum(AssessmentKind, "assessment_kind"))


class TeachingAssignment(Base):
    """A teacher teaches a subject to a class (in the class's school year)."""

    __tablename__ = "teaching_assignments"
    __table_args__ = (
        UniqueConstraint("class_id", "subject_id", "teacher_id", name="uq_teaching_assignments_class_subject_teacher"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)

    teacher: Mapped[User] = relationship()
    subject: Mapped[Subject] = relationship()
    school_class: Mapped[SchoolClass] = relationship()


class Student(Base):
    """A student; `national_id` (mã định danh, Thông tư 42/2021) is permanent and the import key."""

    __tablename__ = "students"
    __table_args__ = (UniqueConstraint("school_id", "national_id", name="uq_students_school_national_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    national_id: Mapped[str] = mapped_column(String(20))
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date] = mapped_column(Date)
    gender: Mapped[Gender | None] = mapped_column(str_enum(Gender, "gender"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="student")
    guardian_links: Mapped[list[StudentGuardian]] = relationship(back_populates="student")


class Enrolment(Base):
    """A student's place in a class for one school year; `left` when a later roster no longer has it."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("student_id", "school_year_id", name="uq_enrolments_student_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(str_enum(EnrolmentStatus, "enrolment_status"))
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    student: Mapped[Student] = relationship(back_populates="enrolments")
    school_class: Mapped[SchoolClass] = relationship()


class Guardian(Base):
    """A parent or legal guardian; identified within the school by mobile phone, else by email."""

    __tablename__ = "guardians"
    __table_args__ = (
        Index("ix_guardians_school_phone", "school_id", "phone"),
        Index("ix_guardians_school_email", "school_id", "email"),
        # A family signing in is found by number or address across schools.
        Index("ix_guardians_phone", "phone"),
        Index("ix_guardians_email", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(16))  # E.164
    email: Mapped[str | None] = mapped_column(String(254))
    # Set when a provider answers that the phone or address can never receive (e.g. Twilio 21211).
    phone_unusable_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_unusable_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    student_links: Mapped[list[StudentGuardian]] = relationship(back_populates="guardian")


class StudentGuardian(Base):
    """The link between a student and a guardian, with the relation (father, mother, guardian)."""

    __tablename__ = "student_guardians"
    __table_args__ = (UniqueConstraint("student_id", "guardian_id", name="uq_student_guardians_student_guardian"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id"), index=True)
    relation: Mapped[str] = mapped_column(String(20))

    student: Mapped[Student] = relationship(back_populates="guardian_links")
    guardian: Mapped[Guardian] = relationship(back_populates="student_links")


class RosterImport(Base):
    """An uploaded roster waiting for confirmation (or applied): the file and what the dry run found."""

    __tablename__ = "roster_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | applied | cancelled
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    school_year: Mapped[SchoolYear] = relationship()
