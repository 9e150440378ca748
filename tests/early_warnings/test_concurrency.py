"""Two runs of the rules at the same moment (two workers, or the beat and a manual run) warn once."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import func, insert, select, text

from contactbook.early_warnings import services
from contactbook.extensions import db
from contactbook.models import Message, RiskWarning, School
from contactbook.models.base import utcnow
from tests.early_warnings.factories import absent, make_warn_world
from tests.factories import make_world

pytestmark = pytest.mark.committed


def _counts() -> tuple[int, int]:
    warnings = db.session.scalar(select(func.count()).select_from(RiskWarning))
    messages = db.session.scalar(select(func.count()).select_from(Message).where(Message.kind == "warning"))
    return int(warnings or 0), int(messages or 0)


def _run_in_thread(app: Flask, school_id: int, now: datetime, results: list[int], errors: list[BaseException],
                   start: threading.Barrier | None = None) -> threading.Thread:  # fmt: skip
    def run() -> None:
        with app.app_context():
            try:
                if start is not None:
                    start.wait(timeout=30)  # before any query: on SQLite a transaction holds the write lock
                school = db.session.get(School, school_id)
                assert school is not None
                results.append(services.run_rules(school, now))
            except BaseException as exc:  # reported in the test's thread
                errors.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_runs_at_once_insert_each_warning_and_its_messages_once(app: Flask, committed_db: None) -> None:
    with app.app_context():
        w = make_warn_world(make_world().a)
        absent(w, w.an, 31)
        school_id = w.people.school.id
        db.session.remove()
        now = utcnow()
        results: list[int] = []
        errors: list[BaseException] = []
        start = threading.Barrier(2)
        threads = [_run_in_thread(app, school_id, now, results, errors, start) for _ in range(2)]
        for thread in threads:
            thread.join(timeout=120)

        assert errors == []
        assert sorted(results) == [0, 2]  # 20 and 30, by one run only
        assert _counts() == (2, 2)  # one message per channel (SMS, email) of the mother, once


def test_a_run_waiting_on_another_runs_uncommitted_warning_skips_it_and_its_messages(
    app: Flask, committed_db: None
) -> None:
    with app.app_context():
        w = make_warn_world(make_world().a)
        absent(w, w.an, 20)
        school_id, student_id, class_id = w.people.school.id, w.an.id, w.school_class.id
        db.session.remove()

        # The other run has inserted the warning and not committed yet.
        other = db.engine.connect()
        other_run = other.begin()  # on SQLite, BEGIN IMMEDIATE: the write lock, as a writing run holds it
        other.execute(
            insert(RiskWarning).values(
                school_id=school_id, student_id=student_id, class_id=class_id, rule="absences",
                threshold="Năm nay:20", detail={"absences": 20, "threshold": 20},
            )
        )  # fmt: skip
        results: list[int] = []
        errors: list[BaseException] = []
        thread = _run_in_thread(app, school_id, utcnow(), results, errors)
        _wait_until_blocked(thread)
        other_run.commit()
        other.close()
        thread.join(timeout=120)

        assert errors == [] and results == [0]
        assert _counts() == (1, 0)  # the other run's warning; its messages are the other run's to write


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
    raise AssertionError("the run never waited for the other run's warning")
