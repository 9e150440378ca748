"""The portal's attendance tab: totals, the month's calendar, leave requests submitted and withdrawn by the family."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import AttendanceStatus, LeaveRequest, LeaveStatus
from tests.factories import post
from tests.family.support import sign_in_family
from tests.leave_requests.factories import FATHER, MOTHER, LeaveWorld, put_leave, put_mark
from tests.support import flashes, follow, main_text, page


def as_family(app: Flask, client: FlaskClient, phone: str = MOTHER) -> FlaskClient:
    sign_in_family(app, client, phone=phone)
    return client


def tab(lw: LeaveWorld, month: str | None = None) -> str:
    return f"/family/children/{lw.an.id}/attendance" + (f"?month={month}" if month else "")


def test_the_tab_shows_the_semester_and_year_totals_and_the_months_marks(
    app: Flask, client: FlaskClient, lw: LeaveWorld
) -> None:
    before_semester = lw.today - timedelta(days=20)  # semester I
    put_mark(lw, lw.an, before_semester, AttendanceStatus.UNEXCUSED)
    put_mark(lw, lw.an, lw.today, AttendanceStatus.EXCUSED)
    put_mark(lw, lw.an, lw.today - timedelta(days=1), AttendanceStatus.LATE)
    put_mark(lw, lw.cuong, lw.today, AttendanceStatus.UNEXCUSED)  # another child's: never counted here
    as_family(app, client)

    html = page(client.get(tab(lw)))

    semester = html.split('data-test="semester-totals"')[1].split("</tr>")[0]
    year = html.split('data-test="year-totals"')[1].split("</tr>")[0]
    assert ">Học kỳ II<" in semester
    assert _cells(semester) == ["1", "1", "0", "1"]
    assert _cells(year) == ["2 / 45", "1", "1", "1"]
    today_cell = html.split(f'data-day="{lw.today.isoformat()}"')[1].split("</td>")[0]
    assert 'class="mark excused"' in today_cell and 'title="Vắng có phép"' in today_cell


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]


def test_a_month_outside_the_school_year_or_malformed_is_not_found(
    app: Flask, client: FlaskClient, lw: LeaveWorld
) -> None:
    as_family(app, client)
    this_month = lw.today.strftime("%Y-%m")

    assert client.get(tab(lw, this_month)).status_code == 200
    for month in ("1999-01", "2026-13", "2026-1", "２０２６-０１", "0000-00", "9999-12", "x"):
        assert client.get(tab(lw, month)).status_code == 404, month


def test_the_family_submits_a_request_and_sees_it_waiting(app: Flask, client: FlaskClient, lw: LeaveWorld) -> None:
    as_family(app, client)
    tomorrow = (lw.today + timedelta(days=1)).isoformat()

    response = post(
        client,
        f"/family/children/{lw.an.id}/leave",
        {"starts_on": tomorrow, "ends_on": tomorrow, "slots": "morning", "reason": "Khám răng"},
    )

    shown = follow(client, response)
    assert flashes(shown) == ["Đơn xin nghỉ học đã được gửi tới giáo viên chủ nhiệm. Gia đình sẽ được báo kết quả."]
    request = db.session.scalars(select(LeaveRequest)).one()
    assert (request.guardian_id, request.slots, request.status) == (lw.mother.id, "morning", LeaveStatus.PENDING)
    assert "Khám răng" in main_text(shown) and "Đang chờ trả lời" in main_text(shown)


def test_a_request_for_a_past_day_says_what_is_wrong_and_writes_nothing(
    app: Flask, client: FlaskClient, lw: LeaveWorld
) -> None:
    as_family(app, client)
    yesterday = (lw.today - timedelta(days=1)).isoformat()

    response = post(
        client,
        f"/family/children/{lw.an.id}/leave",
        {"starts_on": yesterday, "ends_on": yesterday, "slots": "day", "reason": "Ốm"},
    )

    assert response.status_code == 200 and "Ngày bắt đầu không được ở trong quá khứ." in page(response)
    assert db.session.scalars(select(LeaveRequest)).all() == []


def test_the_family_withdraws_a_waiting_request_but_not_an_answered_one(
    app: Flask, client: FlaskClient, lw: LeaveWorld
) -> None:
    waiting = put_leave(lw, lw.an, lw.today + timedelta(days=1), guardian=lw.mother)
    answered = put_leave(lw, lw.an, lw.today + timedelta(days=3), status=LeaveStatus.APPROVED)
    as_family(app, client)
    html = page(client.get(tab(lw)))
    assert f"/leave/{waiting.id}/withdraw" in html and f"/leave/{answered.id}/withdraw" not in html

    assert flashes(follow(client, post(client, f"/family/children/{lw.an.id}/leave/{waiting.id}/withdraw"))) == [
        "Đã rút đơn xin nghỉ học."
    ]
    refused = follow(client, post(client, f"/family/children/{lw.an.id}/leave/{answered.id}/withdraw"))
    assert flashes(refused) == ["Chỉ rút được đơn đang chờ trả lời."]
    db.session.expire_all()
    assert (waiting.status, answered.status) == (LeaveStatus.WITHDRAWN, LeaveStatus.APPROVED)


def test_another_familys_child_and_its_requests_are_not_found(app: Flask, client: FlaskClient, lw: LeaveWorld) -> None:
    cuongs = put_leave(lw, lw.cuong, lw.today + timedelta(days=1))
    as_family(app, client)  # An's mother

    assert client.get(f"/family/children/{lw.cuong.id}/attendance").status_code == 404
    assert post(client, f"/family/children/{lw.cuong.id}/leave/{cuongs.id}/withdraw").status_code == 404
    assert post(client, f"/family/children/{lw.an.id}/leave/{cuongs.id}/withdraw").status_code == 404
    tomorrow = (lw.today + timedelta(days=1)).isoformat()
    data = {"starts_on": tomorrow, "ends_on": tomorrow, "slots": "day", "reason": "Ốm"}
    assert post(client, f"/family/children/{lw.cuong.id}/leave", data).status_code == 404
    db.session.expire_all()
    assert cuongs.status == LeaveStatus.PENDING
    assert len(db.session.scalars(select(LeaveRequest)).all()) == 1


def test_the_father_sees_his_childs_tab_without_the_other_familys_requests(
    app: Flask, client: FlaskClient, lw: LeaveWorld
) -> None:
    put_leave(lw, lw.an, lw.today + timedelta(days=1), reason="Lý do của nhà An")
    as_family(app, client, FATHER)

    html = page(client.get(f"/family/children/{lw.cuong.id}/attendance"))
    assert "Lý do của nhà An" not in html and "Chưa có đơn xin nghỉ học nào." in html


def test_the_tab_is_linked_from_the_childs_pages(app: Flask, client: FlaskClient, lw: LeaveWorld) -> None:
    as_family(app, client)
    assert f'href="/family/children/{lw.an.id}/attendance"' in page(client.get(f"/family/children/{lw.an.id}/notices"))
