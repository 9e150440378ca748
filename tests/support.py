"""Helpers for tests that drive the app through its pages, as a browser would.

Why `IsolatedClient`: the `world` fixture keeps a test request context pushed for the whole test.
Flask then *reuses* that app context for every request of a plain test client, so `g` is shared
between requests: Flask-Login's cached user (`g._login_user`), `g.school` and the permission cache
leak from one request into the next (a client without any cookie is "logged in"). Running each
request in an empty `contextvars.Context` makes Flask push a new app context per request, as in
production. The request's database session is then a separate one bound to the test's connection:
call `db.session.expire_all()` before reading objects that a request may have changed.

Why `rolled_back_db`: conftest's `db_session` binds its session to the test connection with
`bind=connection`, but Flask-SQLAlchemy's `Session.get_bind` answers the app's engine for every model
and ignores that bind, so the services' commits are real and nothing is rolled back (a second test
that builds the world fails on the duplicate "op" account). Modules override `db_session` with it.
"""

from __future__ import annotations

import contextvars
import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import gettext
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Connection, event, func, select
from sqlalchemy.orm import SessionTransaction
from werkzeug.test import TestResponse

from contactbook.extensions import db
from contactbook.models import AuditLog, Grant, User
from contactbook.tenancy import apply_scope
from tests.factories import post


class ConnectionSession(FlaskSession):
    """A Flask-SQLAlchemy session that really uses the connection it is bound to."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        if bind is not None:
            return bind
        return self.bind if self.bind is not None else super().get_bind(mapper, clause, bind, **kwargs)


@event.listens_for(ConnectionSession, "after_transaction_end")
def _back_to_the_test_user(session: ConnectionSession, transaction: SessionTransaction) -> None:
    """After each transaction of a session, the shared connection is the test's again (its connecting user).

    A session's transaction is a savepoint of the test's one here: the role and school it ran under
    (transaction-local settings, in production gone with its commit) would outlive its release and bind
    the test's own queries, or the next request's.
    """
    connection = session.bind
    if transaction.parent is not None or not isinstance(connection, Connection):
        return
    if connection.dialect.name == "postgresql" and connection.in_transaction():
        apply_scope(connection, None)


@contextmanager
def rolled_back_db(app: Flask) -> Iterator[None]:
    """Run inside one transaction that is rolled back; the services' commits become savepoints."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(  # type: ignore[method-assign]
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": ConnectionSession}
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original  # type: ignore[method-assign]
            outer.rollback()
            connection.close()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own, fresh app context."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        return contextvars.Context().run(super().open, *args, **kwargs)


def browser(app: Flask, address: str = "127.0.0.1") -> IsolatedClient:
    """A new browser (own cookie jar) whose requests come from `address`."""
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    client.environ_base["REMOTE_ADDR"] = address
    return client


def translated(app: Flask, message: str, **variables: Any) -> str:
    """`message` as the app shows it to a visitor who chose no language (the default locale)."""

    def render() -> str:
        with app.test_request_context():
            return str(gettext(message, **variables))

    return contextvars.Context().run(render)


def page(response: TestResponse) -> str:
    """The response body with HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def main_text(response: TestResponse) -> str:
    """The visible text of the page's <main> element, whitespace collapsed."""
    match = re.search(r"<main>(.*)</main>", response.get_data(as_text=True), re.DOTALL)
    assert match, "the page has no <main> element"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def flashes(response: TestResponse) -> list[str]:
    """The flash messages shown on the page."""
    found = re.findall(r'<p class="flash [a-z]+" role="status">(.*?)</p>', response.get_data(as_text=True))
    return [html.unescape(text) for text in found]


def follow(client: FlaskClient, response: TestResponse) -> TestResponse:
    """GET the page a redirect points to (where its flash messages are shown)."""
    assert response.status_code == 302, f"expected a redirect, got {response.status_code}"
    return client.get(response.headers["Location"])


def is_logged_in(client: FlaskClient, school_slug: str) -> bool:
    """Whether the client's session opens the school's home page (else it is sent to the login)."""
    response = client.get(f"/s/{school_slug}/home")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/login" in response.headers["Location"], response.status_code
    return False


def change_grant(client: FlaskClient, user_id: int, action: str, kind: str, name: str, slug: str) -> TestResponse:
    """Submit the grant/revoke button of a staff page."""
    return post(client, f"/s/{slug}/staff/{user_id}/grants", {"action": action, "kind": kind, "name": name})


def grants_of(user_id: int) -> set[tuple[str, str]]:
    """(kind, name) of every grant the user holds, read from the database."""
    return {
        (kind, name)
        for kind, name in db.session.execute(select(Grant.kind, Grant.name).where(Grant.user_id == user_id))
    }


def count_users(school_id: int | None) -> int:
    query = select(func.count(User.id))
    query = query.where(User.school_id == school_id) if school_id else query.where(User.school_id.is_(None))
    return int(db.session.scalar(query) or 0)


def audit_rows(action: str, school_id: int | None = None) -> list[AuditLog]:
    """Audit rows with `action` (and `school_id` when given), oldest first."""
    db.session.expire_all()
    query = select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
    if school_id is not None:
        query = query.where(AuditLog.school_id == school_id)
    return list(db.session.scalars(query))


@contextmanager
def sql_statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's engine sends while the block runs, as sent (the tests that count or
    compare them filter what they do not mean: the row scope's `set_config`, savepoints)."""
    sent: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)
