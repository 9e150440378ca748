"""In a real browser on a phone: the school admin logs in, creates a teacher and grants a role."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import AuditLog, User
from tests.factories import PASSWORD, make_world
from tests.support import grants_of

# When set, the test saves full-page screenshots into this folder (to look at the pages by eye).
SCREENSHOT_DIR = os.environ.get("BROWSER_SCREENSHOTS", "")
NEW_FULL_NAME = "Nguyễn Thị Lan"
NEW_USERNAME = "lan.nguyen"
NEW_EMAIL = "lan.nguyen@example.edu.vn"
NEW_PASSWORD = "Hoa-sen-2025"


def screenshot(page: Page, name: str) -> None:
    if SCREENSHOT_DIR:
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{name}.png"), full_page=True)


# The document's width, the layout viewport's, and the elements wider than the phone (`width`).
MEASURE_WIDTH = """(width) => {
  const wide = [...document.querySelectorAll("body *")]
    .map((el) => [el, Math.round(el.getBoundingClientRect().right)])
    .filter(([el, right]) => right > width)
    .map(([el, right]) => `<${el.tagName.toLowerCase()} class="${el.className}"> ends at ${right}px`);
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, wide: wide.slice(0, 8)};
}"""


def assert_no_horizontal_scroll(page: Page, phone_width: int) -> None:
    """The page fits the phone's width: nothing to scroll sideways, and the browser did not widen its
    layout viewport to fit something too wide (a mobile browser does, then innerWidth > phone width)."""
    size = page.evaluate(MEASURE_WIDTH, phone_width)
    assert size["innerWidth"] == phone_width, f"{page.url} is wider than the phone: {size}"
    assert size["scrollWidth"] <= size["innerWidth"], f"{page.url} scrolls sideways: {size}"


@pytest.mark.committed
def test_admin_creates_teacher_and_grants_role(
    app: Flask, committed_db: None, live_server: str, browser_page: Page
) -> None:
    with app.app_context():
        world = make_world()
        slug, school_id, school_name = world.a.slug, world.a.school.id, world.a.school.name
        admin_id = world.a.admin.id
    page = browser_page
    phone_width = page.viewport_size["width"] if page.viewport_size else 0
    school_url = f"{live_server}/s/{slug}"
    main = page.locator("main")

    # Log in through the Vietnamese login form.
    page.goto(f"{school_url}/login")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(main.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    main.get_by_label("Tên đăng nhập").fill("admin")
    main.get_by_label("Mật khẩu").fill(PASSWORD)
    main.get_by_role("button", name="Đăng nhập").click()

    # The school's dashboard, in Vietnamese.
    expect(page).to_have_url(f"{school_url}/home")
    expect(main.get_by_role("heading", level=1)).to_have_text(school_name)
    page.locator("header.top summary").click()  # on a phone the header menu opens from its Menu button
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()

    # Staff list, then the new-account form.
    page.get_by_role("navigation").get_by_role("link", name="Cán bộ, giáo viên").click()
    expect(page).to_have_url(f"{school_url}/staff/")
    expect(main.get_by_role("heading", level=1)).to_have_text("Cán bộ, giáo viên")
    expect(main.get_by_role("link", name=f"Admin {slug}")).to_be_visible()
    assert_no_horizontal_scroll(page, phone_width)
    screenshot(page, "staff")
    main.get_by_role("link", name="Thêm tài khoản cán bộ, giáo viên").click()
    expect(page).to_have_url(f"{school_url}/staff/new")

    main.get_by_label("Họ và tên").fill(NEW_FULL_NAME)
    main.get_by_label("Tên đăng nhập").fill(NEW_USERNAME)
    main.get_by_label("Email").fill(NEW_EMAIL)
    main.get_by_label("Mật khẩu ban đầu").fill(NEW_PASSWORD)
    assert_no_horizontal_scroll(page, phone_width)
    main.get_by_role("button", name="Tạo tài khoản").click()

    # The new account's page.
    expect(page).to_have_url(re.compile(rf"^{re.escape(school_url)}/staff/\d+$"))
    expect(main.get_by_role("status")).to_have_text(f"Đã tạo tài khoản {NEW_USERNAME}.")
    expect(main.get_by_role("heading", level=1)).to_have_text(NEW_FULL_NAME)
    teacher_role = main.locator("ul.grants li").filter(has_text="Giáo viên bộ môn")
    expect(teacher_role.locator("span")).not_to_have_class("held")

    # Grant the subject-teacher role.
    main.locator('[data-test="grant-teacher"]').click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(school_url)}/staff/\d+$"))
    expect(main.get_by_role("status")).to_have_text("Đã lưu.")
    expect(teacher_role.locator("span")).to_have_class("held")
    expect(teacher_role.locator('[data-test="revoke-teacher"]')).to_have_text("Thu hồi")
    expect(main.locator('[data-test="grant-teacher"]')).to_have_count(0)
    assert_no_horizontal_scroll(page, phone_width)
    screenshot(page, "staff-detail")
    new_user_id = int(page.url.rsplit("/", 1)[1])

    # What the browser did is in the database.
    with app.app_context():
        db.session.remove()
        user = db.session.scalar(select(User).where(User.school_id == school_id, User.username == NEW_USERNAME))
        assert user is not None
        assert user.id == new_user_id
        assert (user.full_name, user.email) == (NEW_FULL_NAME, NEW_EMAIL)
        assert ("role", "teacher") in grants_of(user.id)
        grants = db.session.scalars(
            select(AuditLog).where(
                AuditLog.action == "grant",
                AuditLog.school_id == school_id,
                AuditLog.target_type == "User",
                AuditLog.target_id == user.id,
            )
        ).all()
        assert [(row.actor_id, row.details) for row in grants] == [(admin_id, {"kind": "role", "name": "teacher"})]
