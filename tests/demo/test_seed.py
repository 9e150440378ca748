"""`flask demo seed`: the demo world, created once; running it again changes nothing."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from contactbook.demo.services import DEMO_PASSWORD, demo_logins, seed
from contactbook.extensions import db
from contactbook.models import AuditLog, Authority, Grant, School, Score, User
from tests.factories import login


def _counts() -> dict[str, int]:
    return {
        model.__name__: int(db.session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (Authority, School, User, Grant, AuditLog, Score)
    }


def test_seed_creates_two_schools_with_every_role(ctx: None) -> None:
    seed()
    levels = {s.slug: s.level.value for s in db.session.scalars(select(School))}
    assert levels == {"thcs-nguyen-du": "lower_secondary", "th-le-ngoc-han": "primary"}
    roles = set(db.session.scalars(select(Grant.name).where(Grant.kind == "role")))
    assert roles == {"school_admin", "principal", "accountant", "teacher", "homeroom_teacher"}
    # The secondary school's demo teacher has a grid of Toán begun: regular and midterm scores, none published.
    scores = db.session.scalars(select(Score)).all()
    assert scores and {s.column for s in scores} == {"tx1", "tx2", "tx3", "tx4", "gk"}
    assert all(s.published_at is None and s.value is not None and 5 <= s.value <= 9.5 for s in scores)


def test_seed_twice_changes_nothing(ctx: None) -> None:
    seed()
    before = _counts()
    seed()
    assert _counts() == before


def test_every_printed_demo_login_works(app: Flask, ctx: None) -> None:
    seed()
    for entry in demo_logins():
        slug = entry.where.split("/")[2] if entry.where.startswith("/s/") else None
        response = login(app.test_client(), entry.username, slug, DEMO_PASSWORD)
        assert response.status_code == 302, entry
