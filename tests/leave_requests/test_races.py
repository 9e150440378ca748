"""Double clicks and two tabs: a request sent several times at once is recorded once, and a request answered
from several tabs at once gets one answer and tells the family once. The data is committed for real: the
requests run in threads (side by side on PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from contactbook.extensions import db
from contactbook.models import LeaveRequest, LeaveStatus, Message
from tests.factories import csrf_token, login, make_world
from tests.family.support import sign_in_family
from tests.leave_requests.factories import MOTHER, make_leave_world, put_leave
from tests.support import browser

pytestmark = pytest.mark.committed
TABS = 4


def at_once(clients: list[FlaskClient], send: Callable[[FlaskClient, str], TestResponse]) -> list[int]:
    """Each client sends its request at the same moment; their status codes."""
    tokens = [csrf_token(client) for client in clients]
    start = threading.Barrier(len(clients))

    def one(n: int) -> int:
        start.wait()
        return send(clients[n], tokens[n]).status_code

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(one, range(len(clients))))


def test_a_request_sent_from_several_tabs_at_once_is_recorded_once(app: Flask, committed_db: None) -> None:
    with app.test_request_context():
        lw = make_leave_world(make_world().a)
        an_id, tomorrow = lw.an.id, (lw.today + timedelta(days=1)).isoformat()
        db.session.remove()
    tabs = [browser(app) for _ in range(TABS)]
    for tab in tabs:
        sign_in_family(app, tab, phone=MOTHER)
    form = {"starts_on": tomorrow, "ends_on": tomorrow, "slots": "day", "reason": "Về quê"}

    answers = at_once(
        tabs, lambda tab, token: tab.post(f"/family/children/{an_id}/leave", data={**form, "csrf_token": token})
    )

    assert sorted(answers) == [200] * (TABS - 1) + [302]  # one recorded; the others told the days are taken
    with app.app_context():
        assert len(db.session.scalars(select(LeaveRequest)).all()) == 1
        db.session.remove()


def test_a_request_answered_from_several_tabs_at_once_gets_one_answer(app: Flask, committed_db: None) -> None:
    with app.test_request_context():
        lw = make_leave_world(make_world().a)
        request_id = put_leave(lw, lw.an, lw.today + timedelta(days=1), guardian=lw.mother).id
        db.session.remove()
    tabs = [browser(app) for _ in range(TABS)]
    for n, tab in enumerate(tabs):
        login(tab, "homeroom" if n % 2 else "admin", "alpha")
    url = f"/s/alpha/leave-requests/{request_id}"

    answers = at_once(
        tabs,
        lambda tab, token: tab.post(
            url, data={"decision": "approve" if tabs.index(tab) % 2 else "decline", "csrf_token": token}
        ),
    )

    assert sorted(answers) == [200] * (TABS - 1) + [302]  # one decided; the others were told it was answered
    with app.app_context():
        request = db.session.get_one(LeaveRequest, request_id)
        assert request.status in (LeaveStatus.APPROVED, LeaveStatus.DECLINED)
        decisions = db.session.scalars(select(Message).where(Message.kind == "leave_decision")).all()
        assert sorted(m.channel for m in decisions) == ["email", "sms"]  # one answer: once per channel
        db.session.remove()
