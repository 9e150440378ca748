"""In a real browser on a small phone (360×740): a mother opens her child's page from the portal, reads a
published grade and its chart, and acknowledges a notice ("Tôi đã đọc").

The family is signed in by its session cookie, made with the app's own session interface (the sign-in
flow has its own browser test): exactly the cookie a proved sign-in sets.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from contactbook.extensions import db
from contactbook.family.session import SESSION_KEY, session_data
from contactbook.models import NoticeRead
from contactbook.notices.services import Audience, create_notice
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_staff_admin import assert_no_horizontal_scroll, screenshot
from tests.factories import make_world
from tests.family.child_support import MOTHER, publish
from tests.family.support import family_for
from tests.grading.factories import make_grade_world

SMALL_PHONE = {"width": 360, "height": 740}


@pytest.fixture
def small_phone(chromium: Browser) -> Iterator[Page]:
    """A fresh browser context at 360×740: Vietnamese, touch."""
    context = chromium.new_context(
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport=SMALL_PHONE,  # type: ignore[arg-type]
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.committed
def test_a_mother_reads_a_grade_and_its_chart_and_acknowledges_a_notice(
    app: Flask, committed_db: None, live_server: str, small_phone: Page
) -> None:
    with app.test_request_context():
        world = make_world()
        gw = make_grade_world(world.a)
        publish(gw, gw.maths, gw.first, "tx1", {gw.an.id: "7"})
        publish(gw, gw.maths, gw.first, "gk", {gw.an.id: "8,5"})
        notice = create_notice(
            gw.people.school, gw.people.admin, title="Họp phụ huynh cuối kỳ", body="Họp lúc 7 giờ thứ Bảy.",
            category="general", urgent=False, audience=Audience("classes", (gw.roster.school_class.id,)),
        )  # fmt: skip
        family = session_data(family_for(phone=MOTHER))
        db.session.commit()
        an_id, notice_id = gw.an.id, notice.id
        cookie = app.session_interface.get_signing_serializer(app).dumps({SESSION_KEY: family})  # type: ignore[attr-defined]
        db.session.remove()
    page = small_phone
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie, "url": live_server}])
    main = page.locator("main")

    page.goto(f"{live_server}/family/")
    main.get_by_role("link", name="Nguyễn Văn An").click()
    expect(page).to_have_url(f"{live_server}/family/children/{an_id}/")
    maths = main.locator('[data-subject="Toán"]')
    expect(maths.locator('[data-column="gk-1"] dd')).to_have_text("8,5")
    chart = maths.get_by_role("img", name="Toán: điểm trong năm học")
    expect(chart).to_be_visible()
    expect(chart.locator("circle")).to_have_count(2)
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])
    screenshot(page, "family-child-grades")

    main.get_by_role("link", name="Thông báo").click()
    expect(main.get_by_role("heading", name="Họp phụ huynh cuối kỳ")).to_be_visible()
    main.get_by_role("button", name="Tôi đã đọc").click()
    expect(main.locator(f"#notice-{notice_id} [data-test=read]")).to_be_visible()
    expect(main.get_by_role("button", name="Tôi đã đọc")).to_have_count(0)
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])
    screenshot(page, "family-child-notices")

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NoticeRead)) == 1
        db.session.remove()
