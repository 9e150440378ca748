"""A payment confirmed twice at the same moment (double click, two tabs) is recorded once.

The once-only check is the database's unique confirmation token, so it holds for parallel requests
(on PostgreSQL they really run side by side). The data is committed for real: requests run in threads.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from contactbook.extensions import db
from contactbook.models import Payment
from tests.factories import csrf_token, login, make_world
from tests.roster.factories import make_class_world
from tests.subscriptions.payment_factories import service_on, subscribe, year_plan
from tests.support import browser, flashes, follow, page, translated

pytestmark = pytest.mark.committed
TABS = 4


@pytest.fixture
def subscription_id(app: Flask, committed_db: None) -> int:
    """A subscription of school alpha, committed (no session left open: on SQLite it holds a lock)."""
    with app.app_context():
        world = make_world()
        roster = make_class_world(world.a)
        service_on(world.a)
        found = subscribe(world.a, roster.guardian, roster.student, year_plan(world.a)).id
        db.session.remove()
    return found


def tab_of(app: Flask, signed_in: FlaskClient) -> FlaskClient:
    """Another tab of the same browser: the same session cookie."""
    tab = browser(app)
    cookie = signed_in.get_cookie("session")
    assert cookie is not None
    tab.set_cookie("session", cookie.value)
    return tab


def confirmation(client: FlaskClient, url: str) -> dict[str, str]:
    """The confirmation form of a payment of 50.000 đ, as the browser would send it back."""
    form = {"amount": "50.000", "paid_on": "15/10/2025", "method": "cash", "payer": "Trần Thị Bình", "reference": ""}
    confirm = client.post(url, data={**form, "csrf_token": csrf_token(client)})
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page(confirm)))
    assert fields.get("token"), "the confirmation page carries its token"
    return {**fields, "step": "record"}


def test_a_confirmation_sent_from_several_tabs_at_once_records_one_payment(app: Flask, subscription_id: int) -> None:
    accountant = browser(app)
    assert login(accountant, "accountant", "alpha").status_code == 302
    url = f"/s/alpha/service/subscriptions/{subscription_id}/payments/new"
    confirmed = confirmation(accountant, url)
    tabs = [tab_of(app, accountant) for _ in range(TABS)]
    tokens = [csrf_token(tab) for tab in tabs]
    start = threading.Barrier(TABS)

    def send(n: int) -> TestResponse:
        start.wait()
        return tabs[n].post(url, data={**confirmed, "csrf_token": tokens[n]})

    with ThreadPoolExecutor(max_workers=TABS) as pool:
        answers = list(pool.map(send, range(TABS)))

    assert [answer.status_code for answer in answers] == [302] * TABS
    with app.app_context():
        payments = db.session.scalars(select(Payment)).all()
        assert len(payments) == 1
        receipt = f"/s/alpha/service/payments/{payments[0].id}/receipt"
        assert db.session.scalar(select(func.count(Payment.id))) == 1
        db.session.remove()
    assert {answer.headers["Location"] for answer in answers} == {receipt}
    messages = [flashes(follow(tab, answer)) for tab, answer in zip(tabs, answers, strict=True)]
    already = translated(app, "This was already recorded; here is its receipt.")
    assert sum(1 for shown in messages if shown == [already]) == TABS - 1
