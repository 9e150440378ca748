"""The world of the child pages: the grade book's class 6A1 of alpha, An's mother signed in at the portal.

An's mother (+84912345678) subscribed to grades; Cường's father (+84987654321) did not; Hoa has no
guardian. Helpers publish scores through the grade book's services, or write published cells directly
where a test needs a whole year of them.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient

from contactbook.extensions import db
from contactbook.grading import services as grading
from contactbook.models import Score, Semester, Student, Subject
from contactbook.models.base import utcnow
from tests.family.support import sign_in_family
from tests.grading.factories import GradeWorld, put_score

MOTHER = "+84912345678"
FATHER = "+84987654321"


def as_mother(app: Flask, client: FlaskClient) -> FlaskClient:
    """`client` signed in at the portal as An's mother."""
    sign_in_family(app, client, phone=MOTHER)
    return client


def publish(gw: GradeWorld, subject: Subject, semester: Semester, column: str, values: dict[int, str]) -> None:
    """The subject's teacher enters `values` (by student id) in `column`, then publishes the column."""
    teacher = gw.teacher2 if subject.id == gw.literature.id else gw.people.staff["teacher"]
    grid = grading.load_grid(gw.roster.school_class, subject, semester)
    form = {f"s-{student_id}-{column}": value for student_id, value in values.items()}
    reading = grading.save_grid(gw.people.school, teacher, grid, form)
    assert not reading.errors, reading.errors
    grid = grading.load_grid(gw.roster.school_class, subject, semester)
    found = grid.column(column)
    assert found is not None
    grading.publish(gw.people.school, teacher, grid, found)


def published(gw: GradeWorld, student: Student, subject: Subject, semester: Semester, column: str,
              value: str | None = None, level: str | None = None) -> Score:  # fmt: skip
    """A cell written and published directly (the publishing itself is tested through `publish`)."""
    score = put_score(gw, student, subject, semester, column, value, level)
    score.published_at = utcnow()
    db.session.commit()
    return score


def semester_scores(gw: GradeWorld, student: Student, semester: Semester, maths: dict[str, str],
                    literature: dict[str, str], music: str | None = "dat") -> None:  # fmt: skip
    """Every subject of 6A1 published for `student` in `semester`."""
    for column, value in maths.items():
        published(gw, student, gw.maths, semester, column, value)
    for column, value in literature.items():
        published(gw, student, gw.literature, semester, column, value)
    if music is not None:
        published(gw, student, gw.music, semester, "kq", level=music)


def decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))
