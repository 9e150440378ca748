"""Login limits under parallel requests: counted before the password is checked, audited, per address.

These tests send their requests from many threads at once, so their data is committed for real.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from contactbook.extensions import db
from tests.factories import PASSWORD, csrf_token, make_world
from tests.support import audit_rows, browser

WRONG = "Not-the-password-1"
BURST = 25
pytestmark = pytest.mark.committed


@dataclass(frozen=True)
class Alpha:
    school_id: int
    teacher_id: int


@pytest.fixture
def alpha(app: Flask, committed_db: None) -> Alpha:
    """The world committed for real; school alpha's ids (no session is left open: on SQLite an open
    transaction holds the write lock)."""
    with app.app_context():
        world = make_world()
        ids = Alpha(world.a.school.id, world.a.staff["teacher"].id)
        db.session.remove()
    return ids


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every argon2 password check (at the edge: the library, not our code)."""
    calls: list[int] = []
    lock = threading.Lock()
    real = PasswordHasher.verify

    def counted(self: PasswordHasher, password_hash: str | bytes, password: str | bytes) -> bool:
        with lock:
            calls.append(1)
        return real(self, password_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    return calls


Sender = Callable[[FlaskClient, str], int]


def in_parallel(clients: list[FlaskClient], send: Sender | list[Sender]) -> list[int]:
    """Each client sends (its own `send`, or the same) at the same moment, CSRF token fetched first."""
    sends = send if isinstance(send, list) else [send] * len(clients)
    tokens = [csrf_token(client) for client in clients]
    start = threading.Barrier(len(clients))

    def one(n: int) -> int:
        start.wait()
        return sends[n](clients[n], tokens[n])

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(one, range(len(clients))))


def sender(slug: str, username: str, password: str) -> Sender:
    def send(client: FlaskClient, token: str) -> int:
        form = {"username": username, "password": password, "csrf_token": token}
        return client.post(f"/s/{slug}/login", data=form).status_code

    return send


def test_a_burst_of_wrong_passwords_reaches_the_password_check_at_most_five_times(
    app: Flask, alpha: Alpha, verifications: list[int]
) -> None:
    statuses = in_parallel([browser(app) for _ in range(BURST)], sender("alpha", "teacher", WRONG))

    assert sorted(set(statuses)) == [200, 429]
    assert statuses.count(200) == 5
    assert len(verifications) <= 5


def test_every_attempt_of_a_burst_is_audited_including_the_refused_ones(app: Flask, alpha: Alpha) -> None:
    statuses = in_parallel([browser(app) for _ in range(BURST)], sender("alpha", "teacher", WRONG))

    with app.app_context():
        rows = audit_rows("login.failed", alpha.school_id)
        assert len(rows) == BURST
        assert sum(1 for row in rows if row.details.get("refused")) == statuses.count(429)
        assert {row.target_id for row in rows} == {alpha.teacher_id}


def test_a_storm_from_one_address_leaves_the_account_open_from_other_addresses(app: Flask, alpha: Alpha) -> None:
    storm = in_parallel([browser(app, "203.0.113.9") for _ in range(BURST)], sender("alpha", "teacher", WRONG))
    assert storm.count(429) == BURST - 5

    elsewhere = browser(app, "198.51.100.7")
    assert sender("alpha", "teacher", PASSWORD)(elsewhere, csrf_token(elsewhere)) == 302


def test_failures_spread_over_many_addresses_lock_the_account_at_the_higher_ceiling(app: Flask, alpha: Alpha) -> None:
    # 50 per 15 minutes across addresses: ten addresses of five failures each reach it.
    clients = [browser(app, f"198.51.100.{n}") for n in range(10) for _ in range(5)]
    assert set(in_parallel(clients, sender("alpha", "teacher", WRONG))) == {200}

    fresh = browser(app, "192.0.2.1")
    assert sender("alpha", "teacher", PASSWORD)(fresh, csrf_token(fresh)) == 429
    assert sender("alpha", "principal", PASSWORD)(fresh, csrf_token(fresh)) == 302  # other accounts stay open


def test_parallel_logins_of_many_accounts_all_succeed(app: Flask, alpha: Alpha) -> None:
    """Concurrent writers (a login writes its audit row and last-login time) wait for each other."""
    usernames = ["admin", "principal", "accountant", "teacher", "homeroom", "norole"] * 2
    clients = [browser(app, f"192.0.2.{n}") for n in range(len(usernames))]
    assert in_parallel(clients, [sender("alpha", name, PASSWORD) for name in usernames]) == [302] * len(clients)
    with app.app_context():
        assert len(audit_rows("login", alpha.school_id)) == len(clients)
