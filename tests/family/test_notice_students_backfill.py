"""Migration 0013 fills in the students of the notices written before it, from their recorded audience.

It runs on a database of its own (SQLite file, or a PostgreSQL database beside the run's), migrated to
0011, given a school with notices, then migrated to the head.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

from contactbook import create_app
from contactbook.extensions import db
from contactbook.models import Enrolment, Notice, NoticeStudent
from tests import conftest
from tests.factories import make_world
from tests.roster.factories import make_class, make_class_world, make_student

WRITTEN = datetime(2025, 10, 1, 8, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def own_database(urls: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """An empty database for this test alone."""
    url = urls["DATABASE_URL"]
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'backfill.db'}"
        return
    parsed = make_url(url)
    name = f"{parsed.database}_backfill"
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def notice_to(school_id: int, kind: str, ids: list[int]) -> int:
    # Only the columns of the schema at 0011: the model's later ones do not exist yet.
    result = db.session.execute(insert(Notice).values(school_id=school_id, title=kind, body="Họp.", category="general",
                                urgent=False, audience={"kind": kind, "ids": ids}, created_at=WRITTEN))  # fmt: skip
    db.session.commit()
    return int(result.inserted_primary_key[0])


def test_existing_notices_get_the_students_of_their_audience(urls: dict[str, str], own_database: str) -> None:
    app: Flask = create_app({**conftest.app_settings(urls), "DATABASE_URL": own_database})
    try:
        with app.test_request_context():
            upgrade()  # the world is made with today's models, then the schema goes back to before the backfill
            world = make_world()
            roster = make_class_world(world.a)  # 6A1 with An
            other_class = make_class(world.a, roster.year, "7A1", grade=7)
            binh = make_student(world.a, other_class, "Lê Thị Bình", "790100000010")
            gone = make_student(world.a, roster.school_class, "Đã Chuyển", "790100000011", left=True)
            later = make_student(world.a, roster.school_class, "Chuyển Sau", "790100000012", left=True)
            enrolment = db.session.scalars(select(Enrolment).where(Enrolment.student_id == gone.id)).one()
            enrolment.left_at = datetime(2025, 9, 20, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))  # before the notices
            db.session.commit()
            school_id, an, binh_id, gone_id, later_id = world.a.school.id, roster.student.id, binh.id, gone.id, later.id
            class_id = roster.school_class.id
            db.session.remove()
            downgrade(revision="0011_family_sign_in")
            notices = {
                "school": notice_to(school_id, "school", []),
                "grades": notice_to(school_id, "grades", [7]),
                "classes": notice_to(school_id, "classes", [class_id]),
                "students": notice_to(school_id, "students", [binh_id]),
            }
            db.session.remove()

            upgrade()

            rows = db.session.execute(select(NoticeStudent.notice_id, NoticeStudent.student_id)).all()
            found = {kind: {s for n, s in rows if n == notice_id} for kind, notice_id in notices.items()}
            school_ids = set(db.session.scalars(select(NoticeStudent.school_id)))
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()

    # The student who left before the notices were written is not among them; the one who left later is.
    assert found == {"school": {an, binh_id, later_id}, "grades": {binh_id}, "classes": {an, later_id},
                     "students": {binh_id}}  # fmt: skip
    assert gone_id not in found["school"]
    assert school_ids == {school_id}
