"""A preschool's daily notes the whole way: the class's screen → the evening task on a real worker → the digest (or
a message of its own) → the fake Twilio and the SMTP server; once only, even when two runs meet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from celery import Celery
from flask import Flask
from sqlalchemy import update

from contactbook.daily_notes.services import save_class_notes
from contactbook.extensions import db
from contactbook.models import Message, MessageStatus, ServiceSettings
from contactbook.models.base import utcnow
from contactbook.notices import services as notices
from contactbook.notices.services import Audience
from contactbook.timezones import school_today, school_zone
from tests.daily_notes.support import subscribed_preschool
from tests.messaging.conftest import (
    DeliveryWorker,
    FakeTwilio,
    SmtpServer,
    delivery_settings,
    drive_until_final,
    worker_env,
)
from tests.messaging.digest_support import email_text, messages, sms_bodies

pytestmark = [pytest.mark.committed, pytest.mark.usefixtures("committed_db")]
EVENING = "daily_notes.evening"


@pytest.fixture
def ctx_app(app: Flask) -> Iterator[Flask]:
    with app.test_request_context():
        yield app


@pytest.fixture
def notes_worker(
    app: Flask, urls: dict[str, str], fake_twilio: FakeTwilio, smtp_server: SmtpServer
) -> Iterator[DeliveryWorker]:
    """A real worker (two threads) that gathers the notes up to two hours before the digest hour."""
    settings = delivery_settings(fake_twilio, smtp_server, DAILY_NOTES_LEAD_MINUTES=120)
    worker = DeliveryWorker(worker_env(urls, settings))
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


def test_the_notes_reach_the_families_in_the_evening_digest_once(
    ctx_app: Flask,
    notes_worker: DeliveryWorker,
    fake_twilio: FakeTwilio,
    smtp_server: SmtpServer,
    celery_client: Celery,
) -> None:
    # An's mother (with email too) and Bình's chose the daily digest; Cường's gets each message on its own.
    world = subscribed_preschool(3, emails=1, digest=(0, 1))
    an, binh, cuong = world.student_ids
    # The evening is near: the digest hour is the next hour.
    hour = (utcnow() + timedelta(hours=1)).astimezone(school_zone()).hour
    db.session.execute(update(ServiceSettings).values(digest_hour=hour))
    db.session.commit()
    notices.create_notice(
        world.school, world.admin, title="Họp phụ huynh", body="Thứ Bảy 8 giờ.", category="general",
        urgent=False, audience=Audience("school"),
    )  # fmt: skip
    today = school_today()
    errors = save_class_notes(
        world.school, world.admin, world.school_class, today,
        {
            f"meals-{an}": "Ăn hết suất", f"nap-{an}": "Ngủ 2 tiếng",
            f"health-{binh}": "Hơi ho", f"comment-{binh}": "Bé vui vẻ",
            f"activities-{cuong}": "Vẽ tranh",
        },
    )  # fmt: skip
    assert errors == {}

    together = [celery_client.send_task(EVENING), celery_client.send_task(EVENING)]  # two worker threads at once
    results = [result.get(timeout=60) for result in together]
    assert sum(r["notes"] for r in results) == 3 and sum(r["messages"] for r in results) == 4
    assert celery_client.send_task(EVENING).get(timeout=60) == {"notes": 0, "messages": 0}

    # The digest hour comes.
    db.session.execute(update(Message).where(Message.status == MessageStatus.QUEUED).values(next_attempt_at=utcnow()))
    db.session.commit()
    celery_client.send_task("messaging.dispatch")
    drive_until_final(celery_client, timeout=90)

    stats = fake_twilio.stats()
    assert stats["total"] == stats["accepted"] == 4 and stats["duplicates"] == {}  # Cường's: the notice, the note
    [an_digest] = sms_bodies(fake_twilio, 0)
    assert "Hop phu huynh. Thu Bay 8 gio." in an_digest  # the day's notice ...
    assert f"Ghi chu ngay {today:%d/%m/%Y}: Bua an: An het suat. Giac ngu: Ngu 2 tieng." in an_digest  # ... and note
    [binh_digest] = sms_bodies(fake_twilio, 1)
    assert "Suc khoe: Hoi ho. Co nhan: Be vui ve" in binh_digest
    [cuong_own] = [body for body in sms_bodies(fake_twilio, 2) if "Ghi chu" in body]
    assert f"Ghi chu ngay {today:%d/%m/%Y} cua be Cuong." in cuong_own and "Hoat dong: Ve tranh." in cuong_own
    [email] = smtp_server.messages
    assert "Bữa ăn: Ăn hết suất." in email_text(email)[1]
    notes = messages(kind="daily_note")
    assert len(notes) == 4
    assert {m.status for m in notes if m.digest} == {MessageStatus.DIGESTED}
    assert {m.status for m in notes if not m.digest} == {MessageStatus.SENT}
