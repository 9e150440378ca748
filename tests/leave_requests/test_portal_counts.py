"""The portal's attendance tab in detail: a morning and an afternoon told apart on the calendar, and totals that
count sessions as the month sheet does (a school marking by period)."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from contactbook.attendance.exports import month_totals
from contactbook.models import AttendanceStatus
from tests.family.support import sign_in_family
from tests.leave_requests.factories import MOTHER, LeaveWorld, put_mark
from tests.support import page


def _tab(app: Flask, client: FlaskClient, lw: LeaveWorld) -> str:
    sign_in_family(app, client, phone=MOTHER)
    return page(client.get(f"/family/children/{lw.an.id}/attendance"))


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]


def test_the_calendar_tells_the_morning_from_the_afternoon(app: Flask, client: FlaskClient, lw: LeaveWorld) -> None:
    put_mark(lw, lw.an, lw.today, AttendanceStatus.UNEXCUSED, "morning")
    put_mark(lw, lw.an, lw.today, AttendanceStatus.EXCUSED, "afternoon")

    html = _tab(app, client, lw)

    cell = html.split(f'data-day="{lw.today.isoformat()}"')[1].split("</td>")[0]
    shown = [re.sub(r"<[^>]+>", "", code) for code in re.findall(r'<span aria-hidden="true">(.*?)</span>', cell)]
    assert shown == ["S·K", "C·P"]
    spoken = re.findall(r'<span class="visually-hidden">(.*?)</span>', cell)
    assert spoken == ["Buổi sáng: Vắng không phép", "Buổi chiều: Vắng có phép"]
    assert "S Buổi sáng" in html and "C Buổi chiều" in html  # the legend


def test_a_session_missed_period_by_period_counts_once_as_on_the_month_sheet(
    app: Flask, client: FlaskClient, lw: LeaveWorld
) -> None:
    yesterday = lw.today - timedelta(days=1)
    marks = [(yesterday, f"p{n}", AttendanceStatus.UNEXCUSED) for n in range(1, 6)]  # the morning, unexcused
    marks += [(lw.today, f"p{n}", AttendanceStatus.EXCUSED) for n in range(1, 5)]  # a morning with permission
    marks += [(lw.today, "p5", AttendanceStatus.UNEXCUSED)]  # … but its last period without: unexcused
    marks += [(lw.today, "p6", AttendanceStatus.LATE), (lw.today, "p7", AttendanceStatus.LATE)]
    marks += [(lw.today, "p8", AttendanceStatus.EXCUSED)]  # one period missed: no session
    for on, slot, status in marks:
        put_mark(lw, lw.an, on, status, slot)
    sheet = month_totals(marks)

    html = _tab(app, client, lw)

    year = _cells(html.split('data-test="year-totals"')[1].split("</tr>")[0])
    semester = _cells(html.split('data-test="semester-totals"')[1].split("</tr>")[0])
    assert year == [f"{sheet.sessions} / 45", str(sheet.excused), str(sheet.unexcused), str(sheet.late)]
    assert year == ["2 / 45", "0", "2", "2"] and semester == ["2", "0", "2", "2"]
    assert "Đi muộn (lần)" in html and "Có phép (buổi)" in html and "Không phép (buổi)" in html
