"""The class's notes screen: one POST saves the whole class; bad input saves nothing; only a preschool's pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from contactbook.daily_notes.services import save_class_notes
from contactbook.daily_notes.services import saving as saving_module
from contactbook.extensions import db
from contactbook.models import DailyNote, SchoolLevel
from contactbook.models.base import utcnow
from tests.daily_notes.support import Preschool, make_preschool, notes_of
from tests.factories import World, login, post
from tests.roster.factories import make_class, make_year


@pytest.fixture
def school(world: World) -> Preschool:
    return make_preschool(world.a)


def url(school: Preschool, **query: str) -> str:
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return f"/s/alpha/daily-notes/classes/{school.school_class.id}{suffix}"


def signed_in(client: FlaskClient, username: str = "homeroom") -> FlaskClient:
    assert login(client, username, "alpha").status_code == 302
    return client


def test_the_homeroom_teacher_saves_the_whole_class_in_one_post(client: FlaskClient, school: Preschool) -> None:
    an, binh, cat = (child.id for child in school.children)
    day = school.last_day
    response = post(
        signed_in(client),
        url(school),
        {
            "on": day.isoformat(),
            f"meals-{an}": "Ăn hết suất",
            f"nap-{an}": "Ngủ 2 tiếng",
            f"comment-{an}": "Bé ngoan.\nTự xúc cơm.",
            f"health-{binh}": "Hơi sốt nhẹ buổi chiều",
            f"meals-{cat}": "",
        },
    )

    assert response.status_code == 302 and f"on={day.isoformat()}" in response.headers["Location"]
    stored = notes_of(school.school_class)
    assert stored[(an, day)] == {
        "meals": "Ăn hết suất", "nap": "Ngủ 2 tiếng", "health": None, "activities": None,
        "comment": "Bé ngoan.\nTự xúc cơm.",
    }  # fmt: skip
    assert stored[(binh, day)]["health"] == "Hơi sốt nhẹ buổi chiều"
    assert (cat, day) not in stored  # nothing written: no note
    page = client.get(url(school, on=day.isoformat())).get_data(as_text=True)
    assert 'value="Ăn hết suất"' in page and "Hơi sốt nhẹ buổi chiều" in page


def test_same_for_everyone_fills_only_the_boxes_left_empty(client: FlaskClient, school: Preschool) -> None:
    an, binh, cat = (child.id for child in school.children)
    day = school.last_day
    post(
        signed_in(client),
        url(school),
        {"on": day.isoformat(), "activities-all": "Vẽ tranh", f"activities-{binh}": "Nặn đất", f"meals-{cat}": ""},
    )

    stored = notes_of(school.school_class)
    assert (an, day) not in stored  # none of An's boxes was in the form: An is left as he was
    assert stored[(binh, day)]["activities"] == "Nặn đất"
    assert stored[(cat, day)]["activities"] == "Vẽ tranh"


def test_one_text_too_long_saves_nothing_and_says_which_box(client: FlaskClient, school: Preschool) -> None:
    an, binh, _ = (child.id for child in school.children)
    day = school.last_day
    response = post(
        signed_in(client),
        url(school),
        {"on": day.isoformat(), f"meals-{an}": "Ăn hết suất", f"nap-{binh}": "z" * 201},
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was saved" in page or "Chưa lưu" in page
    assert f'id="nap-{binh}-error"' in page
    assert 'value="Ăn hết suất"' in page  # what was typed is kept on the page
    assert notes_of(school.school_class) == {}


@pytest.mark.parametrize("day", ["", "2026-13-01", "١٢٣", "tomorrow", "9999-12-31", "0001-01-01"])
def test_a_day_outside_the_writable_days_saves_nothing(client: FlaskClient, school: Preschool, day: str) -> None:
    an = school.children[0].id
    response = post(signed_in(client), url(school), {"on": day, f"meals-{an}": "Ăn hết suất"})

    assert response.status_code == 400
    assert 'data-test="day-error"' in response.get_data(as_text=True)
    assert notes_of(school.school_class) == {}


def test_tomorrow_is_refused_and_a_bad_day_in_the_address_is_a_clear_400(
    client: FlaskClient, school: Preschool
) -> None:
    signed_in(client)
    tomorrow = school.last_day + timedelta(days=1)
    assert post(client, url(school), {"on": tomorrow.isoformat()}).status_code == 400
    for bad in (tomorrow.isoformat(), "2026-02-30", "x" * 50, "２０２６-０１-０１"):
        response = client.get(url(school, on=bad))
        assert response.status_code == 400 and 'data-test="day-error"' in response.get_data(as_text=True)


def test_clearing_a_note_removes_it_until_sent_then_keeps_it_emptied(client: FlaskClient, school: Preschool) -> None:
    an, binh, _ = (child.id for child in school.children)
    day = school.last_day
    signed_in(client)
    post(client, url(school), {"on": day.isoformat(), f"meals-{an}": "Ăn hết", f"meals-{binh}": "Ăn nửa suất"})
    db.session.execute(update(DailyNote).where(DailyNote.student_id == binh).values(sent_at=utcnow()))
    db.session.commit()

    post(client, url(school), {"on": day.isoformat(), f"meals-{an}": "", f"meals-{binh}": ""})

    stored = notes_of(school.school_class)
    assert (an, day) not in stored
    assert stored[(binh, day)] == dict.fromkeys(("meals", "nap", "health", "activities", "comment"))
    assert 'data-test="sent"' in client.get(url(school, on=day.isoformat())).get_data(as_text=True)


def test_control_and_bidi_characters_are_dropped(client: FlaskClient, school: Preschool) -> None:
    an = school.children[0].id
    day = school.last_day
    post(signed_in(client), url(school), {"on": day.isoformat(), f"meals-{an}": "Ăn\x00 hết\u202e suất\x1b"})

    assert notes_of(school.school_class)[(an, day)]["meals"] == "Ăn hết suất"


def test_the_index_lists_the_classes_one_writes_for(client: FlaskClient, school: Preschool) -> None:
    other = make_class(school.people, school.year, "Lá 2", grade=5)
    mine, others = f">Lớp {school.school_class.name}<", f">Lớp {other.name}<"
    page = signed_in(client).get("/s/alpha/daily-notes/").get_data(as_text=True)
    assert mine in page and others not in page

    admin = client.application.test_client()
    signed_in(admin, "admin")
    page = admin.get("/s/alpha/daily-notes/").get_data(as_text=True)
    assert mine in page and others in page
    assert admin.get(f"/s/alpha/daily-notes/classes/{other.id}").status_code == 200


@pytest.mark.parametrize(("username", "status"), [("homeroom", 200), ("admin", 200), ("teacher", 403), ("norole", 403)])
def test_who_opens_a_class(client: FlaskClient, school: Preschool, username: str, status: int) -> None:
    assert signed_in(client, username).get(url(school)).status_code == status


def test_a_teacher_who_does_not_lead_the_class_cannot_save_it(client: FlaskClient, school: Preschool) -> None:
    an = school.children[0].id
    response = post(signed_in(client, "teacher"), url(school), {"on": school.last_day.isoformat(), f"meals-{an}": "x"})

    assert response.status_code == 403 and notes_of(school.school_class) == {}


def test_another_schools_class_is_not_found(client: FlaskClient, world: World, school: Preschool) -> None:
    world.b.school.level = SchoolLevel.PRESCHOOL
    beta_class = make_class(world.b, make_year(world.b), "Lá 1", grade=5)
    db.session.commit()
    signed_in(client, "admin")

    assert client.get(f"/s/alpha/daily-notes/classes/{beta_class.id}").status_code == 404
    assert post(client, f"/s/alpha/daily-notes/classes/{beta_class.id}", {"on": "2026-01-05"}).status_code == 404


def test_a_school_that_is_not_a_preschool_has_no_daily_notes(client: FlaskClient, school: Preschool) -> None:
    school.people.school.level = SchoolLevel.PRIMARY
    db.session.commit()
    signed_in(client, "admin")

    assert client.get("/s/alpha/daily-notes/").status_code == 404
    assert client.get(url(school)).status_code == 404
    assert "/daily-notes/" not in client.get("/s/alpha/home").get_data(as_text=True)


def test_a_save_that_meets_another_saves_insert_updates_that_note(
    school: Preschool, monkeypatch: pytest.MonkeyPatch
) -> None:
    an = school.children[0].id
    day = school.last_day
    homeroom = school.people.staff["homeroom"]
    save_class_notes(school.people.school, homeroom, school.school_class, day, {f"meals-{an}": "Ăn nửa suất"})
    original, calls = saving_module._existing, []

    def existing(*args: Any) -> dict[int, DailyNote]:
        calls.append(args)
        return {} if len(calls) == 1 else original(*args)  # the first read came before the other save's commit

    monkeypatch.setattr(saving_module, "_existing", existing)

    assert save_class_notes(school.people.school, homeroom, school.school_class, day, {f"meals-{an}": "Ăn hết"}) == {}
    assert notes_of(school.school_class)[(an, day)]["meals"] == "Ăn hết" and len(calls) == 2
