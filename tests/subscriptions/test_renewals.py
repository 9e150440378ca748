"""Renewal reminders written by the daily run: the messages, on which channels, when, and exactly once."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import insert, select, text, update

from contactbook.extensions import db
from contactbook.messaging.text import to_gsm
from contactbook.models import Guardian, Message, MessageStatus, Plan, RenewalReminder, Subscription
from contactbook.subscriptions import services
from contactbook.subscriptions.rules import PURPOSES
from contactbook.subscriptions.services import subscribing
from tests.factories import World, make_world
from tests.roster.factories import ClassWorld, make_class_world
from tests.subscriptions.test_services import make_plan, reminders_of, subscribe

REMINDER_DAY = date(2025, 9, 27)  # a monthly subscription from 5 September ends on 4 October: 7 days later


def reminder_messages(subscription: Subscription) -> list[Message]:
    query = (
        select(Message)
        .where(Message.subscription_id == subscription.id, Message.kind == "renewal")  # not the welcome SMS
        .order_by(Message.channel)
    )
    return list(db.session.scalars(query))


def test_a_reminder_is_one_message_per_channel_of_the_subscription(
    world: World, alpha: ClassWorld, monthly: Plan
) -> None:
    subscription = subscribe(world.a, alpha, monthly)  # SMS and email

    assert services.run_daily(REMINDER_DAY)["reminders"] == 1

    email, sms = reminder_messages(subscription)
    assert [(m.kind, m.channel, m.to_address) for m in (email, sms)] == [
        ("renewal", "email", "binh@example.vn"),
        ("renewal", "sms", "+84912345678"),
    ]
    assert sms.dedupe_key == f"renewal:{subscription.id}:2025-09-27:sms"
    assert (sms.status, sms.urgent, sms.digest, sms.student_id) == (
        MessageStatus.QUEUED,
        False,
        False,
        alpha.student.id,
    )
    assert sms.body == (
        f"{to_gsm(world.a.school.name)}: Dich vu So lien lac dien tu cua em An het han ngay 04/10/2025. "
        "De gia han, lien he van phong nha truong."
    )
    assert sms.segments == 1 and sms.cost == 300
    assert "hết hạn ngày 04/10/2025" in email.body and email.subject == "Gia hạn dịch vụ Sổ liên lạc điện tử"


def test_a_reminder_goes_whatever_the_consent_purposes_say(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    for purpose in PURPOSES:
        services.withdraw_purpose(world.a.school, None, subscription, purpose)

    services.run_daily(REMINDER_DAY)

    assert sorted(m.channel for m in reminder_messages(subscription)) == ["email", "sms"]


def test_a_reminder_uses_only_the_subscriptions_own_channels(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly, email=False)  # the guardian has an email all the same

    services.run_daily(REMINDER_DAY)

    assert [m.channel for m in reminder_messages(subscription)] == ["sms"]


def test_a_refused_phone_gets_no_reminder_sms(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    db.session.execute(
        update(Guardian).where(Guardian.id == alpha.guardian.id).values(phone_unusable_at=datetime.now(UTC))
    )
    db.session.commit()

    services.run_daily(REMINDER_DAY)

    assert [m.channel for m in reminder_messages(subscription)] == ["email"]


def test_without_a_usable_contact_the_reminder_waits_for_one(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly, email=False)
    guardian = db.session.get(Guardian, alpha.guardian.id)
    assert guardian is not None
    guardian.phone_unusable_at = datetime.now(UTC)
    db.session.commit()

    assert services.run_daily(REMINDER_DAY)["reminders"] == 0
    assert reminders_of(subscription) == []

    guardian.phone, guardian.phone_unusable_at = "+84987654321", None  # the school records a new number
    db.session.commit()
    assert services.run_daily(date(2025, 9, 28))["reminders"] == 1
    [sms] = reminder_messages(subscription)
    assert (sms.to_address, sms.dedupe_key) == ("+84987654321", f"renewal:{subscription.id}:2025-09-28:sms")


def test_the_daily_run_twice_writes_one_reminder_and_its_messages_once(
    world: World, alpha: ClassWorld, monthly: Plan
) -> None:
    subscription = subscribe(world.a, alpha, monthly)

    assert services.run_daily(REMINDER_DAY)["reminders"] == 1
    assert services.run_daily(REMINDER_DAY)["reminders"] == 0
    assert services.run_daily(date(2025, 9, 28))["reminders"] == 0

    assert len(reminders_of(subscription)) == 1
    assert len(reminder_messages(subscription)) == 2


def test_no_reminder_while_the_service_is_switched_off(world: World, alpha: ClassWorld, monthly: Plan) -> None:
    subscription = subscribe(world.a, alpha, monthly)
    services.set_service_enabled(world.a.school, world.a.admin, False)

    assert services.run_daily(REMINDER_DAY)["reminders"] == 0
    assert reminder_messages(subscription) == []


def test_a_reminder_written_at_night_waits_for_the_end_of_the_quiet_hours(
    app: Flask, world: World, alpha: ClassWorld, monthly: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    zone = ZoneInfo(app.config["TIMEZONE"])
    at_ten_pm = datetime.combine(REMINDER_DAY, time(22, 0), tzinfo=zone).astimezone(UTC)
    monkeypatch.setattr(subscribing, "utcnow", lambda: at_ten_pm)  # the daily run's clock
    subscription = subscribe(world.a, alpha, monthly)

    services.run_daily(REMINDER_DAY)

    seven_am = datetime.combine(date(2025, 9, 28), time(7, 0), tzinfo=zone).astimezone(UTC)
    assert {m.next_attempt_at for m in reminder_messages(subscription)} == {seven_am}


# --- Two runs at the same moment -------------------------------------------------------------------------


@pytest.mark.committed
def test_a_reminder_another_run_is_writing_at_the_same_moment_is_not_written_twice(
    app: Flask, committed_db: None
) -> None:
    with app.app_context():
        world = make_world()
        family = make_class_world(world.a)
        services.set_service_enabled(world.a.school, world.a.admin, True)
        subscription = subscribe(world.a, family, make_plan(world.a))
        school_id, subscription_id = world.a.school.id, subscription.id
        db.session.remove()

        # The other run has inserted its reminder row and not committed yet.
        other = db.engine.connect()
        other_run = other.begin()  # on SQLite, BEGIN IMMEDIATE: the write lock, as a writing run holds it
        other.execute(
            insert(RenewalReminder).values(
                school_id=school_id, subscription_id=subscription_id, due_on=REMINDER_DAY, details={}
            )
        )
        results: list[dict[str, int]] = []
        errors: list[BaseException] = []

        def run() -> None:
            with app.app_context():
                try:
                    results.append(services.run_daily(REMINDER_DAY))
                except BaseException as exc:  # reported below, in the test's thread
                    errors.append(exc)
                finally:
                    db.session.remove()

        thread = threading.Thread(target=run)
        thread.start()
        _wait_until_blocked(thread)
        other_run.commit()
        other.close()
        thread.join(timeout=60)

        assert errors == [] and results == [{"expired": 0, "reminders": 0}]
        reminders = select(Message.id).where(Message.subscription_id == subscription_id, Message.kind == "renewal")
        assert db.session.scalars(reminders).all() == []


def _wait_until_blocked(thread: threading.Thread) -> None:
    """On PostgreSQL, until the run waits for the other run's row lock (so the race is really run)."""
    if db.engine.dialect.name != "postgresql":
        return  # SQLite: the run waits at BEGIN IMMEDIATE, before it reads anything
    with db.engine.connect() as watcher:
        for _ in range(600):
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            ).scalar()
            if waiting or not thread.is_alive():
                return
            watcher.rollback()
            threading.Event().wait(0.05)
    raise AssertionError("the second run never waited for the first one's reminder")
