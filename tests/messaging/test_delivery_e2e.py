"""The delivery pipeline end to end: notice → outbox → worker → fake Twilio / SMTP → status callbacks.

Also, by calling claim/deliver directly: opt-out before sending, quiet hours, temporary and permanent
failures, and a timeout that must never be resent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery import Celery
from flask import Flask
from sqlalchemy import select, update
from twilio.request_validator import RequestValidator

from contactbook.extensions import db
from contactbook.messaging.services import delivery
from contactbook.messaging.vocabulary import FailureKind
from contactbook.models import Guardian, Message, MessageStatus, Subscription
from contactbook.notices import services as notices
from contactbook.notices.services import Audience
from contactbook.subscriptions import services as subscriptions
from tests.messaging.conftest import (
    AUTH_TOKEN,
    CALLBACK_URL,
    DeliveryWorker,
    FakeTwilio,
    SmtpServer,
    SubscribedSchool,
    build_subscribed_school,
    drive_until_final,
    phone_of,
)

pytestmark = [pytest.mark.committed, pytest.mark.usefixtures("committed_db")]


@pytest.fixture
def ctx_app(app: Flask) -> Iterator[Flask]:
    with app.test_request_context():
        yield app


def notice_for(world: SubscribedSchool, *, urgent: bool = False, title: str = "Họp phụ huynh") -> int:
    notice = notices.create_notice(
        world.school,
        world.admin,
        title=title,
        body="Kính mời phụ huynh dự họp lúc 8 giờ sáng thứ Bảy.",
        category="general",
        urgent=urgent,
        audience=Audience("classes", (world.school_class.id,)),
    )
    return notice.id


def messages_of(notice_id: int) -> list[Message]:
    db.session.rollback()
    messages = list(db.session.scalars(select(Message).where(Message.notice_id == notice_id).order_by(Message.id)))
    for message in messages:
        db.session.expunge(message)  # kept readable as read, while
    db.session.rollback()  # the read ends: on SQLite an open transaction holds the write lock (BEGIN IMMEDIATE)
    return messages


def run_delivery() -> dict[str, int]:
    """What one worker's dispatch does, in this process."""
    return delivery.dispatch()


def signed_post(app: Flask, params: dict[str, str], token: str = AUTH_TOKEN) -> int:
    signature = RequestValidator(token).compute_signature(CALLBACK_URL, params)
    response = app.test_client().post("/webhooks/twilio/status", data=params, headers={"X-Twilio-Signature": signature})
    return response.status_code


# --- The whole way, through a worker process ------------------------------------------------------------


def test_notice_reaches_every_guardian_once_then_callbacks(
    ctx_app: Flask,
    delivery_worker: DeliveryWorker,
    fake_twilio: FakeTwilio,
    smtp_server: SmtpServer,
    celery_client: Celery,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = build_subscribed_school(20, emails=5)
    notice_id = notice_for(world)
    created = messages_of(notice_id)
    assert sorted(m.channel for m in created).count("sms") == 20
    assert sorted(m.channel for m in created).count("email") == 5

    celery_client.send_task("messaging.dispatch")
    drive_until_final(celery_client, timeout=60, notice_id=notice_id)

    sent = messages_of(notice_id)
    assert {m.status for m in sent} == {MessageStatus.SENT}
    assert all(m.provider_ref and m.sent_at for m in sent)
    stats = fake_twilio.stats()
    assert stats["duplicates"] == {}
    assert stats["total"] == stats["accepted"] == 20
    assert sorted(key.split("|")[0] for key in stats["messages"]) == sorted(phone_of(i) for i in range(20))
    assert sorted(smtp_server.recipients) == sorted(f"me{i}@example.vn" for i in range(5))
    assert len(smtp_server.messages) == 5

    # Status callbacks, signed as Twilio signs them, to the app's webhook.
    monkeypatch.setitem(ctx_app.config, "TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setitem(ctx_app.config, "TWILIO_STATUS_CALLBACK_URL", CALLBACK_URL)
    sms = [m for m in sent if m.channel == "sms"]
    first, second, third = sms[0], sms[1], sms[2]
    delivered = {"MessageSid": first.provider_ref or "", "MessageStatus": "delivered", "AccountSid": "AC1"}
    assert signed_post(ctx_app, delivered) == 204
    assert signed_post(ctx_app, delivered) == 204  # a replay changes nothing
    assert signed_post(ctx_app, delivered, token="wrong-token") == 403
    bad = {**delivered, "MessageSid": second.provider_ref or ""}
    assert signed_post(ctx_app, {**bad, "MessageStatus": "failed"}, token="not-it") == 403
    # Out of order: delivered first, then a late "sent" — it stays delivered.
    late = {"MessageSid": third.provider_ref or "", "AccountSid": "AC1"}
    assert signed_post(ctx_app, {**late, "MessageStatus": "delivered"}) == 204
    assert signed_post(ctx_app, {**late, "MessageStatus": "sent"}) == 204

    after = {m.id: m for m in messages_of(notice_id)}
    assert after[first.id].status == MessageStatus.DELIVERED and after[first.id].delivered_at is not None
    assert after[second.id].status == MessageStatus.SENT
    assert after[third.id].status == MessageStatus.DELIVERED
    assert fake_twilio.stats()["total"] == 20  # callbacks never cause a resend


# --- Rules at send time, with claim/deliver in this process -------------------------------------------


def test_guardian_who_opts_out_before_sending_is_skipped(
    ctx_app: Flask, delivery_app: Flask, fake_twilio: FakeTwilio
) -> None:
    world = build_subscribed_school(3)
    notice_id = notice_for(world)
    subscription = db.session.scalar(select(Subscription).where(Subscription.guardian_id == world.guardian_ids[0]))
    assert subscription is not None
    subscriptions.withdraw_purpose(world.school, world.admin, subscription, "notices_sms")

    run_delivery()

    by_guardian = {m.guardian_id: m for m in messages_of(notice_id)}
    skipped = by_guardian[world.guardian_ids[0]]
    assert skipped.status == MessageStatus.SKIPPED
    assert skipped.error and "no longer eligible" in skipped.error
    assert {by_guardian[g].status for g in world.guardian_ids[1:]} == {MessageStatus.SENT}
    stats = fake_twilio.stats()
    assert stats["total"] == 2
    assert not any(key.startswith(phone_of(0) + "|") for key in stats["messages"])


def test_quiet_hours_hold_a_notice_until_morning_but_not_an_urgent_one(
    ctx_app: Flask, delivery_app: Flask, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    zone = ZoneInfo(ctx_app.config["TIMEZONE"])
    today = datetime.now(zone).date()
    at_ten_pm = datetime.combine(today, time(22, 0), tzinfo=zone).astimezone(UTC)
    monkeypatch.setattr(notices, "utcnow", lambda: at_ten_pm)
    monkeypatch.setattr(delivery, "utcnow", lambda: at_ten_pm)
    world = build_subscribed_school(2, quiet_hours=(7, 21))

    normal = notice_for(world, title="Thông báo thường")
    urgent = notice_for(world, urgent=True, title="Khẩn: nghỉ học")
    seven_am = datetime.combine(today + timedelta(days=1), time(7, 0), tzinfo=zone).astimezone(UTC)
    assert {m.next_attempt_at for m in messages_of(normal)} == {seven_am}
    assert {m.next_attempt_at for m in messages_of(urgent)} == {at_ten_pm}

    run_delivery()

    assert {m.status for m in messages_of(normal)} == {MessageStatus.QUEUED}
    assert {m.status for m in messages_of(urgent)} == {MessageStatus.SENT}
    assert fake_twilio.stats()["total"] == 2


def test_temporary_failures_are_retried_until_sent(
    ctx_app: Flask, delivery_app: Flask, fake_twilio: FakeTwilio
) -> None:
    world = build_subscribed_school(4)
    notice_id = notice_for(world)
    fake_twilio.configure(fail_rate_500=1.0)

    run_delivery()

    waiting = messages_of(notice_id)
    assert {m.status for m in waiting} == {MessageStatus.QUEUED}
    assert all(m.attempts == 1 and m.error and "temporary" in m.error for m in waiting)
    assert {(m.failure_kind, m.failure_code) for m in waiting} == {(FailureKind.TEMPORARY, "20500")}
    assert all(m.next_attempt_at > delivery.utcnow() for m in waiting)

    fake_twilio.configure(fail_rate_500=0.0)
    db.session.execute(update(Message).values(next_attempt_at=delivery.utcnow()))  # the backoff has passed
    db.session.commit()
    run_delivery()

    done = messages_of(notice_id)
    assert {m.status for m in done} == {MessageStatus.SENT}
    assert all(m.attempts == 2 for m in done)
    stats = fake_twilio.stats()
    assert stats["accepted"] == 4
    assert stats["statuses"] == {"500": 4, "201": 4}


def test_invalid_number_fails_for_good_and_marks_the_phone_unusable(
    ctx_app: Flask, delivery_app: Flask, fake_twilio: FakeTwilio
) -> None:
    world = build_subscribed_school(2)
    notice_id = notice_for(world)
    fake_twilio.configure(error_code_for={phone_of(0): 21211})

    run_delivery()

    by_guardian = {m.guardian_id: m for m in messages_of(notice_id)}
    failed = by_guardian[world.guardian_ids[0]]
    assert failed.status == MessageStatus.FAILED
    assert failed.error and "21211" in failed.error
    assert (failed.failure_kind, failed.failure_code) == (FailureKind.PERMANENT, "21211")
    assert by_guardian[world.guardian_ids[1]].status == MessageStatus.SENT
    guardian = db.session.get(Guardian, world.guardian_ids[0])
    assert guardian is not None and guardian.phone_unusable_at is not None
    assert db.session.get(Guardian, world.guardian_ids[1]).phone_unusable_at is None  # type: ignore[union-attr]

    # A later notice is not even queued for the unusable number.
    later = notice_for(world, title="Lần sau")
    assert [m.guardian_id for m in messages_of(later)] == [world.guardian_ids[1]]


def test_a_timeout_is_ambiguous_and_never_resent(ctx_app: Flask, delivery_app: Flask, fake_twilio: FakeTwilio) -> None:
    world = build_subscribed_school(1)
    notice_id = notice_for(world)
    fake_twilio.configure(timeout_rate=1.0, timeout_sleep=2.5)  # the app waits 1 s (TWILIO_TIMEOUT)

    run_delivery()

    (message,) = messages_of(notice_id)
    assert message.status == MessageStatus.AMBIGUOUS
    assert message.error and "ambiguous" in message.error
    assert message.failure_kind == FailureKind.AMBIGUOUS
    fake_twilio.configure(timeout_rate=0.0)
    delivery.sweep()
    run_delivery()
    assert messages_of(notice_id)[0].status == MessageStatus.AMBIGUOUS
    stats = fake_twilio.stats()
    assert stats["total"] == 1 and stats["duplicates"] == {}
