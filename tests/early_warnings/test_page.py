"""The page of students at risk: who sees which classes, why each warning went, and what changed this week."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from contactbook.early_warnings import services
from contactbook.extensions import db
from contactbook.models import Enrolment, RiskWarning
from contactbook.models.base import utcnow
from tests.early_warnings.factories import WarnWorld, absent, make_warn_world, publish
from tests.factories import World, login
from tests.roster.factories import make_class
from tests.support import browser, page

URL = "/s/alpha/at-risk/"


@pytest.fixture
def w(world: World) -> WarnWorld:
    return make_warn_world(world.a)


def signed_in(app: Flask, username: str, school: str = "alpha") -> FlaskClient:
    client = browser(app)
    assert login(client, username, school).status_code == 302
    return client


def row_of(text: str, student_id: int) -> str:
    start = text.index(f'data-test="student-{student_id}"')
    return text[start : text.index("</tr>", start)]


def test_the_homeroom_teacher_sees_why_each_student_is_at_risk(app: Flask, w: WarnWorld) -> None:
    absent(w, w.an, 21)
    publish(w, w.an, "Toán", "tx1", "4")
    publish(w, w.an, "Toán", "gk", "5")
    services.run_rules(w.people.school, utcnow())

    response = signed_in(app, "homeroom").get(URL)

    assert response.status_code == 200
    text = page(response)
    row = row_of(text, w.an.id)
    assert "Nguyễn Văn An" in row and "6A1" in row
    assert "Đã nghỉ 21 buổi trong năm học (cảnh báo ở mốc 20)" in row
    assert "Toán, học kỳ I: điểm trung bình đến nay 4,7, dưới 5,0" in row
    assert "Mới trong tuần" in row
    assert 'data-test="student-' + str(w.cuong.id) not in text  # no warning: not at risk


def test_what_changed_since_last_week_old_warnings_and_this_weeks_absences(app: Flask, w: WarnWorld) -> None:
    absent(w, w.an, 18, ago=10)
    absent(w, w.an, 3)  # 21 now, 18 a week ago
    services.run_rules(w.people.school, utcnow())
    db.session.execute(update(RiskWarning).values(fired_at=utcnow() - timedelta(days=8)))
    db.session.commit()

    row = row_of(page(signed_in(app, "homeroom").get(URL)), w.an.id)

    assert "Mới trong tuần" not in row and "(mới)" not in row
    assert "21" in row and "+3 trong tuần này" in row


def test_a_teacher_leading_no_class_sees_none(app: Flask, w: WarnWorld) -> None:
    absent(w, w.an, 21)
    services.run_rules(w.people.school, utcnow())

    text = page(signed_in(app, "teacher").get(URL))

    assert "Năm học này thầy/cô không chủ nhiệm lớp nào." in text and "Nguyễn Văn An" not in text


def test_the_admin_sees_every_class_of_its_school_only(app: Flask, world: World, w: WarnWorld) -> None:
    beta = make_warn_world(world.b)
    absent(w, w.an, 21)
    absent(beta, beta.an, 22)
    services.run_rules(w.people.school, utcnow())
    services.run_rules(beta.people.school, utcnow())

    text = page(signed_in(app, "admin").get(URL))

    assert "Đã nghỉ 21 buổi" in text and "Đã nghỉ 22 buổi" not in text


def test_staff_who_neither_teach_nor_take_attendance_may_not_open_it(app: Flask, w: WarnWorld) -> None:
    assert signed_in(app, "principal").get(URL).status_code == 403
    assert signed_in(app, "norole").get(URL).status_code == 403


def test_no_student_at_risk_says_so(app: Flask, w: WarnWorld) -> None:
    text = page(signed_in(app, "homeroom").get(URL))

    assert "Không có học sinh nào cần quan tâm." in text


def test_the_nav_links_the_page_for_those_who_may_open_it(app: Flask, w: WarnWorld) -> None:
    assert "/s/alpha/at-risk/" in page(signed_in(app, "homeroom").get("/s/alpha/home"))
    assert "/s/alpha/at-risk/" not in page(signed_in(app, "principal").get("/s/alpha/home"))


def test_between_two_school_years_the_page_says_none_is_in_progress(app: Flask, w: WarnWorld) -> None:
    w.year.starts_on, w.year.ends_on = w.today + timedelta(days=10), w.today + timedelta(days=300)
    db.session.commit()

    text = page(signed_in(app, "homeroom").get(URL))

    assert "Không có năm học nào đang diễn ra." in text


# --- The page follows the rules as they stand (review 13 #3, #10) -----------------------------------


def test_a_student_who_just_crossed_a_threshold_is_listed_before_the_hourly_run(app: Flask, w: WarnWorld) -> None:
    absent(w, w.an, 21)  # no run of the rules yet

    row = row_of(page(signed_in(app, "homeroom").get(URL)), w.an.id)

    assert "Đã nghỉ 21 buổi trong năm học (cảnh báo ở mốc 20)" in row
    assert "chưa gửi tới gia đình" in row and "Mới trong tuần" in row


def test_the_figures_are_todays_not_those_of_when_the_warning_went(app: Flask, w: WarnWorld) -> None:
    absent(w, w.an, 21)
    services.run_rules(w.people.school, utcnow())
    absent(w, w.an, 2, ago=21)  # two more sessions since the warning went

    row = row_of(page(signed_in(app, "homeroom").get(URL)), w.an.id)

    assert "Đã nghỉ 23 buổi trong năm học (cảnh báo ở mốc 20)" in row and "chưa gửi tới gia đình" not in row


def test_a_student_whose_average_was_corrected_above_the_floor_drops_off(app: Flask, w: WarnWorld) -> None:
    scores = [publish(w, w.an, "Toán", column, "4") for column in ("tx1", "gk")]
    services.run_rules(w.people.school, utcnow())
    assert 'data-test="student-' + str(w.an.id) in page(signed_in(app, "homeroom").get(URL))
    for score in scores:
        score.value = Decimal("8")  # a correction, published
    db.session.commit()

    text = page(signed_in(app, "homeroom").get(URL))

    assert 'data-test="student-' + str(w.an.id) not in text and "Không có học sinh nào cần quan tâm." in text


def test_a_student_moved_to_another_class_is_on_the_new_homeroom_teachers_page(app: Flask, w: WarnWorld) -> None:
    absent(w, w.an, 21)
    services.run_rules(w.people.school, utcnow())  # the warning went while An was in 6A1
    other = make_class(w.people, w.year, "6A2", homeroom=w.people.staff["teacher"])
    db.session.execute(update(Enrolment).where(Enrolment.student_id == w.an.id).values(class_id=other.id))
    db.session.commit()

    assert 'data-test="student-' + str(w.an.id) not in page(signed_in(app, "homeroom").get(URL))
    row = row_of(page(signed_in(app, "teacher").get(URL)), w.an.id)
    assert "6A2" in row and "Đã nghỉ 21 buổi" in row and "chưa gửi tới gia đình" not in row
