"""`flask demo seed`: the demo world, created once; running it again changes nothing."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from contactbook.demo.seed import DEMO_PASSWORD, demo_logins, seed
from contactbook.extensions import db
from contactbook.grading import summary
from contactbook.models import AuditLog, Authority, Grant, School, SchoolClass, Score, Subject, TeachingAssignment, User
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


def demo_class(slug: str, name: str) -> SchoolClass:
    school_class = db.session.scalar(
        select(SchoolClass)
        .join(School, School.id == SchoolClass.school_id)
        .where(School.slug == slug, SchoolClass.name == name)
    )
    assert school_class is not None
    return school_class


def test_every_subject_of_every_demo_class_has_a_teacher(ctx: None) -> None:
    seed()
    for school in db.session.scalars(select(School)):
        subjects = set(db.session.scalars(select(Subject.id).where(Subject.school_id == school.id)))
        for school_class in db.session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id)):
            taught = db.session.scalars(
                select(TeachingAssignment.subject_id).where(TeachingAssignment.class_id == school_class.id)
            )
            assert set(taught) == subjects, f"{school.slug} {school_class.name}"


def test_the_homeroom_class_summary_shows_real_semester_results(ctx: None) -> None:
    seed()
    the_summary = summary.summarise(demo_class("thcs-nguyen-du", "6A1"))

    assert len(the_summary.subjects) == 12 and not the_summary.untaught
    assert len(the_summary.lines) == 30
    results = [line.learning[1] for line in the_summary.lines]
    assert None not in results and len(set(results)) >= 2  # every student has one, and they differ
    assert all(line.conduct[1] is not None for line in the_summary.lines)
    assert all(line.learning[2] is None and line.year_learning is None for line in the_summary.lines)


def test_the_demo_teacher_has_a_grid_of_maths_begun(ctx: None) -> None:
    seed()
    begun = demo_class("thcs-nguyen-du", "6A2")
    scores = db.session.scalars(select(Score).where(Score.class_id == begun.id)).all()
    assert {s.subject.name for s in scores} == {"Toán"}
    assert {s.column for s in scores} == {"tx1", "tx2", "tx3", "tx4", "gk"}  # the final is left to enter
    assert all(s.published_at is None and s.value is not None for s in scores)
    assert db.session.scalar(select(func.count()).select_from(Score).where(Score.published_at.is_not(None))) == 0


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
