"""The demo's attendance: 6A1 marked for the last school days, one unexcused absence (the demo family's child)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from contactbook import timezones
from contactbook.demo.attendance import school_days_before
from contactbook.demo.seed import seed
from contactbook.extensions import db
from contactbook.grading import summary
from contactbook.models import (
    AttendanceMark,
    AttendanceStatus,
    Guardian,
    Message,
    SchoolClass,
    SchoolYear,
    StudentGuardian,
)
from tests.demo.test_seed import demo_class

FRIDAY = date(2026, 12, 4)


def test_the_school_days_before_today_are_weekdays_of_the_school_year() -> None:
    year = SchoolYear(starts_on=date(2026, 9, 5), ends_on=date(2027, 5, 25))
    assert school_days_before(date(2026, 12, 7), year) == [date(2026, 11, d) for d in (30,)] + [
        date(2026, 12, d) for d in (1, 2, 3, 4)
    ]
    assert school_days_before(date(2026, 9, 8), year) == [date(2026, 9, 7)]  # the year began on a Saturday
    assert school_days_before(date(2026, 9, 5), year) == []


@pytest.fixture
def on_a_monday(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo seeded on Monday 7 December 2026 (noon in Vietnam), in its school year 2026-2027."""
    moment = datetime.combine(date(2026, 12, 7), time(12), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    monkeypatch.setattr(timezones, "utcnow", lambda: moment)
    monkeypatch.setattr("contactbook.demo.seed.date", _FixedDate)


class _FixedDate(date):
    @classmethod
    def today(cls) -> _FixedDate:
        return cls(2026, 12, 7)


def _assert_the_demo_marks(showcase: SchoolClass) -> None:
    marks = db.session.scalars(select(AttendanceMark).where(AttendanceMark.class_id == showcase.id)).all()
    assert {m.on for m in marks} == {date(2026, 11, 30), *(date(2026, 12, d) for d in (1, 2, 3, 4))}
    absent = [m for m in marks if m.status == AttendanceStatus.UNEXCUSED]
    assert len(absent) == 1 and absent[0].on == FRIDAY
    assert sorted(m.status.value for m in marks if m.status != AttendanceStatus.PRESENT) == [
        "excused", "late", "unexcused"
    ]  # fmt: skip
    phone = db.session.scalar(
        select(Guardian.phone)
        .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
        .where(StudentGuardian.student_id == absent[0].student_id)
        .order_by(Guardian.phone)
        .limit(1)
    )
    assert phone == "+84901234567"  # the demo family's child
    line = next(line for line in summary.summarise(showcase).lines if line.student.id == absent[0].student_id)
    assert line.absences[1] == 1 and line.year_absences == 1


def test_the_demo_marks_go_through_the_marking_service_and_alert_nobody(ctx: None, on_a_monday: None) -> None:
    seed()
    _assert_the_demo_marks(demo_class("thcs-nguyen-du", "6A1"))
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.kind == "attendance")) == 0
