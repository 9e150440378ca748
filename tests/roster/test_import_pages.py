"""The import pages as a school admin uses them: upload, read the preview, confirm or cancel."""

from __future__ import annotations

import html
import io
import re

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.test import TestResponse

from contactbook.extensions import db
from contactbook.models import EnrolmentStatus, RosterImport
from contactbook.roster import services
from contactbook.roster.template import HEADERS
from tests.factories import World, csrf_token, login, post
from tests.roster.import_support import (
    ALREADY_DONE,
    BAD_DATE,
    DUPLICATE_ID,
    EMPTY_COUNTS,
    NOT_XLSX,
    UNKNOWN_CLASS,
    YearClasses,
    counts_after_import,
    csv_file,
    enrolment_of,
    generated_rows,
    import_count,
    import_roster,
    make_year,
    roster_counts,
    student_row,
    upload,
)
from tests.support import browser, flashes, follow, main_text, translated

BAD = (3, 6)  # indexes of the wrong rows below: lines 5 and 8 of the file


def rows_with_two_bad_ones() -> list[dict[str, str]]:
    """Eight generated students in 6A1 and 6A2; the 4th (line 5) and the 7th (line 8) are wrong."""
    rows = generated_rows(per_class=4)
    rows[BAD[0]]["Ngày sinh"] = "31/02/2013"
    rows[BAD[1]]["Lớp"] = "9A9"
    return rows


def valid_only(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [row for index, row in enumerate(rows) if index not in BAD]


def counts_shown(response: TestResponse) -> dict[str, int]:
    """The summary cards of the preview or result page, by their data-test name."""
    return {name: int(n) for name, n in re.findall(r'data-test="(\w+)">(\d+)<', response.get_data(as_text=True))}


def table(response: TestResponse, css_class: str) -> list[tuple[str, ...]]:
    """The text of each cell of each body row of the page's first table with this class attribute."""
    page = response.get_data(as_text=True)
    match = re.search(rf'<table class="{css_class}">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert match, f"the page has no table of class {css_class!r}"

    def text(cell: str) -> str:
        return " ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split())

    rows = re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)
    return [tuple(text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)) for row in rows]


def error_table(response: TestResponse) -> list[tuple[str, ...]]:
    """(line, column, value, reason) of each row of the page's error table."""
    return table(response, "list errors")


def upload_and_preview(client: FlaskClient, world: World, alpha: YearClasses, content: bytes) -> TestResponse:
    response = upload(client, world.a.slug, alpha.year.id, "danh-sach.csv", content)
    assert response.status_code == 302, response.status_code
    return follow(client, response)


def pending_import(world: World) -> RosterImport:
    db.session.expire_all()
    return db.session.scalars(select(RosterImport).where(RosterImport.school_id == world.a.school.id)).one()


# --- Upload and preview -----------------------------------------------------------------------------


def test_the_preview_counts_the_rows_and_lists_every_bad_one(
    app: Flask, admin: FlaskClient, world: World, alpha: YearClasses
) -> None:
    rows = rows_with_two_bad_ones()
    preview = upload_and_preview(admin, world, alpha, csv_file(rows))
    assert preview.status_code == 200
    guardians = counts_after_import(valid_only(rows))["guardians"]
    assert counts_shown(preview) == {
        "created": 6,
        "updated": 0,
        "unchanged": 0,
        "leaving": 0,
        "guardians": guardians,
        "skipped": 2,
    }
    assert error_table(preview) == [
        ("5", "Ngày sinh", "31/02/2013", translated(app, BAD_DATE)),
        ("8", "Lớp", "9A9", translated(app, UNKNOWN_CLASS)),
    ]


def test_nothing_is_written_before_the_preview_is_confirmed(
    admin: FlaskClient, world: World, alpha: YearClasses
) -> None:
    upload_and_preview(admin, world, alpha, csv_file(rows_with_two_bad_ones()))
    assert roster_counts(world.a.school.id) == EMPTY_COUNTS
    record = pending_import(world)
    assert (record.status, record.uploaded_by_id) == ("pending", world.a.admin.id)


def test_the_preview_offers_to_import_only_the_valid_rows(
    app: Flask, admin: FlaskClient, world: World, alpha: YearClasses
) -> None:
    preview = upload_and_preview(admin, world, alpha, csv_file(rows_with_two_bad_ones()))
    assert translated(app, "Import the valid rows, skip %(n)s rows with errors", n=2) in main_text(preview)


def test_confirming_imports_the_valid_rows_and_the_result_lists_the_skipped_ones(
    app: Flask, admin: FlaskClient, world: World, alpha: YearClasses
) -> None:
    rows = rows_with_two_bad_ones()
    upload_and_preview(admin, world, alpha, csv_file(rows))
    record = pending_import(world)

    result = follow(admin, post(admin, f"/s/{world.a.slug}/roster/import/{record.id}/confirm"))
    assert flashes(result) == [translated(app, "The roster has been imported.")]
    expected = counts_after_import(valid_only(rows))
    assert counts_shown(result) == {
        "created": 6,
        "updated": 0,
        "unchanged": 0,
        "leaving": 0,
        "guardians": expected["guardians"],
        "skipped": 2,
    }
    assert f"{translated(app, 'Lines not imported:')} 5, 8" in main_text(result)
    assert error_table(result) == [
        ("5", "Ngày sinh", "31/02/2013", translated(app, BAD_DATE)),
        ("8", "Lớp", "9A9", translated(app, UNKNOWN_CLASS)),
    ]
    assert roster_counts(world.a.school.id) == expected
    assert enrolment_of(world.a.school.id, rows[0]["Mã định danh"]) == ("6A1", EnrolmentStatus.ACTIVE)


def test_a_duplicate_id_names_both_lines_on_the_preview_and_the_result(
    app: Flask, admin: FlaskClient, world: World, alpha: YearClasses
) -> None:
    rows = generated_rows(per_class=2)
    rows[3]["Mã định danh"] = nid = rows[1]["Mã định danh"]
    reason = translated(app, DUPLICATE_ID, lines="3, 5")
    preview = upload_and_preview(admin, world, alpha, csv_file(rows))
    assert error_table(preview) == [("3", "Mã định danh", nid, reason), ("5", "Mã định danh", nid, reason)]

    result = follow(admin, post(admin, f"/s/{world.a.slug}/roster/import/{pending_import(world).id}/confirm"))
    assert error_table(result) == [("3", "Mã định danh", nid, reason), ("5", "Mã định danh", nid, reason)]


def test_markup_in_a_cell_is_shown_as_text(admin: FlaskClient, world: World, alpha: YearClasses) -> None:
    rows = [student_row("79000000001", "<b>An</b>"), student_row("79000000002", "Bích", "<i>6A1</i>")]
    preview = upload_and_preview(admin, world, alpha, csv_file(rows))
    body = preview.get_data(as_text=True)
    assert "<b>An</b>" not in body and "&lt;b&gt;An&lt;/b&gt;" in body
    assert "<i>6A1</i>" not in body and "&lt;i&gt;6A1&lt;/i&gt;" in body


def test_after_the_import_the_class_list_shows_the_students(
    admin: FlaskClient, world: World, alpha: YearClasses
) -> None:
    upload_and_preview(admin, world, alpha, csv_file(rows_with_two_bad_ones()))
    result = follow(admin, post(admin, f"/s/{world.a.slug}/roster/import/{pending_import(world).id}/confirm"))
    assert f'href="/s/{world.a.slug}/classes/"' in result.get_data(as_text=True)
    classes = admin.get(f"/s/{world.a.slug}/classes/")
    assert classes.status_code == 200
    assert [(name, size) for name, _grade, _teacher, size in table(classes, "list")] == [
        ("6A1", "3"),
        ("6A2", "3"),
        ("7A1", "0"),
    ]


def test_a_file_that_changes_nothing_has_no_confirm_button(
    app: Flask, admin: FlaskClient, world: World, alpha: YearClasses
) -> None:
    content = csv_file(generated_rows(per_class=2))
    import_roster(world.a, alpha, content)
    preview = upload_and_preview(admin, world, alpha, content)
    assert counts_shown(preview)["unchanged"] == 4
    assert translated(app, "The file changes nothing: every student is already up to date.") in main_text(preview)
    assert 'data-test="confirm"' not in preview.get_data(as_text=True)


def test_cancelling_applies_nothing(app: Flask, admin: FlaskClient, world: World, alpha: YearClasses) -> None:
    upload_and_preview(admin, world, alpha, csv_file(generated_rows(per_class=2)))
    record = pending_import(world)
    response = post(admin, f"/s/{world.a.slug}/roster/import/{record.id}/cancel")
    assert response.headers["Location"] == f"/s/{world.a.slug}/roster/import/"
    assert flashes(follow(admin, response)) == [translated(app, "The import was cancelled; nothing was changed.")]
    assert pending_import(world).status == "cancelled"
    assert roster_counts(world.a.school.id) == EMPTY_COUNTS


def test_confirming_twice_changes_nothing_the_second_time(
    app: Flask, admin: FlaskClient, world: World, alpha: YearClasses
) -> None:
    upload_and_preview(admin, world, alpha, csv_file(generated_rows(per_class=2)))
    url = f"/s/{world.a.slug}/roster/import/{pending_import(world).id}/confirm"
    post(admin, url)
    counts = roster_counts(world.a.school.id)
    assert flashes(follow(admin, post(admin, url))) == [translated(app, ALREADY_DONE)]
    assert roster_counts(world.a.school.id) == counts


def test_a_confirm_without_the_forms_token_is_refused(admin: FlaskClient, world: World, alpha: YearClasses) -> None:
    upload_and_preview(admin, world, alpha, csv_file(generated_rows(per_class=2)))
    response = admin.post(f"/s/{world.a.slug}/roster/import/{pending_import(world).id}/confirm")
    assert response.status_code == 400
    assert (pending_import(world).status, roster_counts(world.a.school.id)) == ("pending", EMPTY_COUNTS)


def test_the_history_lists_each_import_with_its_status(
    app: Flask, admin: FlaskClient, world: World, alpha: YearClasses
) -> None:
    import_roster(world.a, alpha, csv_file(generated_rows(per_class=1)), "lan-1.csv")
    upload_and_preview(admin, world, alpha, csv_file(generated_rows(per_class=2)))
    history = admin.get(f"/s/{world.a.slug}/roster/import/history")
    assert [(name, who, status) for _when, name, who, status in table(history, "list")] == [
        ("danh-sach.csv", "Admin alpha", translated(app, "Waiting for confirmation")),
        ("lan-1.csv", "Admin alpha", translated(app, "Imported")),
    ]


def test_the_empty_template_has_the_layouts_headers(admin: FlaskClient, world: World) -> None:
    response = admin.get(f"/s/{world.a.slug}/roster/import/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADERS


# --- Files refused at upload ------------------------------------------------------------------------


def test_a_binary_file_renamed_xlsx_is_refused_with_a_clear_message_and_not_kept(
    app: Flask, admin: FlaskClient, world: World, alpha: YearClasses
) -> None:
    response = upload(admin, world.a.slug, alpha.year.id, "danh-sach.xlsx", b"MZ\x90\x00" + bytes(range(256)) * 8)
    assert response.status_code == 400
    assert translated(app, NOT_XLSX) in main_text(response)
    assert import_count(world.a.school.id) == 0


def test_a_file_without_the_required_columns_is_refused_with_the_missing_headers(
    app: Flask, admin: FlaskClient, world: World, alpha: YearClasses
) -> None:
    content = "STT,Họ và tên,Lớp\r\n1,Nguyễn Văn An,6A1\r\n".encode()
    response = upload(admin, world.a.slug, alpha.year.id, "danh-sach.csv", content)
    assert response.status_code == 400
    text = main_text(response)
    assert (
        translated(app, "These required columns were not found in the first row:") + " Mã định danh Ngày sinh" in text
    )
    assert import_count(world.a.school.id) == 0


def test_an_upload_without_a_file_is_refused(admin: FlaskClient, world: World, alpha: YearClasses) -> None:
    response = admin.post(
        f"/s/{world.a.slug}/roster/import/",
        data={"csrf_token": csrf_token(admin), "school_year_id": str(alpha.year.id)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert import_count(world.a.school.id) == 0


# --- Who may import ---------------------------------------------------------------------------------


def test_a_teacher_cannot_open_or_use_the_import_pages(app: Flask, world: World, alpha: YearClasses) -> None:
    record, _plan = services.start_import(
        world.a.school, world.a.admin, alpha.year, "danh-sach.csv", csv_file([student_row("79000000001", "An")])
    )
    teacher = browser(app)
    assert login(teacher, "teacher", world.a.slug).status_code == 302
    base = f"/s/{world.a.slug}/roster/import"
    for url in (f"{base}/", f"{base}/{record.id}", f"{base}/history", f"{base}/template.xlsx"):
        assert teacher.get(url).status_code == 403, url
    assert upload(teacher, world.a.slug, alpha.year.id, "x.csv", csv_file(generated_rows())).status_code == 403
    assert post(teacher, f"{base}/{record.id}/confirm").status_code == 403
    assert post(teacher, f"{base}/{record.id}/cancel").status_code == 403
    assert (pending_import(world).status, import_count(world.a.school.id)) == ("pending", 1)
    assert roster_counts(world.a.school.id) == EMPTY_COUNTS


def test_another_schools_import_is_not_found(admin: FlaskClient, world: World) -> None:
    beta = make_year(world.b)
    record, _plan = services.start_import(
        world.b.school, world.b.admin, beta.year, "danh-sach.csv", csv_file(generated_rows(per_class=1))
    )
    base = f"/s/{world.a.slug}/roster/import/{record.id}"
    assert admin.get(base).status_code == 404
    assert post(admin, f"{base}/confirm").status_code == 404
    assert post(admin, f"{base}/cancel").status_code == 404
    db.session.expire_all()
    assert db.session.get(RosterImport, record.id).status == "pending"  # type: ignore[union-attr]
    assert roster_counts(world.b.school.id) == EMPTY_COUNTS


def test_another_schools_year_cannot_be_chosen_for_an_upload(
    admin: FlaskClient, world: World, alpha: YearClasses
) -> None:
    beta = make_year(world.b)
    response = upload(admin, world.a.slug, beta.year.id, "danh-sach.csv", csv_file(generated_rows(per_class=1)))
    assert response.status_code == 400
    assert (import_count(world.a.school.id), import_count(world.b.school.id)) == (0, 0)
