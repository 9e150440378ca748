"""The attendance settings: the unit a school marks and its warning thresholds; defaults when never set."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from contactbook.attendance.services.settings import update_settings
from contactbook.attendance.settings import ThresholdsError, parse_thresholds, settings_of
from contactbook.extensions import db
from contactbook.models import AttendanceSettings, AttendanceUnit
from tests.factories import World, login, post
from tests.support import audit_rows, browser, follow, page, translated

URL = "/s/alpha/attendance/settings"


def test_a_school_without_settings_marks_by_day_and_warns_at_20_30_40(world: World) -> None:
    settings = settings_of(world.a.school)
    assert (settings.unit, settings.warning_thresholds) == (AttendanceUnit.DAY, [20, 30, 40])
    assert db.session.scalar(select(func.count()).select_from(AttendanceSettings)) == 0  # nothing written


@pytest.mark.parametrize(
    ("typed", "taken"), [("20, 30, 40", [20, 30, 40]), ("10;25 45", [10, 25, 45]), (" 1 ", [1]), ("44,45", [44, 45])]
)
def test_thresholds_are_ascending_whole_numbers_from_1_to_45(typed: str, taken: list[int]) -> None:
    assert parse_thresholds(typed) == taken


@pytest.mark.parametrize("typed", ["", " , ", "0", "46", "30, 20", "20, 20", "2.5", "-1", "٣", "²", "1,2,3,4,5,6", "x"])
def test_other_thresholds_are_refused(typed: str) -> None:
    with pytest.raises(ThresholdsError):
        parse_thresholds(typed)


def test_saving_the_settings_is_audited_and_others_read_them(world: World) -> None:
    school, admin = world.a.school, world.a.admin
    update_settings(school, admin, unit=AttendanceUnit.PERIOD, thresholds="15, 30")
    settings = settings_of(school)
    assert (settings.unit, settings.warning_thresholds, settings.changed_by_id) == (
        AttendanceUnit.PERIOD,
        [15, 30],
        admin.id,
    )
    rows = audit_rows("attendance.settings", school.id)
    assert [row.details for row in rows] == [{"unit": "period", "warning_thresholds": [15, 30]}]
    assert settings_of(world.b.school).unit == AttendanceUnit.DAY  # another school keeps its own

    update_settings(school, admin, unit=AttendanceUnit.PERIOD, thresholds="15,30")
    assert len(audit_rows("attendance.settings", school.id)) == 1  # nothing changed, nothing recorded


def test_refused_thresholds_change_nothing(world: World) -> None:
    update_settings(world.a.school, world.a.admin, unit=AttendanceUnit.SESSION, thresholds="20")
    with pytest.raises(ThresholdsError):
        update_settings(world.a.school, world.a.admin, unit=AttendanceUnit.DAY, thresholds="50")
    db.session.expire_all()
    settings = settings_of(world.a.school)
    assert (settings.unit, settings.warning_thresholds) == (AttendanceUnit.SESSION, [20])


def test_the_admin_changes_the_settings_on_the_page(app: Flask, world: World) -> None:
    admin = browser(app)
    login(admin, "admin", "alpha")
    html = page(admin.get(URL))
    assert 'value="20, 30, 40"' in html and re.search(r'<input checked[^>]*value="day"', html)
    response = post(admin, URL, {"unit": "session", "thresholds": "25, 35"})
    assert response.status_code == 302
    html = page(follow(admin, response))
    assert translated(app, "Attendance settings saved.") in html and 'value="25, 35"' in html
    db.session.expire_all()
    assert (settings_of(world.a.school).unit, settings_of(world.a.school).warning_thresholds) == ("session", [25, 35])


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"unit": "session", "thresholds": "40, 30"},
            "List the thresholds from the smallest to the largest, each once.",
        ),
        ({"unit": "session", "thresholds": "50"}, "Each threshold is from 1 to 45 sessions."),
        ({"unit": "week", "thresholds": "20"}, "Not a valid choice."),
        ({"thresholds": "20"}, "Choose how attendance is taken."),
        ({"unit": "day", "thresholds": ""}, "Enter at least one number of sessions, e.g. 20, 30, 40."),
    ],
)
def test_bad_settings_are_refused_with_a_message_and_change_nothing(
    app: Flask, world: World, form: dict[str, str], message: str
) -> None:
    admin = browser(app)
    login(admin, "admin", "alpha")
    response = post(admin, URL, form)
    assert response.status_code == 200 and translated(app, message) in page(response)
    assert db.session.scalar(select(func.count()).select_from(AttendanceSettings)) == 0


def test_only_staff_managing_settings_open_the_page(app: Flask, world: World) -> None:
    teacher = browser(app)
    login(teacher, "homeroom", "alpha")
    assert teacher.get(URL).status_code == 403
    assert post(teacher, URL, {"unit": "period", "thresholds": "5"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(AttendanceSettings)) == 0
