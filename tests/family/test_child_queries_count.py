"""A child's pages read a fixed number of queries, whatever the number of grades, notices or messages."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.grading import services as grading
from contactbook.models import MessageStatus, Score
from contactbook.notices.services import Audience, create_notice
from tests.factories import World
from tests.family.child_messages_support import message
from tests.family.child_support import as_mother, published, semester_scores
from tests.grading.factories import GradeWorld, make_grade_world
from tests.support import sql_statements

MOST = 16  # the family's session, the child among its schools, then the tab's own reads
WORKED = {"tx1": "7", "tx2": "8", "tx3": "9", "gk": "6,5", "ck": "8"}
LITERATURE = {"tx1": "8", "tx2": "8", "tx3": "8", "tx4": "8", "gk": "8", "ck": "8"}


@pytest.fixture
def gw(world: World) -> GradeWorld:
    return make_grade_world(world.a)


def queries_of(app: Flask, client: FlaskClient, url: str) -> int:
    with sql_statements(app) as statements:
        assert client.get(url).status_code == 200
    skipped = ("select set_config", "savepoint", "release", "rollback")
    return sum(1 for statement in statements if not statement.lstrip().lower().startswith(skipped))


def test_the_tabs_cost_the_same_few_queries_with_one_grade_or_a_year_of_them(
    app: Flask, client: FlaskClient, gw: GradeWorld
) -> None:
    published(gw, gw.an, gw.maths, gw.first, "gk", "8")
    create_notice(gw.people.school, gw.people.admin, title="Một", body="Một.", category="general", urgent=False,
                  audience=Audience("students", (gw.an.id,)))  # fmt: skip
    message(gw.mother, gw.an, "sms", MessageStatus.SENT, "Một")
    as_mother(app, client)
    tabs = [f"/family/children/{gw.an.id}/", f"/family/children/{gw.an.id}/notices",
            f"/family/children/{gw.an.id}/messages"]  # fmt: skip
    few = [queries_of(app, client, url) for url in tabs]

    semester_scores(gw, gw.an, gw.second, WORKED, LITERATURE)
    semester_scores(gw, gw.an, gw.first, {k: v for k, v in WORKED.items() if k != "gk"}, LITERATURE)
    score = db.session.scalar(select(Score).where(Score.student_id == gw.an.id, Score.column == "ck").limit(1))
    assert score is not None
    grading.correct(gw.people.school, gw.people.staff["teacher"] if score.subject_id != gw.literature.id
                    else gw.teacher2, score, raw_value="9,5", raw_level="", reason="Chấm lại bài")  # fmt: skip
    for number in range(12):
        create_notice(gw.people.school, gw.people.admin, title=f"Tin {number}", body="Họp.", category="general",
                      urgent=False, audience=Audience("students", (gw.an.id,)))  # fmt: skip
        message(gw.mother, gw.an, "email", MessageStatus.DELIVERED, f"Tin {number}")
    many = [queries_of(app, client, url) for url in tabs]

    assert many == few
    assert max(many) <= MOST, many
