"""The "subscriptions.daily" task on a real Celery worker, against data committed for real."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta

import pytest
from celery import Celery
from flask import Flask
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import RenewalReminder, Subscription, SubscriptionStatus
from contactbook.subscriptions.rules import PURPOSES
from contactbook.timezones import school_today
from tests.factories import SchoolPeople, make_world
from tests.roster.factories import make_class_world, make_guardian, make_student
from tests.subscriptions.payment_factories import monthly_plan, service_on, subscribe

TASK = "subscriptions.daily"


@pytest.fixture
def result_client(urls: dict[str, str]) -> Celery:
    return Celery("test-client", broker=urls["REDIS_URL"], backend=urls["REDIS_URL"], set_as_current=False)


def monthly_families(starts: list[date]) -> tuple[SchoolPeople, list[int]]:
    """School alpha with the service on and one family per start date, each with a monthly subscription."""
    people = make_world().a
    family = make_class_world(people)
    service_on(people)
    plan = monthly_plan(people)
    ids: list[int] = []
    for number, starts_on in enumerate(starts, start=2):
        student = make_student(people, family.school_class, f"Học sinh {number}", f"79010000000{number}")
        guardian = make_guardian(people, [student], f"Phụ huynh {number}", email=f"ph{number}@example.vn")
        subscription = subscribe(
            people, guardian, student, plan, starts_on, purposes=PURPOSES, email=True, actor=people.admin
        )
        ids.append(subscription.id)
    return people, ids


def status_of(subscription_id: int) -> SubscriptionStatus:
    subscription = db.session.get(Subscription, subscription_id)
    assert subscription is not None
    return subscription.status


@pytest.mark.committed
def test_the_daily_task_expires_an_ended_subscription_on_a_real_worker(
    app: Flask, committed_db: None, celery_worker: subprocess.Popen[bytes], result_client: Celery
) -> None:
    with app.app_context():
        today = school_today()
        _, (ended, running) = monthly_families([today - timedelta(days=40), today])

    assert result_client.send_task(TASK).get(timeout=60)["expired"] == 1

    with app.app_context():
        assert (status_of(ended), status_of(running)) == (SubscriptionStatus.EXPIRED, SubscriptionStatus.ACTIVE)


@pytest.mark.committed
def test_the_daily_task_queues_one_reminder_however_often_it_runs(
    app: Flask, committed_db: None, celery_worker: subprocess.Popen[bytes], result_client: Celery
) -> None:
    with app.app_context():
        _, [ending] = monthly_families([school_today() - timedelta(days=25)])  # ends within the 7 reminder days

    assert result_client.send_task(TASK).get(timeout=60) == {"expired": 0, "reminders": 1}
    assert result_client.send_task(TASK).get(timeout=60) == {"expired": 0, "reminders": 0}

    with app.app_context():
        reminders = db.session.scalars(select(RenewalReminder).where(RenewalReminder.subscription_id == ending))
        assert len(list(reminders)) == 1
