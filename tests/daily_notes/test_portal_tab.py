"""The portal's "Daily notes" tab: a preschool child's notes for its own family only, newest first, by pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contactbook.extensions import db
from contactbook.models import DailyNote
from tests.daily_notes.support import Preschool, make_preschool
from tests.factories import World
from tests.family.support import sign_in_family
from tests.roster.factories import make_class_world, make_guardian, make_student

MOTHER = "+84912345678"


@pytest.fixture
def school(world: World) -> Preschool:
    return make_preschool(world.a)


def note(school: Preschool, index: int, days_ago: int, **texts: str | None) -> DailyNote:
    row = DailyNote(
        school_id=school.people.school.id,
        class_id=school.school_class.id,
        student_id=school.children[index].id,
        on=school.last_day - timedelta(days=days_ago),
        **texts,
    )
    db.session.add(row)
    db.session.commit()
    return row


def tab(school: Preschool, index: int = 0, page: int | None = None) -> str:
    return f"/family/children/{school.children[index].id}/daily-notes" + (f"?page={page}" if page else "")


def test_the_family_reads_its_childs_notes_newest_first(app: Flask, client: FlaskClient, school: Preschool) -> None:
    note(school, 0, 1, meals="Ăn nửa suất")
    note(school, 0, 0, meals="Ăn hết suất", comment="Bé <b>ngoan</b>")
    note(school, 0, 2, meals=None)  # left all empty: not shown
    note(school, 1, 0, meals="Của bạn khác")
    sign_in_family(app, client, phone=MOTHER)

    response = client.get(tab(school))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('data-test="daily-note"') == 2
    assert page.index("Ăn hết suất") < page.index("Ăn nửa suất")
    assert "Bé &lt;b&gt;ngoan&lt;/b&gt;" in page
    assert "Của bạn khác" not in page
    assert 'data-test="daily-notes-tab"' in page and 'aria-current="page" data-test="daily-notes-tab"' in page


def test_the_notes_come_by_pages(app: Flask, client: FlaskClient, school: Preschool) -> None:
    for days_ago in range(15):
        note(school, 0, days_ago, nap=f"Ngủ ngày {days_ago}")
    sign_in_family(app, client, phone=MOTHER)

    first = client.get(tab(school)).get_data(as_text=True)
    second = client.get(tab(school, page=2)).get_data(as_text=True)

    assert first.count('data-test="daily-note"') == 14 and 'rel="next"' in first
    assert second.count('data-test="daily-note"') == 1 and "Ngủ ngày 14" in second


def test_another_familys_child_and_another_schools_child_are_not_found(
    app: Flask, client: FlaskClient, world: World, school: Preschool
) -> None:
    make_guardian(school.people, [school.children[1]], "Người khác", phone="+84987654321")
    beta = make_preschool(world.b)
    beta.guardian.phone = "+84900000001"
    db.session.commit()
    sign_in_family(app, client, phone=MOTHER)

    assert client.get(tab(school, 1)).status_code == 404
    assert client.get(tab(beta)).status_code == 404
    assert client.get(tab(school)).status_code == 200


def test_a_child_of_another_school_level_has_no_daily_notes_tab(
    app: Flask, client: FlaskClient, world: World, school: Preschool
) -> None:
    beta = make_class_world(world.b)  # a lower secondary school; the same mother's number
    sister = make_student(world.b, beta.school_class, "Nguyễn Thị Chị", "790200000009")
    make_guardian(world.b, [sister], "Phạm Thị Mẹ", phone=MOTHER)
    sign_in_family(app, client, phone=MOTHER)

    assert client.get(f"/family/children/{sister.id}/daily-notes").status_code == 404
    page = client.get(f"/family/children/{sister.id}/notices").get_data(as_text=True)
    assert 'data-test="daily-notes-tab"' not in page
    assert 'data-test="daily-notes-tab"' in client.get(f"/family/children/{school.children[0].id}/notices").get_data(
        as_text=True
    )


def test_a_signed_out_visitor_is_sent_to_sign_in(client: FlaskClient, school: Preschool) -> None:
    response = client.get(tab(school))
    assert response.status_code == 302 and "/family/sign-in" in response.headers["Location"]
