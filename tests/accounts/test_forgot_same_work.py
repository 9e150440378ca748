"""A forgotten-password request does the same work whether its account exists (no timing tells which), and the
account that exists still gets its link, from a real worker."""

from __future__ import annotations

import re
import subprocess

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from contactbook.accounts.services import forgot as forgotten
from contactbook.extensions import db
from contactbook.models import AccountEmail, AccountEmailStatus, AccountToken
from contactbook.models.base import utcnow
from contactbook.schools.services import set_active
from tests.accounts.support import all_emails, answer_requests, emails_to, link_path
from tests.factories import World, csrf_token, login, make_world, post
from tests.messaging.conftest import wait_until
from tests.support import audit_rows, browser, sql_statements

NEW_PASSWORD = "Fresh-lotus-2025"
SAVEPOINT_NAME = re.compile(r"sa_savepoint_\d+")


@pytest.fixture
def client(app: Flask, db_session: None) -> FlaskClient:
    return browser(app)


def ask(app: Flask, client: FlaskClient, url: str, username: str) -> list[str]:
    """The statements of one request; a savepoint's name counts up (the test's transaction turns each commit
    into one): not a difference."""
    with sql_statements(app) as sent:
        assert post(client, url, {"username": username}).status_code == 302
    return [SAVEPOINT_NAME.sub("sa_savepoint", " ".join(statement.split())) for statement in sent]


def test_the_request_sends_the_same_statements_whatever_the_account(
    app: Flask, client: FlaskClient, world: World
) -> None:
    world.a.staff["teacher"].email = "teacher@alpha.test"
    world.a.staff["homeroom"].email = "homeroom@alpha.test"
    world.officer.email = "officer@authority.test"
    db.session.commit()
    set_active(world.a.school, world.a.admin, world.a.staff["homeroom"], False)
    school_url = f"/s/{world.a.slug}/forgot"
    post(client, school_url, {"username": "warm-up"})  # the first request of a session reads a little more

    existing = ask(app, client, school_url, "teacher")
    assert any(s.lower().startswith("insert into account_emails") for s in existing)
    for other in ("nobody-here", "homeroom", "accountant"):  # unknown, disabled, no email address
        assert ask(app, client, school_url, other) == existing, other
    # Nothing of the account was read or written before the answer: no link, no email with its address.
    assert not any("users" in s.lower() or "account_tokens" in s.lower() for s in existing)
    assert db.session.scalars(select(AccountToken)).all() == []
    assert all_emails() == 0

    platform = ask(app, client, "/account/forgot", "officer")
    assert ask(app, client, "/account/forgot", "nobody-here") == platform

    # A request is no email yet: not due to any sender, even one that knows nothing of requests (an older
    # worker during a deploy would otherwise try to send its row).
    due = select(AccountEmail).where(AccountEmail.next_attempt_at <= utcnow())
    assert db.session.scalars(due).all() == []

    # After the answer, the worker's part: only the existing, active accounts with an email get one.
    assert answer_requests() == {"emailed": 2, "ended": 5}
    assert len(emails_to("teacher@alpha.test")) == len(emails_to("officer@authority.test")) == 1
    assert all_emails() == 2
    ended = db.session.scalars(select(AccountEmail).where(AccountEmail.status == AccountEmailStatus.FAILED)).all()
    assert {row.error for row in ended} == {"no active account with an email address"}
    assert answer_requests() == {"emailed": 0, "ended": 0}  # each request is answered once


def test_a_request_older_than_a_link_lasts_is_not_answered(client: FlaskClient, world: World) -> None:
    """A worker down for longer than a link lasts: the asker has given up; no link is sent late."""
    world.a.staff["teacher"].email = "teacher@alpha.test"
    db.session.commit()
    post(client, f"/s/{world.a.slug}/forgot", {"username": "teacher"})
    row = db.session.scalars(select(AccountEmail)).one()
    row.created_at = row.created_at.replace(year=row.created_at.year - 1)
    db.session.commit()
    assert answer_requests() == {"emailed": 0, "ended": 1}
    assert emails_to("teacher@alpha.test") == []


def test_the_audit_row_written_by_the_worker_keeps_the_askers_address(
    app: Flask, client: FlaskClient, world: World
) -> None:
    world.a.staff["teacher"].email = "teacher@alpha.test"
    db.session.commit()
    url = f"/s/{world.a.slug}/forgot"
    data = {"username": "teacher", "csrf_token": csrf_token(client)}
    assert client.post(url, data=data, environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 302

    assert answer_requests() == {"emailed": 1, "ended": 0}
    (row,) = audit_rows("password.reset_requested", world.a.school.id)
    assert row.ip_address == "203.0.113.9"


@pytest.mark.committed
def test_a_request_that_cannot_be_answered_does_not_hold_up_the_next(
    app: Flask, committed_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Committed for real: answering a request rolls back on failure, which a test's transaction would undo."""
    with app.test_request_context():
        world = make_world()
        world.a.staff["teacher"].email = "teacher@alpha.test"
        world.a.staff["homeroom"].email = "homeroom@alpha.test"
        slug = world.a.slug
        db.session.commit()
        db.session.remove()
    asker = browser(app)
    for username in ("teacher", "homeroom"):
        assert post(asker, f"/s/{slug}/forgot", {"username": username}).status_code == 302
    real_issue = forgotten.tokens.issue

    def issue(user: object, purpose: object) -> str:
        if getattr(user, "username", None) == "teacher":
            raise RuntimeError("a broken row")
        return real_issue(user, purpose)  # type: ignore[arg-type]

    monkeypatch.setattr(forgotten.tokens, "issue", issue)
    with app.test_request_context():
        assert answer_requests() == {"emailed": 1, "ended": 1}
        assert emails_to("teacher@alpha.test") == [] and len(emails_to("homeroom@alpha.test")) == 1
        assert answer_requests() == {"emailed": 0, "ended": 0}
        db.session.remove()


@pytest.mark.committed
def test_an_existing_account_gets_its_link_from_a_real_worker(
    app: Flask, committed_db: None, celery_worker: subprocess.Popen[bytes]
) -> None:
    with app.test_request_context():
        world = make_world()
        world.a.staff["teacher"].email = "teacher@alpha.test"
        slug, school_id = world.a.slug, world.a.school.id
        db.session.commit()
        db.session.remove()

    asker = browser(app)
    assert post(asker, f"/s/{slug}/forgot", {"username": "teacher"}).status_code == 302

    def sent() -> bool:
        with app.app_context():
            emails = emails_to("teacher@alpha.test")
            done = bool(emails) and emails[0].status == AccountEmailStatus.SENT
            db.session.remove()
            return done

    wait_until(sent, timeout=60, what="the reset email sent by the worker")
    with app.app_context():
        (email,) = emails_to("teacher@alpha.test")
        path = link_path(email)
        assert audit_rows("password.reset_requested", school_id)
        db.session.remove()
    assert post(asker, path, {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert login(browser(app), "teacher", slug, password=NEW_PASSWORD).status_code == 302
