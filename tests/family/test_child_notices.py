"""A child's notices in the family portal, the "I have read it" button, and what staff see of it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from contactbook.extensions import db
from contactbook.models import Notice, NoticeRead, NoticeStudent
from contactbook.models.base import utcnow
from contactbook.notices.services import Audience, create_notice
from tests.factories import World, login, post
from tests.family.child_support import FATHER, as_mother
from tests.family.support import sign_in_family
from tests.grading.factories import GradeWorld, make_grade_world
from tests.roster.factories import make_guardian, make_student
from tests.support import browser, page


@pytest.fixture
def gw(world: World) -> GradeWorld:
    return make_grade_world(world.a)


def notice(gw: GradeWorld, title: str, audience: Audience | None = None, **changes: object) -> Notice:
    arguments: dict[str, object] = {
        "title": title,
        "body": "Họp phụ huynh lúc 7 giờ thứ Bảy.",
        "category": "general",
        "urgent": False,
        "audience": audience or Audience("classes", (gw.roster.school_class.id,)),
    }
    return create_notice(gw.people.school, gw.people.admin, **(arguments | changes))  # type: ignore[arg-type]


def titles(html: str) -> list[str]:
    return re.findall(r'<h2 id="notice-\d+-title">([^<]*)</h2>', html)


def reads(notice_id: int) -> int:
    return int(db.session.scalar(select(func.count()).where(NoticeRead.notice_id == notice_id)) or 0)


def test_a_notice_records_the_students_it_concerns(gw: GradeWorld) -> None:
    to_class = notice(gw, "Họp lớp")
    to_cuong = notice(gw, "Riêng Cường", Audience("students", (gw.cuong.id,)))

    def students(n: Notice) -> set[int]:
        return set(db.session.scalars(select(NoticeStudent.student_id).where(NoticeStudent.notice_id == n.id)))

    assert students(to_class) == {gw.an.id, gw.cuong.id, gw.hoa.id}
    assert students(to_cuong) == {gw.cuong.id}


def test_the_child_page_lists_the_notices_about_the_child_only(app: Flask, client: FlaskClient, gw: GradeWorld) -> None:
    notice(gw, "Họp lớp")
    notice(gw, "Riêng Cường", Audience("students", (gw.cuong.id,)))
    notice(gw, "Sắp gửi", send_at=utcnow() + timedelta(days=1))  # not out yet
    as_mother(app, client)

    response = client.get(f"/family/children/{gw.an.id}/notices")

    assert response.status_code == 200
    assert titles(page(response)) == ["Họp lớp"]


def test_i_have_read_it_is_recorded_once_and_shown(app: Flask, client: FlaskClient, gw: GradeWorld) -> None:
    meeting = notice(gw, "Họp lớp")
    as_mother(app, client)
    url = f"/family/children/{gw.an.id}/notices/{meeting.id}/read"

    assert post(client, url).status_code == 302
    assert post(client, url).status_code == 302  # pressed again: nothing more
    db.session.expire_all()
    assert reads(meeting.id) == 1
    row = db.session.scalar(select(NoticeRead).where(NoticeRead.notice_id == meeting.id))
    assert row is not None and row.guardian_id == gw.mother.id and row.school_id == gw.people.school.id
    html = page(client.get(f"/family/children/{gw.an.id}/notices"))
    assert 'data-test="read"' in html and 'data-test="acknowledge"' not in html


def test_the_read_button_needs_the_csrf_token(app: Flask, client: FlaskClient, gw: GradeWorld) -> None:
    meeting = notice(gw, "Họp lớp")
    as_mother(app, client)

    response = client.post(f"/family/children/{gw.an.id}/notices/{meeting.id}/read")

    assert response.status_code == 400
    assert reads(meeting.id) == 0


@pytest.mark.parametrize("which", ["another child's", "not out yet", "unknown", "beyond range"])
def test_a_notice_not_about_the_child_cannot_be_marked_read(
    app: Flask, client: FlaskClient, gw: GradeWorld, which: str
) -> None:
    if which == "another child's":
        target = notice(gw, "Riêng Cường", Audience("students", (gw.cuong.id,))).id
    elif which == "not out yet":
        target = notice(gw, "Sắp gửi", send_at=utcnow() + timedelta(days=1)).id
    elif which == "unknown":
        target = 2**31 - 1
    else:
        target = 2**31
    as_mother(app, client)

    response = post(client, f"/family/children/{gw.an.id}/notices/{target}/read")

    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(NoticeRead)) == 0


def read_section(staff: FlaskClient, gw: GradeWorld, notice_id: int) -> str:
    html = page(staff.get(f"/s/{gw.people.slug}/notices/{notice_id}"))
    return html[html.index('data-test="reads"') :].split("</section>")[0]


def test_staff_see_how_many_families_have_read_never_who(app: Flask, gw: GradeWorld) -> None:
    meeting = notice(gw, "Họp lớp")
    mother, father = browser(app), browser(app)
    as_mother(app, mother)
    sign_in_family(app, father, phone=FATHER)
    post(mother, f"/family/children/{gw.an.id}/notices/{meeting.id}/read")
    staff = browser(app)
    login(staff, "admin", gw.people.slug)

    section = read_section(staff, gw, meeting.id)
    # Two families are concerned (An's mother, Cường's father; Hoa has none): one said she has read it. With
    # fewer than 10 families, how many have not read is not shown either: it would point at who has not.
    assert re.search(r'data-test="read-count">1<', section) and not re.search(r"\b2\b", section)
    assert gw.father.full_name not in section and gw.mother.full_name not in section

    post(father, f"/family/children/{gw.cuong.id}/notices/{meeting.id}/read")
    assert re.search(r'data-test="read-count">2<', read_section(staff, gw, meeting.id))


def test_from_10_families_staff_also_see_how_many_are_concerned(app: Flask, gw: GradeWorld) -> None:
    children = [make_student(gw.people, gw.roster.school_class, f"Học sinh {n}", f"0790140{n:05d}") for n in range(8)]
    for n, child in enumerate(children):
        make_guardian(gw.people, [child], f"Phụ huynh {n}", phone=f"+8497000{n:04d}")
    meeting = notice(gw, "Họp lớp")  # An's mother, Cường's father and the 8 new families
    mother = browser(app)
    as_mother(app, mother)
    post(mother, f"/family/children/{gw.an.id}/notices/{meeting.id}/read")
    staff = browser(app)
    login(staff, "admin", gw.people.slug)

    section = read_section(staff, gw, meeting.id)

    assert re.search(r'data-test="read-count">1<', section) and re.search(r'data-test="families">10<', section)
