"""The grade book's world: class 6A1 with three students, subjects of each kind, one subscribed family.

Alpha's 6A1 (led by "homeroom") is taught Toán (70 periods: three regular columns, the worked example of
grading.md) and Âm nhạc (comment only) by "teacher", and Ngữ văn (105 periods: four regular columns)
by "teacher2", a second teacher made here. Nguyễn Văn An's mother Trần Thị Bình subscribed to grades
by SMS and email; Lê Văn Cường's father did not subscribe; Phạm Thị Hoa has no guardian at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from contactbook.auth.rules import Permission, Role
from contactbook.extensions import db
from contactbook.models import (
    AssessmentKind,
    Guardian,
    Score,
    Semester,
    ServiceSettings,
    Student,
    Subject,
    User,
)
from contactbook.roster import services as roster
from contactbook.schools import services as staff
from tests.factories import PASSWORD, SchoolPeople
from tests.roster.factories import ClassWorld, assign, make_class_world, make_guardian, make_student, make_subject
from tests.subscriptions.payment_factories import monthly_plan, service_on, subscribe


@dataclass
class GradeWorld:
    people: SchoolPeople
    roster: ClassWorld
    maths: Subject  # 70 periods: tx1..tx3, gk, ck
    music: Subject  # comment only
    literature: Subject  # taught by teacher2
    an: Student
    cuong: Student
    hoa: Student
    mother: Guardian  # An's, subscribed by SMS and email
    father: Guardian  # Cường's, not subscribed
    teacher2: User

    @property
    def first(self) -> Semester:
        return self.roster.year.semesters[0]

    @property
    def second(self) -> Semester:
        return self.roster.year.semesters[1]


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def make_grade_world(people: SchoolPeople, *, unaccented: bool = True) -> GradeWorld:
    cw = make_class_world(people)
    maths = cw.subject
    maths.periods_per_year = 70
    db.session.commit()
    music = roster.create_subject(
        people.school, people.admin, name="Âm nhạc", periods_per_year=35, assessment_kind=AssessmentKind.COMMENT
    )
    literature = make_subject(people, "Ngữ văn", 105)
    assign(people, people.staff["teacher"], music, cw.school_class)
    teacher2 = staff.create_staff(
        people.school, people.admin, username="teacher2", full_name="Võ Thị Hạnh", password=PASSWORD, email=None
    )
    staff.grant(people.school, people.admin, frozenset(Permission), teacher2, "role", Role.TEACHER)
    assign(people, teacher2, literature, cw.school_class)
    cuong = make_student(people, cw.school_class, "Lê Văn Cường", "790100000002")
    father = make_guardian(people, [cuong], "Lê Văn Dũng", relation="father", phone="+84987654321")
    hoa = make_student(people, cw.school_class, "Phạm Thị Hoa", "790100000003")
    subscribe_grades(people, cw)
    settings = db.session.get(ServiceSettings, people.school.id)
    assert settings is not None
    settings.sms_unaccented, settings.sms_segment_price = unaccented, 250
    db.session.commit()
    return GradeWorld(people, cw, maths, music, literature, cw.student, cuong, hoa, cw.guardian, father, teacher2)


def subscribe_grades(people: SchoolPeople, cw: ClassWorld) -> None:
    """The service on and the mother's subscription to grades by SMS and email, with her consent."""
    service_on(people)
    plan = monthly_plan(people)
    purposes = {"grades_sms", "grades_email"}
    subscribe(people, cw.guardian, cw.student, plan, today(), purposes=purposes, email=True, actor=people.admin)


def put_score(world: GradeWorld, student: Student, subject: Subject, semester: Semester, column: str,
              value: str | None = None, level: str | None = None) -> Score:  # fmt: skip
    """A stored cell, written directly (the grid's own checks are tested through the grid)."""
    score = Score(
        school_id=world.people.school.id,
        class_id=world.roster.school_class.id,
        student_id=student.id,
        subject_id=subject.id,
        semester_id=semester.id,
        column=column,
        value=Decimal(value.replace(",", ".")) if value is not None else None,
        level=level,
    )
    db.session.add(score)
    db.session.commit()
    return score
