"""A family sees the children linked to its number in every school, and nobody else's."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from contactbook.extensions import db
from contactbook.models import Guardian
from tests.factories import World, login
from tests.family.support import sign_in_family
from tests.roster.factories import make_class_world, make_guardian, make_student


def test_a_family_sees_its_children_in_both_schools_and_no_one_else(
    app: Flask, client: FlaskClient, world: World
) -> None:
    alpha, beta = make_class_world(world.a), make_class_world(world.b)
    # The same mother in beta, with the same number, and a child there; another family in alpha.
    make_guardian(world.b, [beta.student], "Trần Thị Bình (beta)", phone="+84912345678")
    other = make_student(world.a, alpha.school_class, "Lê Thị Khác", "790100000099")
    make_guardian(world.a, [other], "Người khác", phone="+84987654321")
    sign_in_family(app, client, phone="+84912345678")

    page = client.get("/family/").get_data(as_text=True)

    assert world.a.school.name in page and world.b.school.name in page
    assert page.count("Nguyễn Văn An") == 2  # the child of alpha and the child of beta
    assert "Lê Thị Khác" not in page


def test_family_pages_need_a_family_session(app: Flask, client: FlaskClient, world: World) -> None:
    answer = client.get("/family/")
    assert answer.status_code == 302 and "/family/sign-in" in answer.headers["Location"]
    login(client, "admin", world.a.slug)  # a staff session opens no family page
    answer = client.get("/family/")
    assert answer.status_code == 302 and "/family/sign-in" in answer.headers["Location"]


def test_a_family_session_opens_no_staff_page(app: Flask, client: FlaskClient, world: World) -> None:
    make_class_world(world.a)
    sign_in_family(app, client, phone="+84912345678")
    answer = client.get(f"/s/{world.a.slug}/home")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_record_whose_number_the_school_changed_is_no_longer_the_familys(
    app: Flask, client: FlaskClient, world: World
) -> None:
    alpha = make_class_world(world.a)
    sign_in_family(app, client, phone="+84912345678")
    assert client.get(f"/family/children/{alpha.student.id}/").status_code == 200
    guardian = db.session.get(Guardian, alpha.guardian.id)
    assert guardian is not None
    guardian.phone = "+84987654321"  # the school corrects the number: it was never this family's
    db.session.commit()

    assert "Nguyễn Văn An" not in client.get("/family/").get_data(as_text=True)
    for tab in ("/", "/notices", "/messages", "/service/"):
        assert client.get(f"/family/children/{alpha.student.id}{tab}").status_code == 404
