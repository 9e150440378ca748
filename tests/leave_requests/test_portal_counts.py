"""The portal's attendance tab in detail: a morning and an afternoon told apart on the calendar, and totals that
count sessions as the month sheet does (a school marking by period)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

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
