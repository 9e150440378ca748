"""In a real browser on a phone: the school admin uploads a roster, reads the preview, confirms, sees the classes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import RosterImport
from tests.browser.test_staff_admin import assert_no_horizontal_scroll, screenshot
from tests.factories import PASSWORD, make_world
from tests.roster.import_support import (
    PHONE_NOT_DIGITS,
    counts_after_import,
    csv_file,
    generated_rows,
    make_year,
    roster_counts,
    student_row,
)
from tests.support import translated


@pytest.mark.committed
def test_admin_imports_a_roster_with_one_bad_row(
    app: Flask, committed_db: None, live_server: str, browser_page: Page, tmp_path: Path
) -> None:
    with app.app_context():
        world = make_world()
        make_year(world.a)
        slug, school_id, admin_id = world.a.slug, world.a.school.id, world.a.admin.id
    students = generated_rows(per_class=10)  # 20 students in 6A1 and 6A2
    bad = student_row("79000000099", "Lê Thị Hoa", "6A1", father_name="Lê Văn Hùng", father_phone="0912 abc 678")
    roster = tmp_path / "danh-sach-hoc-sinh.csv"
    roster.write_bytes(csv_file([*students, bad]))  # the bad row is line 22
    page = browser_page
    phone_width = page.viewport_size["width"] if page.viewport_size else 0
    school_url = f"{live_server}/s/{slug}"
    main = page.locator("main")

    page.goto(f"{school_url}/login")
    main.get_by_label("Tên đăng nhập").fill("admin")
    main.get_by_label("Mật khẩu").fill(PASSWORD)
    main.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(f"{school_url}/home")

    # Upload the file.
    page.goto(f"{school_url}/roster/import/")
    expect(main.get_by_role("heading", level=1)).to_have_text(translated(app, "Import a roster"))
    main.locator('input[type="file"]').set_input_files(roster)
    main.get_by_role("button", name=translated(app, "Check the file")).click()

    # The preview: counts, and the bad row with its line, column, value and reason.
    expect(page).to_have_url(re.compile(rf"^{re.escape(school_url)}/roster/import/\d+$"))
    expect(main.get_by_role("heading", level=1)).to_have_text(translated(app, "Check the import"))
    expect(main.locator('[data-test="created"]')).to_have_text("20")
    expect(main.locator('[data-test="skipped"]')).to_have_text("1")
    error_rows = main.locator("table.errors tbody tr")
    expect(error_rows).to_have_count(1)
    expect(error_rows.first.locator("td")).to_have_text(
        ["22", "Điện thoại cha", "0912 abc 678", translated(app, PHONE_NOT_DIGITS)]
    )
    assert_no_horizontal_scroll(page, phone_width)
    screenshot(page, "roster-import-preview")
    with app.app_context():
        assert roster_counts(school_id)["students"] == 0  # nothing written before the confirm

    # Confirm: the result lists the skipped line.
    main.locator('[data-test="confirm"]').click()
    expect(main.get_by_role("status")).to_have_text(translated(app, "The roster has been imported."))
    expect(main.locator('[data-test="created"]')).to_have_text("20")
    expect(main.locator('[data-test="skipped"]')).to_have_text("1")
    expect(main).to_contain_text(f"{translated(app, 'Lines not imported:')} 22")
    screenshot(page, "roster-import-result")

    # The class list shows the imported students.
    main.get_by_role("link", name=translated(app, "See the classes")).click()
    expect(page).to_have_url(f"{school_url}/classes/")
    class_rows = main.locator("table.list tbody tr")
    expect(class_rows).to_have_count(3)
    for row, (name, size) in zip(range(3), [("6A1", "10"), ("6A2", "10"), ("7A1", "0")], strict=True):
        cells = class_rows.nth(row).locator("td")
        expect(cells.first).to_have_text(name)
        expect(cells.last).to_have_text(size)
    assert_no_horizontal_scroll(page, phone_width)

    # What the browser did is in the database.
    with app.app_context():
        db.session.remove()
        assert roster_counts(school_id) == counts_after_import(students)
        record = db.session.scalars(select(RosterImport).where(RosterImport.school_id == school_id)).one()
        assert (record.status, record.uploaded_by_id, record.summary["skipped_lines"]) == ("applied", admin_id, [22])
