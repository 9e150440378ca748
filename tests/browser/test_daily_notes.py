"""In a real browser on a phone: a preschool's homeroom teacher writes the class's day on one screen (a "same for
everyone" line and one child's own box), saves once, and finds it there; the page never scrolls sideways."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from contactbook.extensions import db
from contactbook.models import DailyNote
from tests.browser.test_staff_admin import assert_no_horizontal_scroll, screenshot
from tests.daily_notes.support import subscribed_preschool
from tests.factories import PASSWORD


@pytest.mark.committed
def test_a_homeroom_teacher_writes_the_class_notes_on_a_phone(
    app: Flask, committed_db: None, live_server: str, browser_page: Page
) -> None:
    with app.app_context():
        world = subscribed_preschool(3)
        world.school_class.homeroom_teacher_id = world.people.staff["homeroom"].id
        db.session.commit()
        slug, (an, binh, _) = world.school.slug, world.student_ids
        db.session.remove()
    page = browser_page
    phone_width = page.viewport_size["width"] if page.viewport_size else 0
    main = page.locator("main")

    page.goto(f"{live_server}/s/{slug}/login")
    main.get_by_label("Tên đăng nhập").fill("homeroom")
    main.get_by_label("Mật khẩu").fill(PASSWORD)
    main.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server}/s/{slug}/daily-notes/")
    main.get_by_role("link", name="Lớp 6A1").click()
    assert_no_horizontal_scroll(page, phone_width)

    main.get_by_text("Giống nhau cho cả lớp").click()
    main.locator('[name="meals-all"]').fill("Ăn hết suất")
    main.get_by_label("Giấc ngủ — Nguyễn Văn Bình").fill("Ngủ 2 tiếng")
    main.get_by_label("Bữa ăn — Nguyễn Văn An").fill("Ăn nửa suất")
    main.get_by_role("button", name="Lưu ghi chú của cả lớp").click()

    expect(page.locator(".flash")).to_contain_text("Đã lưu ghi chú ngày")
    expect(main.locator(f'[name="meals-{an}"]')).to_have_value("Ăn nửa suất")  # its own box: kept
    expect(main.locator(f'[name="meals-{binh}"]')).to_have_value("Ăn hết suất")  # empty: the class's line
    expect(main.locator(f'[name="nap-{binh}"]')).to_have_value("Ngủ 2 tiếng")
    assert_no_horizontal_scroll(page, phone_width)
    screenshot(page, "daily-notes-class")
    with app.app_context():
        assert db.session.query(DailyNote).count() == 3
        db.session.remove()
