"""The staff pages of leave requests: the list, entering a request for a family, approving and declining."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import AttendanceStatus, LeaveRequest, LeaveStatus, Message
from tests.factories import World, login, post
from tests.leave_requests.factories import LeaveWorld, put_leave, put_mark
from tests.support import flashes, follow, main_text, page

SLUG = "alpha"


def listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-test="leave-(\d+)"', html)]


def test_the_list_shows_the_waiting_requests_first_and_a_homeroom_teacher_only_its_classes(
    client: FlaskClient, lw: LeaveWorld
) -> None:
    answered = put_leave(lw, lw.an, lw.today - timedelta(days=2), status=LeaveStatus.APPROVED)
    later = put_leave(lw, lw.cuong, lw.today + timedelta(days=5))
    sooner = put_leave(lw, lw.an, lw.today + timedelta(days=1))
    hoas = put_leave(lw, lw.hoa, lw.today + timedelta(days=1))

    login(client, "homeroom", SLUG)
    assert listed(page(client.get(f"/s/{SLUG}/leave-requests/"))) == [sooner.id, later.id, answered.id]
    login(client, "admin", SLUG)
    assert set(listed(page(client.get(f"/s/{SLUG}/leave-requests/")))) == {sooner.id, later.id, answered.id, hoas.id}


def test_a_teacher_who_leads_no_class_sees_an_empty_list_and_no_request(client: FlaskClient, lw: LeaveWorld) -> None:
    request = put_leave(lw, lw.an, lw.today + timedelta(days=1))
    login(client, "teacher", SLUG)

    assert listed(page(client.get(f"/s/{SLUG}/leave-requests/"))) == []
    assert client.get(f"/s/{SLUG}/leave-requests/{request.id}").status_code == 403
    assert post(client, f"/s/{SLUG}/leave-requests/{request.id}", {"decision": "approve"}).status_code == 403
    db.session.expire_all()
    assert request.status == LeaveStatus.PENDING


def test_another_schools_request_is_not_found(app: Flask, client: FlaskClient, world: World, lw: LeaveWorld) -> None:
    request = put_leave(lw, lw.an, lw.today + timedelta(days=1))
    login(client, "admin", "beta")

    assert client.get(f"/s/beta/leave-requests/{request.id}").status_code == 404
    assert post(client, f"/s/beta/leave-requests/{request.id}", {"decision": "approve"}).status_code == 404


def test_the_homeroom_teacher_approves_with_a_note_and_the_page_says_what_it_did(
    client: FlaskClient, lw: LeaveWorld
) -> None:
    put_mark(lw, lw.an, lw.today, AttendanceStatus.UNEXCUSED, alerted=True)
    request = put_leave(lw, lw.an, lw.today, guardian=lw.mother, reason="Con bị sốt cao")
    login(client, "homeroom", SLUG)
    shown = main_text(client.get(f"/s/{SLUG}/leave-requests/{request.id}"))
    assert "Con bị sốt cao" in shown and "Trần Thị Bình, qua cổng phụ huynh" in shown
    assert "Số buổi vắng không phép đã ghi trong những ngày này: 1." in shown

    response = post(client, f"/s/{SLUG}/leave-requests/{request.id}", {"decision": "approve", "note": "Mau khỏe"})

    assert flashes(follow(client, response)) == [
        "Đã chấp thuận đơn; gia đình được báo. Số lượt vắng chuyển thành có phép: 1."
    ]
    db.session.expire_all()
    assert (request.status, request.decision_note) == (LeaveStatus.APPROVED, "Mau khỏe")
    assert "Đã chấp thuận" in main_text(client.get(f"/s/{SLUG}/leave-requests/{request.id}"))
    told = [
        (m.kind, m.channel) for m in db.session.scalars(select(Message).order_by(Message.id)) if m.kind != "welcome"
    ]
    assert told == [("leave_decision", "sms"), ("leave_decision", "email")]  # her subscription, her usable email


def test_a_second_answer_is_refused_with_a_message_and_changes_nothing(client: FlaskClient, lw: LeaveWorld) -> None:
    request = put_leave(lw, lw.an, lw.today, status=LeaveStatus.DECLINED)
    login(client, "homeroom", SLUG)

    response = post(client, f"/s/{SLUG}/leave-requests/{request.id}", {"decision": "approve"})

    assert response.status_code == 200 and "Đơn này đã được trả lời hoặc đã bị rút." in page(response)
    db.session.expire_all()
    assert request.status == LeaveStatus.DECLINED


def test_a_decision_that_is_neither_approve_nor_decline_is_refused(client: FlaskClient, lw: LeaveWorld) -> None:
    request = put_leave(lw, lw.an, lw.today)
    login(client, "homeroom", SLUG)

    response = post(client, f"/s/{SLUG}/leave-requests/{request.id}", {"decision": "maybe"})

    assert "Chọn chấp thuận hoặc không chấp thuận." in page(response)
    db.session.expire_all()
    assert request.status == LeaveStatus.PENDING


def test_staff_enter_a_request_on_a_familys_behalf(client: FlaskClient, lw: LeaveWorld) -> None:
    login(client, "homeroom", SLUG)
    form = page(client.get(f"/s/{SLUG}/leave-requests/new"))
    assert "Nguyễn Văn An (6A1)" in form and "Phạm Thị Hoa" not in form  # 6A2 is not the teacher's

    yesterday = (lw.today - timedelta(days=1)).isoformat()
    response = post(
        client,
        f"/s/{SLUG}/leave-requests/new",
        {
            "student_id": str(lw.an.id),
            "starts_on": yesterday,
            "ends_on": yesterday,
            "slots": "day",
            "reason": "Giấy phép",
        },
    )

    request = db.session.scalars(select(LeaveRequest)).one()
    assert response.headers["Location"].endswith(f"/leave-requests/{request.id}")
    assert (request.entered_by_id, request.starts_on) == (lw.people.staff["homeroom"].id, lw.today - timedelta(days=1))


def test_a_request_entered_with_bad_dates_says_what_is_wrong_and_writes_nothing(
    client: FlaskClient, lw: LeaveWorld
) -> None:
    login(client, "homeroom", SLUG)
    first, last = (lw.today + timedelta(days=3)).isoformat(), lw.today.isoformat()

    response = post(
        client,
        f"/s/{SLUG}/leave-requests/new",
        {"student_id": str(lw.an.id), "starts_on": first, "ends_on": last, "slots": "day", "reason": "Ốm"},
    )

    assert response.status_code == 200 and "Ngày kết thúc đứng trước ngày bắt đầu." in page(response)
    assert db.session.scalars(select(LeaveRequest)).all() == []


def test_the_nav_links_the_list_for_staff_who_record_attendance(client: FlaskClient, lw: LeaveWorld) -> None:
    login(client, "homeroom", SLUG)
    assert f'href="/s/{SLUG}/leave-requests/"' in page(client.get(f"/s/{SLUG}/home"))
    login(client, "accountant", SLUG)
    assert f'href="/s/{SLUG}/leave-requests/"' not in page(client.get(f"/s/{SLUG}/home"))
