"""Delivery fixtures: a fake Twilio server, an SMTP server, a delivery worker process, and bulk test data.

Everything here commits for real (`committed_db`): the worker is another process.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import Message as EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from celery import Celery
from flask import Flask
from sqlalchemy import func, insert, select

from contactbook.extensions import db
from contactbook.messaging.providers import EXTENSION_KEY
from contactbook.models import (
    Consent,
    ConsentPurpose,
    Enrolment,
    EnrolmentStatus,
    Guardian,
    Message,
    MessageStatus,
    Plan,
    School,
    SchoolClass,
    ServiceSettings,
    Student,
    StudentGuardian,
    Subscription,
    SubscriptionStatus,
    User,
)
from contactbook.models.base import utcnow
from contactbook.models.messaging import FINAL_STATUSES
from contactbook.subscriptions import services as subscriptions
from tests.factories import SchoolPeople, make_operator, make_school
from tests.roster.factories import make_class, make_year
from tests.subscriptions.payment_factories import monthly_plan

ROOT = Path(__file__).resolve().parent.parent.parent
ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-twilio-token"
SERVICE_SID = "MG" + "0" * 32
CALLBACK_URL = "https://contactbook.test/webhooks/twilio/status"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.2, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


# --- Fake Twilio --------------------------------------------------------------------------------------


@dataclass
class FakeTwilio:
    base_url: str
    process: subprocess.Popen[bytes]

    def _call(self, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.base_url + path, data=data)  # noqa: S310 (our own loopback server)
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            result: dict[str, Any] = json.loads(response.read())
            return result

    def stats(self) -> dict[str, Any]:
        return self._call("/_stats")

    def configure(self, **changes: Any) -> dict[str, Any]:
        return self._call("/_config", changes)

    def reset(self) -> None:
        self._call("/_reset", {})


def start_fake_twilio(latency: float = 0.0, callbacks: bool = False) -> FakeTwilio:
    """A fake Twilio in its own process, answering; with `callbacks`, posting signed status callbacks to the
    StatusCallback URL of each message's request."""
    port = free_port()
    command = [sys.executable, "-m", "contactbook.dev.fake_twilio", "--port", str(port), "--latency", str(latency)]
    command += ["--auth-token", AUTH_TOKEN]
    if callbacks:
        command += ["--callbacks"]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)
    fake = FakeTwilio(f"http://127.0.0.1:{port}", process)

    def answers() -> bool:
        try:
            fake.stats()
        except OSError:
            return False
        return True

    wait_until(answers, 15, 0.1, "the fake Twilio server")
    return fake


@pytest.fixture(scope="session")
def _fake_twilio_process() -> Iterator[FakeTwilio]:
    fake = start_fake_twilio()
    try:
        yield fake
    finally:
        fake.process.terminate()
        fake.process.wait(timeout=10)


@pytest.fixture
def fake_twilio(_fake_twilio_process: FakeTwilio) -> Iterator[FakeTwilio]:
    """The fake Twilio server, with fresh counts and settings for each test."""
    _fake_twilio_process.reset()
    yield _fake_twilio_process
    _fake_twilio_process.reset()


# --- SMTP ---------------------------------------------------------------------------------------------


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(BytesParser().parsebytes(envelope.original_content or envelope.content))
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture(scope="session")
def _smtp_controller() -> Iterator[SmtpServer]:
    port = free_port()
    server = SmtpServer("127.0.0.1", port)
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(_smtp_controller: SmtpServer) -> SmtpServer:
    """An aiosmtpd server collecting what it receives (emptied for each test)."""
    _smtp_controller.messages.clear()
    _smtp_controller.recipients.clear()
    return _smtp_controller


# --- Settings of the delivery pipeline, in-process and in the worker ----------------------------------


def delivery_settings(fake: FakeTwilio, smtp: SmtpServer, **overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "SMS_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_MESSAGING_SERVICE_SID": SERVICE_SID,
        "TWILIO_BASE_URL": fake.base_url,
        "TWILIO_STATUS_CALLBACK_URL": CALLBACK_URL,
        "TWILIO_TIMEOUT": 1.0,
        "EMAIL_PROVIDER": "smtp",
        "SMTP_HOST": smtp.host,
        "SMTP_PORT": smtp.port,
        "SMS_RATE": 1000.0,
        "EMAIL_RATE": 1000.0,
        "MESSAGE_STALE_CLAIM_SECONDS": 3.0,
        "MESSAGE_STALE_SENDING_SECONDS": 5.0,
    }
    settings.update(overrides)
    return settings


def _forget_providers(app: Flask) -> None:
    app.extensions.pop(EXTENSION_KEY, None)
    app.extensions.pop("rate_limiters", None)


@pytest.fixture
def delivery_app(
    app: Flask, fake_twilio: FakeTwilio, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    """The test app sending through the fake Twilio and the SMTP server (for calling delivery directly)."""
    for name, value in delivery_settings(fake_twilio, smtp_server).items():
        monkeypatch.setitem(app.config, name, value)
    _forget_providers(app)
    yield app
    _forget_providers(app)


class DeliveryWorker:
    """A Celery worker process sending through the fakes; `kill()` is SIGKILL to its whole process group."""

    def __init__(
        self, env: dict[str, str], pool: str = "threads", concurrency: int = 2, extra: tuple[str, ...] = ()
    ) -> None:
        self.env, self.pool, self.concurrency, self.extra = env, pool, concurrency, extra
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", "workers.app", "worker", f"--pool={self.pool}"]
        command += [f"--concurrency={self.concurrency}", "--loglevel=WARNING", "--without-gossip", "--without-mingle"]
        command += list(self.extra)
        self.process = subprocess.Popen(command, env=self.env, cwd=ROOT, start_new_session=True)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL the worker and its pool children, mid-whatever they were doing."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def worker_env(urls: dict[str, str], settings: dict[str, Any]) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": urls["DATABASE_URL"],
        "REDIS_URL": urls["REDIS_URL"],
        "SECRET_KEY": "test-secret-key",
        **{name: str(value) for name, value in settings.items()},
    }


@pytest.fixture
def delivery_worker(
    app: Flask, urls: dict[str, str], fake_twilio: FakeTwilio, smtp_server: SmtpServer
) -> Iterator[DeliveryWorker]:
    """A real Celery worker (two threads) sending through the fake Twilio and the SMTP server."""
    worker = DeliveryWorker(worker_env(urls, delivery_settings(fake_twilio, smtp_server)))
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def celery_client(urls: dict[str, str]) -> Iterator[Celery]:
    """A Celery client on the run's Redis, to nudge the workers by task name as the web does."""
    client = Celery("tests", broker=urls["REDIS_URL"], backend=urls["REDIS_URL"])
    try:
        yield client
    finally:
        client.close()


# --- Data ---------------------------------------------------------------------------------------------


@dataclass
class SubscribedSchool:
    people: SchoolPeople
    school_class: SchoolClass
    plan: Plan
    student_ids: list[int]
    guardian_ids: list[int]

    @property
    def school(self) -> School:
        return self.people.school

    @property
    def admin(self) -> User:
        return self.people.admin


def phone_of(index: int) -> str:
    return f"+849{index:08d}"


def build_subscribed_school(
    n: int, *, emails: int = 0, slug: str = "giao", quiet_hours: tuple[int, int] = (0, 24), grades: bool = False
) -> SubscribedSchool:
    """Commit a school with one class of `n` students, one guardian each, subscribed by SMS with consent.

    The first `emails` guardians also have an email address and the email channel; with `grades`, every
    guardian also consents to grades by SMS. Quiet hours are off
    by default (`(0, 24)`) so that tests do not depend on the time of day. Call inside an app context.
    """
    people = make_school(make_operator(f"op-{slug}"), _authority(), slug)
    year = make_year(people, 2026)
    school_class = make_class(people, year, "6A1")
    subscriptions.set_service_enabled(people.school, people.admin, True)
    settings = db.session.get(ServiceSettings, people.school.id)
    assert settings is not None
    settings.quiet_end_hour, settings.quiet_start_hour = quiet_hours
    db.session.commit()
    plan = monthly_plan(people, 100_000)
    school_id = people.school.id
    now = utcnow()
    today = date.today()

    def bulk(model: Any, rows: list[dict[str, Any]]) -> list[int]:
        statement = insert(model).returning(model.id, sort_by_parameter_order=True)
        return list(db.session.scalars(statement, rows))

    student_ids = bulk(
        Student,
        [
            {"school_id": school_id, "national_id": f"79{i:010d}", "full_name": f"Nguyễn Văn Học {i}",
             "date_of_birth": date(2014, 3, 9), "gender": None, "created_at": now, "updated_at": now}
            for i in range(n)
        ],
    )  # fmt: skip
    bulk(
        Enrolment,
        [
            {"school_id": school_id, "student_id": sid, "school_year_id": year.id, "class_id": school_class.id,
             "status": EnrolmentStatus.ACTIVE}
            for sid in student_ids
        ],
    )  # fmt: skip
    guardian_ids = bulk(
        Guardian,
        [
            {"school_id": school_id, "full_name": f"Trần Thị Mẹ {i}", "phone": phone_of(i),
             "email": f"me{i}@example.vn" if i < emails else None, "created_at": now}
            for i in range(n)
        ],
    )  # fmt: skip
    bulk(
        StudentGuardian,
        [
            {"school_id": school_id, "student_id": sid, "guardian_id": gid, "relation": "mother"}
            for sid, gid in zip(student_ids, guardian_ids, strict=True)
        ],
    )
    subscription_ids = bulk(
        Subscription,
        [
            {"school_id": school_id, "guardian_id": gid, "student_id": sid, "plan_id": plan.id, "sms": True,
             "email": i < emails, "digest": False, "starts_on": today - timedelta(days=1),
             "ends_on": today + timedelta(days=30), "price": plan.price, "charge": plan.price,
             "status": SubscriptionStatus.ACTIVE, "exempt": False, "created_at": now}
            for i, (sid, gid) in enumerate(zip(student_ids, guardian_ids, strict=True))
        ],
    )  # fmt: skip
    consent_ids = bulk(
        Consent,
        [
            {"school_id": school_id, "subscription_id": sub_id, "given_by": f"Trần Thị Mẹ {i}", "method": "paper",
             "given_at": now - timedelta(days=1), "child_consent": True}
            for i, sub_id in enumerate(subscription_ids)
        ],
    )  # fmt: skip
    purposes = [{"school_id": school_id, "consent_id": cid, "purpose": "notices_sms"} for cid in consent_ids]
    purposes += [
        {"school_id": school_id, "consent_id": cid, "purpose": "notices_email"} for cid in consent_ids[:emails]
    ]
    if grades:
        purposes += [{"school_id": school_id, "consent_id": cid, "purpose": "grades_sms"} for cid in consent_ids]
    bulk(ConsentPurpose, purposes)
    db.session.commit()
    return SubscribedSchool(people, school_class, plan, student_ids, guardian_ids)


def _authority() -> Any:
    from contactbook.models import Authority, AuthorityKind
    from contactbook.platform import services as platform

    existing = db.session.scalar(select(Authority).where(Authority.name == "Sở GD&ĐT (giao)"))
    if existing is not None:
        return existing
    operator = db.session.scalar(select(User).where(User.is_platform_operator.is_(True)))
    assert operator is not None
    return platform.create_authority(operator, name="Sở GD&ĐT (giao)", kind=AuthorityKind.PROVINCE, parent=None)


def status_counts(notice_id: int | None = None) -> dict[str, int]:
    """Messages per status (of one notice, or all), read afresh."""
    db.session.rollback()
    query = select(Message.status, func.count()).group_by(Message.status)
    if notice_id is not None:
        query = query.where(Message.notice_id == notice_id)
    rows = db.session.execute(query).all()
    db.session.rollback()  # end the read: on SQLite an open transaction holds the write lock (BEGIN IMMEDIATE)
    return {status.value: int(n) for status, n in rows}


def all_final(notice_id: int | None = None) -> bool:
    final = {s.value for s in FINAL_STATUSES}
    return all(status in final for status in status_counts(notice_id))


def drive_until_final(celery_client: Celery, timeout: float, notice_id: int | None = None, every: float = 1.0) -> float:
    """Call the sweep (as beat would) until every message is final; the seconds it took."""
    started = time.monotonic()
    last_sweep = 0.0
    while not all_final(notice_id):
        if time.monotonic() - started > timeout:
            raise AssertionError(f"messages not final after {timeout} s: {status_counts(notice_id)}")
        if time.monotonic() - last_sweep >= every:
            celery_client.send_task("messaging.sweep")
            last_sweep = time.monotonic()
        time.sleep(0.2)
    return time.monotonic() - started


__all__ = ["MessageStatus"]
