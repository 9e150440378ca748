"""A family opens its own children's pages only: any other student, of its school or another, is not found."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from contactbook.extensions import db
from contactbook.models import NoticeRead
from contactbook.notices.services import Audience, create_notice
from tests.factories import World, login, post
from tests.family.child_support import as_mother, published
from tests.grading.factories import GradeWorld, make_grade_world
from tests.roster.factories import make_class_world, make_guardian, make_student

TABS = ("/", "/notices", "/messages")


@pytest.fixture
def gw(world: World) -> GradeWorld:
    return make_grade_world(world.a)


@pytest.mark.parametrize("tab", TABS)
def test_the_familys_own_child_opens(app: Flask, client: FlaskClient, gw: GradeWorld, tab: str) -> None:
    as_mother(app, client)
    assert client.get(f"/family/children/{gw.an.id}{tab}").status_code == 200


@pytest.mark.parametrize("tab", TABS)
def test_another_familys_child_of_the_same_class_is_not_found(
    app: Flask, client: FlaskClient, gw: GradeWorld, tab: str
) -> None:
    published(gw, gw.cuong, gw.maths, gw.first, "gk", "7")
    as_mother(app, client)
    for student in (gw.cuong, gw.hoa):  # Cường's father's child; Hoa, who has no guardian
        assert client.get(f"/family/children/{student.id}{tab}").status_code == 404


@pytest.mark.parametrize("tab", TABS)
def test_a_student_of_another_school_is_not_found(
    app: Flask, client: FlaskClient, world: World, gw: GradeWorld, tab: str
) -> None:
    beta = make_class_world(world.b)  # beta's An has a mother with another number
    beta.guardian.phone = "+84900000001"
    db.session.commit()
    as_mother(app, client)
    assert client.get(f"/family/children/{beta.student.id}{tab}").status_code == 404


def test_the_same_family_sees_its_child_in_another_school_too(
    app: Flask, client: FlaskClient, world: World, gw: GradeWorld
) -> None:
    beta = make_class_world(world.b)
    other = make_student(world.b, beta.school_class, "Trần Văn Khác", "790200000009")
    make_guardian(world.b, [other], "Người khác", phone="+84900000002")
    as_mother(app, client)  # beta's An's mother has the same number: the same family

    assert client.get(f"/family/children/{beta.student.id}/").status_code == 200
    assert client.get(f"/family/children/{other.id}/").status_code == 404
    home = client.get("/family/").get_data(as_text=True)
    assert f"/family/children/{beta.student.id}/" in home and f"/family/children/{gw.an.id}/" in home


def test_the_read_button_of_another_child_is_not_found(app: Flask, client: FlaskClient, gw: GradeWorld) -> None:
    meeting = create_notice(
        gw.people.school, gw.people.admin, title="Họp lớp", body="Họp phụ huynh.", category="general",
        urgent=False, audience=Audience("classes", (gw.roster.school_class.id,)),
    )  # fmt: skip
    as_mother(app, client)

    assert post(client, f"/family/children/{gw.cuong.id}/notices/{meeting.id}/read").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(NoticeRead)) == 0


@pytest.mark.parametrize("student_id", ["0", "2147483648", "99999999999999999999"])
def test_ids_beyond_range_are_not_found(app: Flask, client: FlaskClient, gw: GradeWorld, student_id: str) -> None:
    as_mother(app, client)
    assert client.get(f"/family/children/{student_id}/").status_code == 404


def test_child_pages_need_a_family_session(app: Flask, client: FlaskClient, gw: GradeWorld) -> None:
    answer = client.get(f"/family/children/{gw.an.id}/")
    assert answer.status_code == 302 and "/family/sign-in" in answer.headers["Location"]
    login(client, "admin", gw.people.slug)  # staff see no family page
    answer = client.get(f"/family/children/{gw.an.id}/")
    assert answer.status_code == 302 and "/family/sign-in" in answer.headers["Location"]
