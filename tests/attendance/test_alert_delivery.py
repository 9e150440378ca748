"""An absence alert the whole way: marking a class → outbox → a real Celery worker → the fake Twilio.

In the school's quiet hours (the alert is urgent), to a subscribed family and to one that never subscribed
(attendance is a free essential there: no email, so by SMS); then the correction to present, whose
follow-up goes only to the families that were told.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from contactbook.attendance.services import marking
from contactbook.extensions import db
from contactbook.models import AttendanceStatus, Message, MessageStatus, School, SchoolClass, User
from contactbook.timezones import school_today
from tests.attendance.factories import make_attendance_free
from tests.messaging.conftest import DeliveryWorker, FakeTwilio, build_subscribed_school, phone_of, wait_until
from tests.roster.factories import make_guardian, make_student

pytestmark = [pytest.mark.committed, pytest.mark.usefixtures("committed_db")]
UNSUBSCRIBED_PHONE = "+84911000111"


@pytest.fixture
def ctx_app(app: Flask) -> Iterator[Flask]:
    with app.test_request_context():
        yield app


def sms_to(fake: FakeTwilio) -> list[str]:
    return sorted(key.split("|")[0] for key in fake.stats()["messages"])


def test_an_absence_reaches_families_in_seconds_in_quiet_hours_and_the_correction_only_those_told(
    ctx_app: Flask, fake_twilio: FakeTwilio, delivery_worker: DeliveryWorker
) -> None:
    hour = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).hour
    world = build_subscribed_school(3, slug="diemdanh", quiet_hours=(hour + 1, hour))  # quiet this hour
    make_attendance_free(world.people)
    stranger = make_student(world.people, world.school_class, "Đỗ Thị Lạ", "790100000777")
    make_guardian(world.people, [stranger], "Đỗ Văn Cha", relation="father", phone=UNSUBSCRIBED_PHONE)
    first, second, third = world.student_ids
    school = db.session.get_one(School, world.school.id)
    school_class = db.session.get_one(SchoolClass, world.school_class.id)
    admin = db.session.get_one(User, world.admin.id)
    today = school_today()
    statuses = {first: AttendanceStatus.UNEXCUSED, second: AttendanceStatus.PRESENT, third: AttendanceStatus.LATE}
    statuses[stranger.id] = AttendanceStatus.UNEXCUSED

    started = time.monotonic()
    saved = marking.mark_class(school, admin, school_class, today, "day", statuses, reason=None)
    wait_until(lambda: fake_twilio.stats()["total"] >= 2, 15, what="both alerts at the fake Twilio")
    elapsed = time.monotonic() - started

    assert saved.alerts == 2
    assert sms_to(fake_twilio) == sorted([phone_of(0), UNSUBSCRIBED_PHONE])
    assert elapsed < 10

    def alerts_sent() -> bool:
        db.session.rollback()
        rows = db.session.scalars(select(Message.status).where(Message.kind == "attendance")).all()
        db.session.rollback()
        return len(rows) == 2 and all(status == MessageStatus.SENT for status in rows)

    wait_until(alerts_sent, 15, what="the alerts recorded as sent")
    school = db.session.get_one(School, world.school.id)
    school_class = db.session.get_one(SchoolClass, world.school_class.id)
    admin = db.session.get_one(User, world.admin.id)
    corrected = marking.mark_class(
        school, admin, school_class, today, "day", {first: AttendanceStatus.LATE}, reason=None
    )
    wait_until(lambda: fake_twilio.stats()["total"] >= 3, 15, what="the follow-up at the fake Twilio")
    time.sleep(1)  # nothing more comes

    assert corrected.follow_ups == 1
    stats = fake_twilio.stats()
    assert stats["total"] == 3 and stats["duplicates"] == {}
    assert sms_to(fake_twilio) == sorted([phone_of(0), phone_of(0), UNSUBSCRIBED_PHONE])
