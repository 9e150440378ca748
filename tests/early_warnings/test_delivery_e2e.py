"""The "early_warnings.run" task on a real Celery worker: the warning reaches the family through the fake Twilio
and the SMTP server, once, however often the task runs."""

from __future__ import annotations

import time
from email.header import decode_header, make_header

import pytest
from celery import Celery
from flask import Flask
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import FINAL_STATUSES, Message, ServiceSettings
from tests.early_warnings.factories import absent, make_warn_world
from tests.factories import make_world
from tests.messaging.conftest import DeliveryWorker, FakeTwilio, SmtpServer, wait_until

TASK = "early_warnings.run"
MOTHER = "+84912345678"


@pytest.mark.committed
def test_the_hourly_task_warns_the_family_once_through_the_provider(
    app: Flask,
    committed_db: None,
    delivery_worker: DeliveryWorker,
    fake_twilio: FakeTwilio,
    smtp_server: SmtpServer,
    celery_client: Celery,
) -> None:
    with app.app_context():
        w = make_warn_world(make_world().a)
        settings = db.session.get(ServiceSettings, w.people.school.id)
        assert settings is not None
        settings.quiet_end_hour, settings.quiet_start_hour = 0, 24  # no quiet hours: the test runs at any hour
        db.session.commit()
        absent(w, w.an, 20)
        absent(w, w.cuong, 20)  # his father did not subscribe: recorded, never sent

    assert celery_client.send_task(TASK).get(timeout=120) == {"schools": 2, "warnings": 2}

    def delivered() -> bool:
        with app.app_context():
            statuses = db.session.scalars(select(Message.status).where(Message.kind == "warning")).all()
            db.session.remove()
        # Final: a claimed message (taken by the worker, not yet handed to the provider) is not sent yet.
        return len(statuses) == 2 and all(s in FINAL_STATUSES for s in statuses)

    wait_until(delivered, 60, what="the warning messages to leave")
    assert warning_sms(fake_twilio) == {f"{MOTHER}|Truong alpha: Canh bao som ve em An:": 1}
    wait_until(lambda: len(warning_emails(smtp_server)) == 1, 30, what="the warning email")
    assert warning_emails(smtp_server) == ["binh@example.vn"]

    # The next hour's run finds every warning recorded: nothing more is written or sent.
    assert celery_client.send_task(TASK).get(timeout=120) == {"schools": 2, "warnings": 0}
    time.sleep(2)
    assert warning_sms(fake_twilio) == {f"{MOTHER}|Truong alpha: Canh bao som ve em An:": 1}
    assert len(warning_emails(smtp_server)) == 1


def warning_sms(fake: FakeTwilio) -> dict[str, int]:
    """The warning SMS the provider accepted, by recipient and first line, with how often each was accepted."""
    accepted: dict[str, int] = fake.stats()["accepted_messages"]
    found: dict[str, int] = {}
    for key, count in accepted.items():
        to, body = key.split("|", 1)
        if "Canh bao som" in body:
            assert "Da nghi 20 buoi trong nam hoc (moc 20 buoi; nghi qua 45 buoi" in body
            first_line = f"{to}|{body.splitlines()[0]}"
            found[first_line] = found.get(first_line, 0) + count
    return found


def warning_emails(smtp: SmtpServer) -> list[str]:
    """The recipients of the warning emails the SMTP server received."""
    return [str(m["To"]) for m in smtp.messages if "Cảnh báo sớm" in str(make_header(decode_header(m["Subject"])))]
