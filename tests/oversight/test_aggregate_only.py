"""Aggregates only: no answer of any authority route (pages and exports) names a student or a guardian, or
gives a phone number, though the world's students and guardians have names and numbers and every figure
about them is on the pages."""

from __future__ import annotations

import io
import re

from flask import Flask
from openpyxl import load_workbook
from werkzeug.test import TestResponse

from contactbook.auth.access import rule_for
from contactbook.platform import services as platform
from contactbook.spreadsheet_export import XLSX_MIMETYPE
from tests.factories import PASSWORD, World, login, school_day
from tests.oversight.factories import TODAY, make_oversight
from tests.support import browser, page


def authority_pages(app: Flask) -> list[str]:
    """The URL of every GET route an officer may open (its rule: `authority_only`) that takes no parameter."""
    with app.app_context():
        return sorted(
            rule.rule
            for rule in app.url_map.iter_rules()
            if "GET" in (rule.methods or ())
            and not rule.arguments
            and (access := rule_for(rule.endpoint)) is not None
            and access.kind == "authority"
        )


def answer_text(response: TestResponse) -> str:
    """What the answer says: the page, or every cell of every sheet of a workbook."""
    if response.mimetype == XLSX_MIMETYPE:
        book = load_workbook(io.BytesIO(response.data))
        return "\n".join(
            str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value
        )
    return page(response)


def spellings(phone: str) -> list[str]:
    """A phone number as it may be written: +84912345678, 0912345678, 912345678, 0912 345 678."""
    national = "0" + phone.removeprefix("+84")
    return [phone, national, national[1:], f"{national[:4]} {national[4:7]} {national[7:]}"]


def test_no_authority_answer_names_a_student_or_guardian_or_gives_a_number(app: Flask, world: World) -> None:
    small = make_oversight(world)
    platform.create_officer(
        world.operator, authority=world.province, username="so", full_name="Cán bộ Sở", password=PASSWORD, email=None
    )
    urls = authority_pages(app)
    assert {"/platform/authority/oversight", "/platform/authority/oversight/export.xlsx"} <= set(urls)
    schools = [world.a.school.name, world.b.school.name, small.gamma.school.name]

    answers = {}
    with school_day(TODAY):
        for username in ("officer", "officer2", "so"):
            client = browser(app)
            assert login(client, username).status_code == 302
            for url in urls:
                response = client.get(url)
                assert response.status_code == 200, f"{url} as {username}: {response.status_code}"
                answers[(username, url)] = answer_text(response)

    assert all(name in answers[("so", "/platform/authority/oversight")] for name in schools)  # the figures are there
    assert all(name in answers[("so", "/platform/authority/oversight/export.xlsx")] for name in schools)
    numbers = [spelling for phone in small.phones for spelling in spellings(phone)]
    for (username, url), text in answers.items():
        for name in small.names:
            assert name not in text, f"{url} as {username} names {name}"
        digits = re.sub(r"[^\d+ ]", " ", text)
        for number in numbers:
            assert number not in text and number not in digits, f"{url} as {username} gives {number}"
