"""Daily digests and renewal reminders the whole way: outbox → a real worker → fake Twilio and SMTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery import Celery
from flask import Flask
from sqlalchemy import update

from contactbook.extensions import db
from contactbook.models import Message, MessageStatus, RenewalReminder, ServiceSettings, Subscription
from contactbook.models.base import utcnow
from contactbook.timezones import school_today
from tests.messaging.conftest import (
    DeliveryWorker,
    FakeTwilio,
    SmtpServer,
    build_subscribed_school,
    drive_until_final,
    phone_of,
)
from tests.messaging.digest_support import digest_school, email_text, messages, notice, sms_bodies

pytestmark = [pytest.mark.committed, pytest.mark.usefixtures("committed_db")]

DAILY = "subscriptions.daily"


@pytest.fixture
def ctx_app(app: Flask) -> Iterator[Flask]:
    with app.test_request_context():
        yield app


def test_digests_reach_the_fake_twilio_and_smtp_through_the_worker(
    ctx_app: Flask,
    delivery_worker: DeliveryWorker,
    fake_twilio: FakeTwilio,
    smtp_server: SmtpServer,
    celery_client: Celery,
) -> None:
    zone = ZoneInfo(ctx_app.config["TIMEZONE"])
    school = digest_school()
    # Written before the digest hour (an hour from now), which then comes: the worker finds the digests due.
    digest_hour = (utcnow() + timedelta(hours=1)).astimezone(zone).hour
    db.session.execute(
        update(ServiceSettings).where(ServiceSettings.school_id == school.school_id).values(digest_hour=digest_hour)
    )
    db.session.commit()
    notice(school, "Họp phụ huynh")
    notice(school, "Nghỉ học thứ Sáu")
    db.session.execute(update(Message).where(Message.kind == "digest").values(next_attempt_at=utcnow()))
    db.session.commit()

    celery_client.send_task("messaging.dispatch")
    drive_until_final(celery_client, timeout=60)

    stats = fake_twilio.stats()
    assert stats["total"] == stats["accepted"] == 3 and stats["duplicates"] == {}
    [two_children] = sms_bodies(fake_twilio, 0)
    assert "Em An:\n- Hop phu huynh." in two_children and "Em Binh:\n- Hop phu huynh." in two_children
    assert two_children.count("Nghi hoc thu Sau") == 2
    [email] = smtp_server.messages
    assert smtp_server.recipients == ["me0@example.vn"]
    assert "Em Nguyễn Văn An:" in email_text(email)[1]
    assert {m.status for m in messages(kind="digest")} == {MessageStatus.SENT}
    assert {m.status for m in messages(digest=True)} == {MessageStatus.DIGESTED}


def ending_soon(n: int, emails: int) -> list[int]:
    """A school whose `n` families' subscriptions end in three days; their ids."""
    world = build_subscribed_school(n, emails=emails)
    db.session.execute(update(Subscription).values(ends_on=school_today() + timedelta(days=3)))
    db.session.commit()
    return world.guardian_ids


def test_a_renewal_reminder_reaches_the_family_once_however_often_the_daily_task_runs(
    ctx_app: Flask,
    delivery_worker: DeliveryWorker,
    fake_twilio: FakeTwilio,
    smtp_server: SmtpServer,
    celery_client: Celery,
) -> None:
    ending_soon(2, emails=1)

    together = [celery_client.send_task(DAILY), celery_client.send_task(DAILY)]  # two worker threads at once
    results = [result.get(timeout=60) for result in together]
    assert sum(r["reminders"] for r in results) == 2
    assert celery_client.send_task(DAILY).get(timeout=60)["reminders"] == 0
    drive_until_final(celery_client, timeout=60)

    assert len(messages(kind="renewal")) == 3  # SMS to both families, email to the one with email
    assert db.session.query(RenewalReminder).count() == 2
    db.session.rollback()
    stats = fake_twilio.stats()
    assert stats["total"] == stats["accepted"] == 2 and stats["duplicates"] == {}
    ends = (school_today() + timedelta(days=3)).strftime("%d/%m/%Y")
    for index in (0, 1):
        [body] = sms_bodies(fake_twilio, index)
        assert f"het han ngay {ends}. De gia han, lien he van phong nha truong." in body
    [email] = smtp_server.messages
    subject, body = email_text(email)
    assert subject == "Gia hạn dịch vụ Sổ liên lạc điện tử" and f"hết hạn ngày {ends}" in body
    assert {m.status for m in messages(kind="renewal")} == {MessageStatus.SENT}


def test_the_quiet_hours_hold_a_renewal_reminder_until_they_end(
    ctx_app: Flask,
    delivery_worker: DeliveryWorker,
    fake_twilio: FakeTwilio,
    celery_client: Celery,
) -> None:
    zone = ZoneInfo(ctx_app.config["TIMEZONE"])
    ending_soon(1, emails=0)
    hour = datetime.now(zone).hour  # quiet from an hour ago to two hours ahead: now, whatever the time
    db.session.execute(update(ServiceSettings).values(quiet_start_hour=(hour - 1) % 24, quiet_end_hour=(hour + 2) % 24))
    db.session.commit()

    assert celery_client.send_task(DAILY).get(timeout=60)["reminders"] == 1
    celery_client.send_task("messaging.sweep").get(timeout=60)
    celery_client.send_task("messaging.dispatch").get(timeout=60)

    [held] = messages(kind="renewal")
    assert held.status == MessageStatus.QUEUED
    assert held.next_attempt_at.astimezone(zone).hour == (hour + 2) % 24 and held.next_attempt_at > utcnow()
    assert fake_twilio.stats()["total"] == 0

    # The morning comes: the quiet hours are over.
    db.session.execute(update(ServiceSettings).values(quiet_start_hour=(hour + 2) % 24, quiet_end_hour=(hour + 3) % 24))
    db.session.execute(update(Message).values(next_attempt_at=datetime.now(UTC)))
    db.session.commit()
    drive_until_final(celery_client, timeout=60)
    assert [key.split("|")[0] for key in fake_twilio.stats()["messages"]] == [phone_of(0)]
    assert messages(kind="renewal")[0].status == MessageStatus.SENT
