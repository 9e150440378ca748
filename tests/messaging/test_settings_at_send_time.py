"""The school's message settings are read again when a message is sent, not only when it is queued."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import update

from contactbook.extensions import db
from contactbook.messaging.services import delivery
from contactbook.models import MessageStatus, Subscription
from contactbook.notices import services as notices
from contactbook.subscriptions import services as subscriptions
from tests.messaging.conftest import FakeTwilio, build_subscribed_school
from tests.messaging.test_delivery_e2e import messages_of, notice_for

pytestmark = [pytest.mark.committed, pytest.mark.usefixtures("committed_db")]


@pytest.fixture
def ctx_app(app: Flask) -> Iterator[Flask]:
    with app.test_request_context():
        yield app


def test_a_digest_is_queued_for_the_schools_digest_hour(ctx_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    zone = ZoneInfo(ctx_app.config["TIMEZONE"])
    today = datetime.now(zone).date()
    monkeypatch.setattr(notices, "utcnow", lambda: datetime.combine(today, time(9, 0), tzinfo=zone).astimezone(UTC))
    world = build_subscribed_school(2)
    db.session.execute(update(Subscription).values(digest=True))
    db.session.commit()
    subscriptions.update_delivery_settings(
        world.school, world.admin, quiet_start_hour=21, quiet_end_hour=7, digest_hour=20, sms_segment_price=300
    )

    messages = messages_of(notice_for(world))

    eight_pm = datetime.combine(today, time(20, 0), tzinfo=zone).astimezone(UTC)
    assert len(messages) == 2 and all(m.digest for m in messages)
    assert {m.next_attempt_at for m in messages} == {eight_pm}


def test_quiet_hours_changed_after_queueing_hold_the_messages_not_yet_sent(
    ctx_app: Flask, delivery_app: Flask, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    zone = ZoneInfo(ctx_app.config["TIMEZONE"])
    today = datetime.now(zone).date()
    at_eight_pm = datetime.combine(today, time(20, 0), tzinfo=zone).astimezone(UTC)
    monkeypatch.setattr(notices, "utcnow", lambda: at_eight_pm)
    monkeypatch.setattr(delivery, "utcnow", lambda: at_eight_pm)
    world = build_subscribed_school(2, quiet_hours=(7, 21))
    notice_id = notice_for(world)
    # Queued to go at once (20:00 is before the quiet hours); then the admin moves their start to 20:00.
    subscriptions.update_delivery_settings(
        world.school, world.admin, quiet_start_hour=20, quiet_end_hour=7, digest_hour=18, sms_segment_price=300
    )

    delivery.dispatch()

    messages = messages_of(notice_id)
    seven_am = datetime.combine(today + timedelta(days=1), time(7, 0), tzinfo=zone).astimezone(UTC)
    assert len(messages) == 2
    assert {m.status for m in messages} == {MessageStatus.QUEUED}
    assert {m.next_attempt_at for m in messages} == {seven_am}
    assert fake_twilio.stats()["total"] == 0
