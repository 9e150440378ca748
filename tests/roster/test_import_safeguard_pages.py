"""The import pages refuse what would damage a class: bad rows only, many leavers without the tick, a damaged file."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import EnrolmentStatus, RosterImport
from contactbook.roster.services import MANY_LEAVING
from tests.factories import World, post
from tests.roster.import_support import (
    DAMAGED,
    NO_VALID_ROW,
    NOT_XLSX,
    YearClasses,
    csv_file,
    damaged,
    enrolment_of,
    generated_rows,
    import_count,
    import_roster,
    roster_state,
    student_row,
    upload,
)
from tests.support import flashes, follow, main_text, translated

NO_VALID_ROW_PREVIEW = (
    "No row of the file is valid: there is nothing to import. Correct the rows listed above and import the file again."
)

WARNED = "%(class_name)s: %(leaving)s of %(active)s students"


@pytest.fixture
def rows(world: World, alpha: YearClasses) -> list[dict[str, str]]:
    """6A1 and 6A2 with 30 students each, already imported."""
    rows = generated_rows(per_class=30)
    import_roster(world.a, alpha, csv_file(rows))
    return rows


def preview_of(client: FlaskClient, world: World, alpha: YearClasses, content: bytes) -> tuple[str, str]:
    """The preview page's text and its confirm URL."""
    response = upload(client, world.a.slug, alpha.year.id, "danh-sach.csv", content)
    assert response.status_code == 302, response.status_code
    preview = follow(client, response)
    assert preview.status_code == 200
    return preview.get_data(as_text=True), f"{response.headers['Location']}/confirm"


def pending(world: World) -> RosterImport:
    db.session.expire_all()
    query = select(RosterImport).where(RosterImport.school_id == world.a.school.id, RosterImport.status == "pending")
    return db.session.scalars(query).one()


def test_a_file_without_a_valid_row_says_so_and_a_forged_confirm_changes_nothing(
    app: Flask, admin: FlaskClient, world: World, alpha: YearClasses, rows: list[dict[str, str]]
) -> None:
    bad = [student_row(f"7990000000{n}", "Lê Thị Hoa", "6A1", date_of_birth="31/02/2013") for n in range(3)]
    before = roster_state(world.a.school.id)
    page, confirm_url = preview_of(admin, world, alpha, csv_file(bad))

    assert 'data-test="leaving">0<' in page
    assert translated(app, NO_VALID_ROW_PREVIEW) in page
    assert 'data-test="confirm"' not in page

    response = post(admin, confirm_url)
    assert flashes(follow(admin, response)) == [translated(app, NO_VALID_ROW)]
    assert roster_state(world.a.school.id) == before
    assert pending(world).applied_at is None


def test_many_leavers_are_a_warning_and_the_confirm_needs_the_tick(
    app: Flask, admin: FlaskClient, world: World, alpha: YearClasses, rows: list[dict[str, str]]
) -> None:
    six_a1 = [row for row in rows if row["Lớp"] == "6A1"]
    before = roster_state(world.a.school.id)
    page, confirm_url = preview_of(admin, world, alpha, csv_file(six_a1[:23]))  # 7 of 30 missing

    assert 'data-test="many-leaving"' in page
    warned = translated(
        app, "%(class_name)s: %(leaving)s of %(active)s students", class_name="6A1", leaving=7, active=30
    )
    assert f'<li data-test="warned-class">{warned}</li>' in page
    assert 'name="allow_many_left"' in page and 'data-test="confirm"' in page

    refused = post(admin, confirm_url)
    assert flashes(follow(admin, refused)) == [translated(app, MANY_LEAVING, classes="6A1")]
    assert roster_state(world.a.school.id) == before

    post(admin, confirm_url, {"allow_many_left": "y"})
    assert enrolment_of(world.a.school.id, six_a1[29]["Mã định danh"]) == ("6A1", EnrolmentStatus.LEFT)
    assert enrolment_of(world.a.school.id, six_a1[0]["Mã định danh"]) == ("6A1", EnrolmentStatus.ACTIVE)


def test_a_few_leavers_need_no_tick(
    admin: FlaskClient, world: World, alpha: YearClasses, rows: list[dict[str, str]]
) -> None:
    six_a1 = [row for row in rows if row["Lớp"] == "6A1"]
    page, confirm_url = preview_of(admin, world, alpha, csv_file(six_a1[1:]))
    assert 'data-test="many-leaving"' not in page and 'name="allow_many_left"' not in page
    post(admin, confirm_url)
    assert enrolment_of(world.a.school.id, six_a1[0]["Mã định danh"]) == ("6A1", EnrolmentStatus.LEFT)


@pytest.mark.parametrize("kind", DAMAGED)
def test_a_damaged_workbook_is_refused_at_upload_never_a_500(
    app: Flask, admin: FlaskClient, world: World, alpha: YearClasses, kind: str
) -> None:
    response = upload(admin, world.a.slug, alpha.year.id, "danh-sach.xlsx", damaged(kind))
    assert response.status_code == 400
    assert translated(app, NOT_XLSX) in main_text(response)
    assert import_count(world.a.school.id) == 0
