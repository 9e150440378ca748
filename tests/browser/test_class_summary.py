"""In a real browser on a 1280 px screen: the homeroom teacher's class summary of the demo (12 subjects,
three columns each) scrolls sideways inside its box, never the page, and the students' names stay in view."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy import select

from contactbook.demo.seed import DEMO_PASSWORD, seed
from contactbook.extensions import db
from contactbook.models import School, SchoolClass
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_staff_admin import screenshot

LAPTOP: ViewportSize = {"width": 1280, "height": 800}
# The box's and the first name's left edge, the header's last cell's right edge, and their scroll state.
MEASURE = """() => {
  const box = document.querySelector(".table-scroll");
  const name = document.querySelector("table.summary tbody th.name");
  const last = document.querySelector("table.summary thead tr:first-child th:last-child");
  const edge = (el) => el.getBoundingClientRect();
  return {
    pageWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
    boxLeft: edge(box).left, boxRight: edge(box).right, scrollWidth: box.scrollWidth, clientWidth: box.clientWidth,
    nameLeft: edge(name).left, nameRight: edge(name).right, lastRight: edge(last).right, lastText: last.textContent,
  };
}"""


@pytest.fixture
def laptop_page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport=LAPTOP)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.committed
def test_the_class_summary_scrolls_inside_its_box_with_the_names_fixed(
    app: Flask, committed_db: None, live_server: str, laptop_page: Page
) -> None:
    with app.app_context():
        seed()
        class_id = db.session.scalar(
            select(SchoolClass.id)
            .join(School, School.id == SchoolClass.school_id)
            .where(School.slug == "thcs-nguyen-du", SchoolClass.name == "6A1")
        )
        db.session.remove()
    page = laptop_page
    page.goto(f"{live_server}/s/thcs-nguyen-du/login")
    main = page.locator("main")
    main.get_by_label("Tên đăng nhập").fill("gvcn")
    main.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    main.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server}/s/thcs-nguyen-du/grades/class/{class_id}/summary")
    screenshot(page, "class-summary-1280")

    before = page.evaluate(MEASURE)
    assert before["pageWidth"] <= before["innerWidth"], f"the page scrolls sideways: {before}"
    assert before["boxRight"] - before["boxLeft"] > 0.9 * LAPTOP["width"], f"the table keeps a narrow box: {before}"
    assert before["scrollWidth"] > before["clientWidth"], f"the table does not scroll in its box: {before}"

    page.locator(".table-scroll").evaluate("(box) => { box.scrollLeft = box.scrollWidth; }")
    after = page.evaluate(MEASURE)
    assert abs(after["nameLeft"] - after["boxLeft"]) <= 1, f"the names scrolled away: {after}"
    assert after["lastRight"] <= after["boxRight"] + 1, f"the last column cannot be reached: {after}"
    assert after["lastText"].strip() == "Danh hiệu"
    # A result of semester I is shown for the first student, next to the name that stays in view.
    first_row = main.locator('[data-test="summary-row"]').first
    assert first_row.locator("th.name").is_visible()
    screenshot(page, "class-summary-1280-scrolled")
