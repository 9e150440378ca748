"""The decision on a leave request reaches the family through the pipeline: a real worker, the fake Twilio."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from celery import Celery
from flask import Flask
from sqlalchemy import select, update

from contactbook.auth.access import permissions_of
from contactbook.extensions import db
from contactbook.leave_requests import services
from contactbook.leave_requests.rules import Asked
from contactbook.models import Message, MessageStatus, ServiceSettings
from contactbook.models.base import utcnow
from tests.factories import make_world
from tests.family.support import family_for
from tests.leave_requests.factories import FATHER, MOTHER, make_leave_world
from tests.messaging.conftest import DeliveryWorker, FakeTwilio, drive_until_final, wait_until

pytestmark = [pytest.mark.committed, pytest.mark.usefixtures("committed_db")]


@pytest.fixture
def ctx_app(app: Flask) -> Iterator[Flask]:
    with app.test_request_context():
        yield app


def no_quiet_hours(school_id: int) -> None:
    """Whatever the time of day the test runs: no quiet hours, and the messages the world's subscriptions wrote
    (their welcome SMS, held until the end of the default quiet hours when written at night) due now."""
    settings = db.session.get_one(ServiceSettings, school_id)
    settings.quiet_end_hour, settings.quiet_start_hour = 0, 24
    db.session.execute(
        update(Message)
        .where(Message.school_id == school_id, Message.status == MessageStatus.QUEUED)
        .values(next_attempt_at=utcnow())
    )
    db.session.commit()


def test_the_approval_reaches_the_mother_by_sms_once(
    ctx_app: Flask, delivery_worker: DeliveryWorker, fake_twilio: FakeTwilio, celery_client: Celery
) -> None:
    lw = make_leave_world(make_world().a)
    no_quiet_hours(lw.people.school.id)
    tomorrow = lw.today + timedelta(days=1)
    family = family_for(phone=MOTHER)
    request = services.submit_by_family(
        lw.people.school, family.id, lw.mother.id, lw.an.id, Asked(tomorrow, tomorrow, "day", "Khám bệnh")
    )
    homeroom = lw.people.staff["homeroom"]

    services.decide(lw.people.school, homeroom, permissions_of(homeroom), request, approve=True, note="")
    drive_until_final(celery_client, timeout=60)

    def decision_sent() -> bool:
        return any("chap thuan" in key for key in fake_twilio.stats()["messages"])

    wait_until(decision_sent, 30, what="the decision's SMS at the fake Twilio")
    stats = fake_twilio.stats()
    [key] = [key for key in stats["messages"] if "chap thuan" in key]
    assert key.startswith(f"{MOTHER}|") and "Don xin nghi hoc cua em An" in key
    assert stats["duplicates"] == {}
    db.session.rollback()
    [message] = db.session.scalars(
        select(Message).where(Message.kind == "leave_decision", Message.channel == "sms")
    ).all()
    assert message.status.value == "sent" and message.provider_ref


def test_an_unsubscribed_father_who_asked_in_the_portal_gets_the_answer_by_sms(
    ctx_app: Flask, delivery_worker: DeliveryWorker, fake_twilio: FakeTwilio, celery_client: Celery
) -> None:
    lw = make_leave_world(make_world().a)
    no_quiet_hours(lw.people.school.id)
    tomorrow = lw.today + timedelta(days=1)
    family = family_for(phone=FATHER)  # no subscription, a phone and no email
    request = services.submit_by_family(
        lw.people.school, family.id, lw.father.id, lw.cuong.id, Asked(tomorrow, tomorrow, "day", "Về quê")
    )
    homeroom = lw.people.staff["homeroom"]

    services.decide(lw.people.school, homeroom, permissions_of(homeroom), request, approve=False, note="")
    drive_until_final(celery_client, timeout=60)

    def decision_sent() -> bool:
        return any(key.startswith(f"{FATHER}|") for key in fake_twilio.stats()["messages"])

    wait_until(decision_sent, 30, what="the decision's SMS to the father at the fake Twilio")
    [key] = [key for key in fake_twilio.stats()["messages"] if key.startswith(f"{FATHER}|")]
    assert "khong duoc chap thuan" in key and "Cuong" in key
