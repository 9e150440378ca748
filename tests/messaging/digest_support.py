"""Data and a clock for the daily digest tests: one school whose families chose the digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.header import decode_header, make_header
from email.message import Message as EmailMessage
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select, update

from contactbook.extensions import db
from contactbook.messaging.services import delivery
from contactbook.models import Enrolment, Message, SchoolYear, Student, StudentGuardian, Subscription
from contactbook.notices import services as notices
from contactbook.notices.services import Audience
from contactbook.subscriptions.services import subscribing
from tests.messaging.conftest import FakeTwilio, SubscribedSchool, build_subscribed_school, phone_of
from tests.roster.factories import make_class

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"]


@dataclass
class DigestSchool:
    """Four students; the first guardian has two children (An in 6A1, Bình in 6A2), the third and fourth
    one each, the second none. Every subscription chose the digest; the first guardian has email too."""

    world: SubscribedSchool
    two_children: int  # the guardian of An and Bình
    one_child: int  # the guardian of Cường

    @property
    def school_id(self) -> int:
        return self.world.school.id


def digest_school(*, digest: bool = True) -> DigestSchool:
    """Commit the school (inside an app context)."""
    world = build_subscribed_school(4, emails=2)
    year = db.session.get(SchoolYear, world.school_class.school_year_id)
    assert year is not None
    other_class = make_class(world.people, year, "6A2")
    students, guardians = world.student_ids, world.guardian_ids
    for student_id, name in zip(students, NAMES, strict=True):
        db.session.execute(update(Student).where(Student.id == student_id).values(full_name=name))
    db.session.execute(update(Enrolment).where(Enrolment.student_id == students[1]).values(class_id=other_class.id))
    for model in (StudentGuardian, Subscription):
        db.session.execute(update(model).where(model.student_id == students[1]).values(guardian_id=guardians[0]))
    db.session.execute(update(Subscription).values(digest=digest))
    db.session.commit()
    return DigestSchool(world, guardians[0], guardians[2])


def notice(school: DigestSchool, title: str, body: str = "Phụ huynh xem chi tiết ở trường.", **options: bool) -> int:
    """A notice to the whole school, written at the clock's time."""
    written = notices.create_notice(
        school.world.school,
        school.world.admin,
        title=title,
        body=body,
        category="general",
        urgent=options.get("urgent", False),
        audience=Audience("school"),
    )
    return written.id


class Clock:
    """The time the notices are written and the worker runs at, in the school's zone."""

    def __init__(self, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
        self.zone = ZoneInfo(app.config["TIMEZONE"])
        self.today = datetime.now(self.zone).date()
        self.monkeypatch = monkeypatch

    def local(self, hour: int, minute: int = 0, day: date | None = None) -> datetime:
        return datetime.combine(day or self.today, time(hour, minute), tzinfo=self.zone).astimezone(UTC)

    def set(self, hour: int, minute: int = 0, *, days: int = 0) -> datetime:
        at = self.local(hour, minute, self.today + timedelta(days=days))
        # Every service the digest tests call reads this clock: a consent withdrawn "at 9:00" must not be
        # stamped with the real time, which after 11:00 UTC is later than the digest's "18:00" send.
        for module in (notices, delivery, subscribing):
            self.monkeypatch.setattr(module, "utcnow", lambda: at)
        return at


def messages(**where: object) -> list[Message]:
    """Messages matching `where` (column=value), read afresh and detached, in id order."""
    db.session.rollback()
    query = select(Message).filter_by(**where).order_by(Message.id)
    found = list(db.session.scalars(query))
    for message in found:
        db.session.expunge(message)
    db.session.rollback()
    return found


def digests_of(guardian_id: int) -> list[Message]:
    return messages(kind="digest", guardian_id=guardian_id)


def sms_bodies(fake: FakeTwilio, guardian_index: int) -> list[str]:
    """What the fake Twilio received for the guardian's phone."""
    prefix = phone_of(guardian_index) + "|"
    return [key[len(prefix) :] for key in fake.stats()["messages"] if key.startswith(prefix)]


def email_text(message: EmailMessage) -> tuple[str, str]:
    """An email's subject and plain-text body, decoded."""
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return str(make_header(decode_header(message["Subject"]))), payload.decode("utf-8")
