"""The chaos rig: the delivery fixtures (fake Twilio, SMTP server, worker, data builder), the web serving the
status webhook in a process of its own so that the fake's callbacks reach it, a PostgreSQL of the test's
own to restart, and the checks every chaos test ends with.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from celery import Celery
from sqlalchemy import func, select

from contactbook.extensions import db
from contactbook.models import Message, MessageStatus
from contactbook.notices import services as notices
from contactbook.notices.services import Audience
from tests.messaging.conftest import (  # noqa: F401 (fixtures)
    ROOT,
    DeliveryWorker,
    FakeTwilio,
    SmtpServer,
    SubscribedSchool,
    _fake_twilio_process,
    _smtp_controller,
    celery_client,
    delivery_settings,
    fake_twilio,
    free_port,
    smtp_server,
    status_counts,
    wait_until,
    worker_env,
)

N = 2000
ON_SQLITE = not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql"))
WEBHOOK = "/webhooks/twilio/status"
# A callback answered 503 (database away) or not answered is posted again, 0.5 s apart, for up to 15 s.
CALLBACK_RETRIES = 30
CALLBACKS_TIMEOUT = 180.0


# --- The web, serving the status webhook --------------------------------------------------------------


@dataclass
class WebServer:
    """gunicorn serving the app (as in production) on a local port."""

    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_web(env: dict[str, str], port: int) -> WebServer:
    """The app under gunicorn (2 processes of 4 threads) with `env`, once it answers."""
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"]
    command += ["--log-level", "warning", "wsgi:app"]
    web = WebServer(subprocess.Popen(command, env=env, cwd=ROOT), f"http://127.0.0.1:{port}")

    def answers() -> bool:
        if web.process.poll() is not None:
            raise AssertionError(f"the web server exited with {web.process.returncode}")
        try:
            with urllib.request.urlopen(web.url + "/healthz", timeout=2):  # noqa: S310 (our own loopback server)
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    wait_until(answers, 60, 0.1, "the web server")
    return web


@dataclass
class DeliveryStack:
    """A delivery worker and the web it reports to: the fake Twilio posts each SMS's callbacks to the web."""

    worker: DeliveryWorker
    web: WebServer


@contextmanager
def delivery_stack(database_url: str, redis_url: str, fake: FakeTwilio, smtp: SmtpServer) -> Iterator[DeliveryStack]:
    """Start the web and a worker on `database_url`, with the fake posting callbacks (retried while refused)."""
    port = free_port()
    settings = delivery_settings(fake, smtp, TWILIO_STATUS_CALLBACK_URL=f"http://127.0.0.1:{port}{WEBHOOK}")
    env = worker_env({"DATABASE_URL": database_url, "REDIS_URL": redis_url}, settings)
    fake.configure(callbacks=True, callback_retries=CALLBACK_RETRIES, callback_retry_delay=0.5)
    web = start_web(env, port)
    worker = DeliveryWorker(env)
    worker.start()
    try:
        yield DeliveryStack(worker, web)
    finally:
        fake.reset()  # the callbacks not posted yet are dropped: none reaches another test's rows
        worker.stop()
        web.stop()


@pytest.fixture
def stack(
    urls: dict[str, str],
    fake_twilio: FakeTwilio,  # noqa: F811 (the fixture)
    smtp_server: SmtpServer,  # noqa: F811 (the fixture)
) -> Iterator[DeliveryStack]:
    """The web and a worker on the tests' database; the fake Twilio posts its callbacks to the web."""
    with delivery_stack(urls["DATABASE_URL"], urls["REDIS_URL"], fake_twilio, smtp_server) as running:
        yield running


# --- A PostgreSQL of the test's own -------------------------------------------------------------------


def _postgres_bin() -> Path:
    """The newest PostgreSQL server binaries installed (Debian's layout)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not found:
        pytest.fail("the PostgreSQL restart test needs the server binaries under /usr/lib/postgresql/*/bin")
    return found[-1].parent


@dataclass
class PrivatePostgres:
    """A PostgreSQL server in a temporary folder on a port of its own: restarting it disturbs nobody else."""

    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/contactbook"

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        command = [str(_postgres_bin() / "pg_ctl"), "-D", str(self.folder / "data"), "-l", str(self.folder / "log")]
        _as_postgres([*command, "-o", options, "-w", "-t", "60", *args])

    def stop(self, mode: str) -> None:
        """Stop the server: `fast` ends every session cleanly, `immediate` as a crash would (it recovers on start)."""
        self.pg_ctl("-m", mode, "stop")

    def start(self) -> None:
        self.pg_ctl("start")


def _as_postgres(command: list[str]) -> None:
    # PostgreSQL refuses to run as root: CI runs the tests as root, so the server runs as `postgres`.
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, capture_output=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A fresh PostgreSQL server with an empty `contactbook` database, stopped and removed afterwards.

    Never the machine's shared server: other tests and engineers use it while this one is restarted.
    """
    folder = Path(tempfile.mkdtemp(prefix="contactbook-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    server = PrivatePostgres(folder, free_port())
    initdb = [str(_postgres_bin() / "initdb"), "-D", str(folder / "data"), "-U", "postgres", "-A", "trust"]
    _as_postgres([*initdb, "-E", "UTF8", "--locale=C", "--no-sync"])
    server.pg_ctl("start")
    try:
        with psycopg.connect(server.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE contactbook")
        yield server
    finally:
        server.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


# --- Driving and checking a run -----------------------------------------------------------------------


def start_notice(world: SubscribedSchool, celery: Celery) -> int:
    notice = notices.create_notice(
        world.school, world.admin, title="Thông báo nghỉ học", body="Học sinh nghỉ học ngày mai do bão.",
        category="general", urgent=False, audience=Audience("classes", (world.school_class.id,)),
    )  # fmt: skip
    celery.send_task("messaging.dispatch")
    return notice.id


def count(*statuses: MessageStatus) -> int:
    """Messages in any of `statuses`, read afresh."""
    db.session.rollback()
    found = int(db.session.scalar(select(func.count()).where(Message.status.in_(statuses))) or 0)
    db.session.rollback()  # end the read: on SQLite an open transaction holds the write lock (BEGIN IMMEDIATE)
    return found


def dispatching(celery: Celery) -> bool:
    """Whether a worker is running a dispatch (or does not answer, so might be)."""
    active = celery.control.inspect(timeout=1.0).active()
    return active is None or any(task["name"] == "messaging.dispatch" for tasks in active.values() for task in tasks)


def handed_over() -> int:
    """Messages the provider took, by their recorded result (or the callbacks that came since)."""
    return count(MessageStatus.SENT, MessageStatus.DELIVERED)


def check_settled(fake: FakeTwilio, notice_id: int, retries: bool = False) -> dict[str, int]:
    """Once every callback has arrived: none lost, none accepted twice, every message the provider accepted
    `delivered`, and `ambiguous` only a message that never reached it. Returns the counts per status.

    Without provider faults no message may even be requested twice; with them, a message refused with
    HTTP 500 is requested again, but none may be accepted twice.
    """
    wait_until(lambda: fake.stats()["callbacks_pending"] == 0, CALLBACKS_TIMEOUT, 0.5, "the status callbacks")
    stats = fake.stats()
    assert stats["callback_errors"] == 0, "every callback reaches the webhook, if need be posted again"
    assert stats["accepted_duplicates"] == {}, f"sent twice: {list(stats['accepted_duplicates'])[:5]}"
    if not retries:
        assert stats["duplicates"] == {}, f"requested twice: {list(stats['duplicates'])[:5]}"
    counts = status_counts(notice_id)
    assert sum(counts.values()) == N
    db.session.rollback()
    rows = db.session.execute(
        select(Message.to_address, Message.body, Message.status, Message.error, Message.provider_ref).where(
            Message.notice_id == notice_id
        )
    ).all()
    db.session.rollback()
    accepted = stats["accepted_messages"]
    for to, body, status, error, provider_ref in rows:
        if f"{to}|{body}" in accepted:
            assert status == MessageStatus.DELIVERED and provider_ref, f"{to} reached the provider, ended {status}"
        else:
            assert status == MessageStatus.AMBIGUOUS and error, f"{to} never reached the provider, ended {status}"
    return counts
