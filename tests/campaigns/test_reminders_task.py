"""The "campaigns.reminders" task on a real Celery worker: run twice in a row, each reminder goes once (none for
a closed campaign)."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from celery import Celery
from flask import Flask
from sqlalchemy import select

from contactbook.campaigns import services
from contactbook.extensions import db
from contactbook.models import AccountEmail, SchoolLevel
from contactbook.models.base import utcnow
from contactbook.timezones import school_today
from tests.factories import make_world

TASK = "campaigns.reminders"


@pytest.fixture
def result_client(urls: dict[str, str]) -> Celery:
    return Celery("test-client", broker=urls["REDIS_URL"], backend=urls["REDIS_URL"], set_as_current=False)


@pytest.mark.committed
def test_the_reminder_task_run_twice_sends_each_reminder_once(
    app: Flask, committed_db: None, celery_worker: subprocess.Popen[bytes], result_client: Celery
) -> None:
    with app.test_request_context():
        world = make_world()
        today = school_today()
        campaign = services.open_campaign(
            world.officer,
            authority=world.ward,
            title="Đăng ký",
            school_year="2026-2027",
            opens_on=today - timedelta(days=10),
            deadline=today + timedelta(days=3),
        )
        rows = [services.InvitationRow("Trường chờ", SchoolLevel.PRIMARY, "cho@school.example.vn", world.ward.id)]
        services.import_invitations(world.officer, campaign, rows, [world.ward.id])
        closed = services.open_campaign(
            world.officer,
            authority=world.ward,
            title="Đăng ký đã đóng",
            school_year="2026-2027",
            opens_on=today - timedelta(days=10),
            deadline=today + timedelta(days=3),
        )
        rows = [services.InvitationRow("Trường khác", SchoolLevel.PRIMARY, "khac@school.example.vn", world.ward.id)]
        services.import_invitations(world.officer, closed, rows, [world.ward.id])
        services.close_campaign(world.officer, closed, utcnow())  # no reminder for it
        db.session.remove()

    first = result_client.send_task(TASK).get(timeout=60)
    second = result_client.send_task(TASK).get(timeout=60)

    assert (first["queued"], second["queued"]) == (1, 0)
    with app.app_context():
        reminders = db.session.scalars(select(AccountEmail.to_address).where(AccountEmail.dedupe_key.is_not(None)))
        assert list(reminders) == ["cho@school.example.vn"]
