"""Two devices saving the same absence at the same moment: the families are alerted once."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import func, select

from contactbook.attendance.services import marking
from contactbook.extensions import db
from contactbook.models import AttendanceStatus, Message, School, SchoolClass, User
from contactbook.timezones import school_today
from tests.messaging.conftest import build_subscribed_school

pytestmark = [pytest.mark.committed, pytest.mark.usefixtures("committed_db")]


def save_at_once(app: Flask, ids: tuple[int, int, int], statuses: dict[int, AttendanceStatus]) -> list[str]:
    """Two threads saving `statuses` together; what each got ("saved" or the refusal)."""
    school_id, class_id, user_id = ids
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save() -> None:
        with app.app_context(), app.test_request_context():
            school = db.session.get_one(School, school_id)
            school_class = db.session.get_one(SchoolClass, class_id)
            user = db.session.get_one(User, user_id)
            # End the reading transaction before the race (on SQLite it holds the write lock).
            db.session.commit()
            barrier.wait()
            try:
                marking.mark_class(school, user, school_class, school_today(), "day", statuses, reason=None)
                outcomes.append("saved")
            except marking.MarkingError as refusal:
                outcomes.append(str(refusal))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def alert_rows() -> int:
    db.session.rollback()
    count = db.session.scalar(select(func.count()).select_from(Message).where(Message.kind == "attendance"))
    db.session.rollback()
    return int(count or 0)


@pytest.mark.parametrize("marked_before", [False, True], ids=["first-save", "changing-a-saved-sheet"])
def test_the_same_absence_saved_twice_at_once_alerts_once(app: Flask, marked_before: bool) -> None:
    with app.app_context(), app.test_request_context():
        world = build_subscribed_school(4, slug="dongthoi")
        ids = (world.school.id, world.school_class.id, world.admin.id)
        students = world.student_ids
        if marked_before:
            present = dict.fromkeys(students, AttendanceStatus.PRESENT)
            school, school_class = world.school, db.session.get_one(SchoolClass, world.school_class.id)
            marking.mark_class(school, world.admin, school_class, school_today(), "day", present, reason=None)
        db.session.remove()
    statuses = dict.fromkeys(students, AttendanceStatus.PRESENT) | {students[1]: AttendanceStatus.UNEXCUSED}

    outcomes = save_at_once(app, ids, statuses)

    assert "saved" in outcomes and len(outcomes) == 2
    with app.app_context():
        assert alert_rows() == 1
