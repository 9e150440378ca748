"""The early warnings' world: a school year around today, class 6A1 with eight scored subjects and a comment one.

Nguyễn Văn An's mother subscribed to grades by SMS and email; Lê Văn Cường's father did not subscribe.
The year is built around the real today (run_rules reads the school's today from `now`), so that the
mother's subscription, which starts today, is the one in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from contactbook.extensions import db
from contactbook.models import (
    AssessmentKind,
    AttendanceMark,
    AttendanceStatus,
    Guardian,
    Message,
    RiskWarning,
    SchoolClass,
    SchoolYear,
    Score,
    Semester,
    Student,
    Subject,
)
from contactbook.models.base import utcnow
from contactbook.roster import services as roster
from contactbook.timezones import school_today
from tests.factories import SchoolPeople
from tests.roster.factories import make_class, make_guardian, make_student
from tests.subscriptions.payment_factories import monthly_plan, service_on, subscribe

SCORED = ("Toán", "Ngữ văn", "Tiếng Anh", "Lịch sử và Địa lí", "Khoa học tự nhiên", "Tin học", "Công nghệ", "GDCD")


@dataclass
class WarnWorld:
    people: SchoolPeople
    year: SchoolYear
    school_class: SchoolClass
    subjects: dict[str, Subject]  # by name; "Âm nhạc" is comment only
    an: Student
    cuong: Student
    mother: Guardian  # An's, subscribed to grades by SMS and email
    father: Guardian  # Cường's, not subscribed

    @property
    def first(self) -> Semester:
        return self.year.semesters[0]

    @property
    def today(self) -> date:
        return school_today()


def make_warn_world(people: SchoolPeople) -> WarnWorld:
    today = school_today()
    # Semester I runs from 60 days ago to 30 days ahead; absences count from the year's first day.
    first = (today - timedelta(days=60), today + timedelta(days=30))
    second = (today + timedelta(days=34), today + timedelta(days=150))
    year = roster.create_year(people.school, people.admin, name="Năm nay", semester_dates=(first, second))
    subjects = {
        name: roster.create_subject(
            people.school, people.admin, name=name, periods_per_year=70, assessment_kind=AssessmentKind.SCORED
        )
        for name in SCORED
    }
    subjects["Âm nhạc"] = roster.create_subject(
        people.school, people.admin, name="Âm nhạc", periods_per_year=35, assessment_kind=AssessmentKind.COMMENT
    )
    school_class = make_class(people, year, "6A1", homeroom=people.staff["homeroom"])
    an = make_student(people, school_class, "Nguyễn Văn An", "790100000001")
    mother = make_guardian(people, [an], "Trần Thị Bình", email="binh@example.vn")
    cuong = make_student(people, school_class, "Lê Văn Cường", "790100000002")
    father = make_guardian(people, [cuong], "Lê Văn Dũng", relation="father", phone="+84987654321")
    service_on(people)
    plan = monthly_plan(people)
    purposes = {"grades_sms", "grades_email"}
    subscribe(people, mother, an, plan, today, purposes=purposes, email=True, actor=people.admin)
    return WarnWorld(people, year, school_class, subjects, an, cuong, mother, father)


def publish(
    w: WarnWorld, student: Student, subject: str, column: str, value: str | None = None, level: str | None = None,
    *, published: bool = True, semester: Semester | None = None,
) -> Score:  # fmt: skip
    """A cell of semester I (by default), published to the families unless `published` is False."""
    score = Score(
        school_id=w.people.school.id,
        class_id=w.school_class.id,
        student_id=student.id,
        subject_id=w.subjects[subject].id,
        semester_id=(semester or w.first).id,
        column=column,
        value=None if value is None else Decimal(value),
        level=level,
        published_at=utcnow() if published else None,
    )
    db.session.add(score)
    db.session.commit()
    return score


def weak_in(w: WarnWorld, student: Student, subject: str, value: str = "3") -> None:
    """Every score column of `subject` in semester I at `value`, published."""
    for column in ("tx1", "tx2", "tx3", "gk", "ck"):
        publish(w, student, subject, column, value)


def absent(w: WarnWorld, student: Student, days: int, *, ago: int = 0) -> None:
    """`days` whole days absent without permission, the last of them `ago` days before today."""
    for n in range(days):
        db.session.add(
            AttendanceMark(
                school_id=w.people.school.id,
                class_id=w.school_class.id,
                student_id=student.id,
                on=w.today - timedelta(days=ago + n),
                slot="day",
                status=AttendanceStatus.UNEXCUSED,
            )
        )
    db.session.commit()


def warnings_of(student: Student) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(RiskWarning.rule, RiskWarning.threshold)
        .where(RiskWarning.student_id == student.id)
        .order_by(RiskWarning.rule, RiskWarning.threshold)
    ).tuples()
    return list(rows)


def warning_messages(**where: object) -> list[Message]:
    query = select(Message).where(Message.kind == "warning").order_by(Message.id)
    for name, value in where.items():
        query = query.where(getattr(Message, name) == value)
    return list(db.session.scalars(query))


def count_warnings() -> int:
    return int(db.session.scalar(select(func.count()).select_from(RiskWarning)) or 0)


def at(moment: datetime | None = None) -> datetime:
    return moment or utcnow()
