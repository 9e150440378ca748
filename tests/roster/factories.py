"""Plain factories for the roster pages: a school year, classes with their teachers, students, guardians.

The structure goes through the services (audited like the real thing); students, enrolments and
guardians, which only the import writes, are inserted directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contactbook.extensions import db
from contactbook.models import (
    AssessmentKind,
    Enrolment,
    EnrolmentStatus,
    Gender,
    Guardian,
    SchoolClass,
    SchoolYear,
    Student,
    StudentGuardian,
    Subject,
    TeachingAssignment,
    User,
)
from contactbook.models.base import utcnow
from contactbook.roster import services
from tests.factories import SchoolPeople

YEAR_NAME = "2025-2026"


@dataclass
class ClassWorld:
    """One school's year with class 6A1 (taught by "teacher", led by "homeroom"), a student and a guardian."""

    year: SchoolYear
    school_class: SchoolClass
    subject: Subject
    assignment: TeachingAssignment
    student: Student
    guardian: Guardian


def semesters_of(first_year: int) -> tuple[tuple[date, date], tuple[date, date]]:
    """The two semesters of school year `first_year`-`first_year + 1`."""
    second_year = first_year + 1
    return (date(first_year, 9, 5), date(second_year, 1, 15)), (date(second_year, 1, 19), date(second_year, 5, 31))


def make_year(people: SchoolPeople, first_year: int = 2025) -> SchoolYear:
    name = f"{first_year}-{first_year + 1}"
    return services.create_year(people.school, people.admin, name=name, semester_dates=semesters_of(first_year))


def make_subject(people: SchoolPeople, name: str = "Toán", periods: int = 140) -> Subject:
    return services.create_subject(
        people.school, people.admin, name=name, periods_per_year=periods, assessment_kind=AssessmentKind.SCORED
    )


def make_class(
    people: SchoolPeople,
    year: SchoolYear,
    name: str,
    grade: int = 6,
    *,
    homeroom: User | None = None,
) -> SchoolClass:
    return services.create_class(
        people.school, people.admin, year=year, name=name, grade_level=grade, homeroom_teacher=homeroom
    )


def assign(people: SchoolPeople, teacher: User, subject: Subject, school_class: SchoolClass) -> TeachingAssignment:
    return services.assign_teacher(
        people.school, people.admin, teacher=teacher, subject=subject, school_class=school_class
    )


def make_student(
    people: SchoolPeople,
    school_class: SchoolClass,
    full_name: str,
    national_id: str,
    *,
    born: date = date(2014, 3, 9),
    gender: Gender | None = Gender.MALE,
    left: bool = False,
) -> Student:
    """A student enrolled in `school_class` (for its year), or who left it."""
    student = Student(
        school_id=people.school.id, national_id=national_id, full_name=full_name, date_of_birth=born, gender=gender
    )
    db.session.add(student)
    db.session.flush()
    db.session.add(
        Enrolment(
            school_id=people.school.id,
            student_id=student.id,
            school_year_id=school_class.school_year_id,
            class_id=school_class.id,
            status=EnrolmentStatus.LEFT if left else EnrolmentStatus.ACTIVE,
            left_at=utcnow() if left else None,
        )
    )
    db.session.commit()
    return student


def make_guardian(
    people: SchoolPeople,
    children: list[Student],
    full_name: str,
    *,
    relation: str = "mother",
    phone: str | None = "+84912345678",
    email: str | None = None,
) -> Guardian:
    guardian = Guardian(school_id=people.school.id, full_name=full_name, phone=phone, email=email)
    db.session.add(guardian)
    db.session.flush()
    for child in children:
        db.session.add(
            StudentGuardian(school_id=people.school.id, student_id=child.id, guardian_id=guardian.id, relation=relation)
        )
    db.session.commit()
    return guardian


def make_class_world(people: SchoolPeople) -> ClassWorld:
    """Year 2025-2026, subject Toán, class 6A1 led by "homeroom" and taught by "teacher", one student, its mother."""
    year = make_year(people)
    subject = make_subject(people)
    school_class = make_class(people, year, "6A1", homeroom=people.staff["homeroom"])
    assignment = assign(people, people.staff["teacher"], subject, school_class)
    student = make_student(people, school_class, "Nguyễn Văn An", "790100000001")
    guardian = make_guardian(people, [student], "Trần Thị Bình", email="binh@example.vn")
    return ClassWorld(year, school_class, subject, assignment, student, guardian)
