"""In a real browser on a small phone (360×740): a mother asks for her child's leave in the portal's attendance
tab, the homeroom teacher approves it on her own phone, and the mother sees it approved.

The family is signed in by its session cookie, made with the app's own session interface (the sign-in flow
has its own browser test): exactly the cookie a proved sign-in sets.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.family.session import SESSION_KEY, session_data
from contactbook.models import LeaveRequest, LeaveStatus
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_staff_admin import assert_no_horizontal_scroll, screenshot
from tests.factories import PASSWORD, make_world
from tests.family.support import family_for
from tests.leave_requests.factories import MOTHER, make_leave_world

SMALL_PHONE = {"width": 360, "height": 740}


def phone(chromium: Browser) -> Page:
    context = chromium.new_context(
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport=SMALL_PHONE,  # type: ignore[arg-type]
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


@pytest.fixture
def two_phones(chromium: Browser) -> Iterator[tuple[Page, Page]]:
    """The mother's phone and the teacher's, each its own browser context (own cookies)."""
    pages = (phone(chromium), phone(chromium))
    try:
        yield pages
    finally:
        for page in pages:
            page.context.close()


@pytest.mark.committed
def test_a_mothers_leave_request_is_approved_by_the_homeroom_teacher(
    app: Flask, committed_db: None, live_server: str, two_phones: tuple[Page, Page]
) -> None:
    with app.test_request_context():
        lw = make_leave_world(make_world().a)
        family = session_data(family_for(phone=MOTHER))
        db.session.commit()
        an_id, slug, tomorrow = lw.an.id, lw.people.slug, lw.today + timedelta(days=1)
        cookie = app.session_interface.get_signing_serializer(app).dumps({SESSION_KEY: family})  # type: ignore[attr-defined]
        db.session.remove()
    mother, teacher = two_phones
    mother.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie, "url": live_server}])
    main = mother.locator("main")

    # The mother opens the child's attendance tab and asks for tomorrow.
    mother.goto(f"{live_server}/family/children/{an_id}/")
    main.get_by_role("link", name="Chuyên cần").click()
    expect(
        main.get_by_role("table", name=f"Chuyên cần của Nguyễn Văn An tháng {lw.today.strftime('%m/%Y')}")
    ).to_be_visible()
    assert_no_horizontal_scroll(mother, SMALL_PHONE["width"])
    main.get_by_label("Từ ngày").fill(tomorrow.isoformat())
    main.get_by_label("Đến ngày").fill(tomorrow.isoformat())
    main.get_by_label("Buổi sáng").check()
    main.get_by_label("Lý do").fill("Cháu đi khám răng")
    main.get_by_role("button", name="Gửi đơn").click()
    expect(main.locator(".flash")).to_contain_text("Đơn xin nghỉ học đã được gửi tới giáo viên chủ nhiệm")
    expect(main.locator("[data-test=leave-status]")).to_have_text("Đang chờ trả lời")
    assert_no_horizontal_scroll(mother, SMALL_PHONE["width"])
    screenshot(mother, "family-leave-request")

    # The homeroom teacher finds it first in her list and approves it.
    staff = teacher.locator("main")
    teacher.goto(f"{live_server}/s/{slug}/login")
    staff.get_by_label("Tên đăng nhập").fill("homeroom")
    staff.get_by_label("Mật khẩu").fill(PASSWORD)
    staff.get_by_role("button", name="Đăng nhập").click()
    teacher.goto(f"{live_server}/s/{slug}/leave-requests/")
    staff.get_by_role("link", name="Nguyễn Văn An").first.click()
    expect(staff.locator("[data-test=reason]")).to_have_text("Cháu đi khám răng")
    staff.get_by_label("Ghi chú gửi gia đình (không bắt buộc)").fill("Chúc cháu mau khỏe")
    staff.get_by_role("button", name="Chấp thuận", exact=True).click()
    expect(staff.locator("[data-test=status]")).to_contain_text("Đã chấp thuận")
    assert_no_horizontal_scroll(teacher, SMALL_PHONE["width"])

    # The mother sees the answer, with the teacher's note, and no button to withdraw any more.
    mother.reload()
    expect(main.locator("[data-test=leave-status]")).to_have_text("Đã chấp thuận")
    expect(main.get_by_text("Ghi chú của nhà trường: Chúc cháu mau khỏe")).to_be_visible()
    expect(main.get_by_role("button", name="Rút đơn này")).to_have_count(0)
    screenshot(mother, "family-leave-approved")

    with app.app_context():
        request = db.session.scalars(select(LeaveRequest)).one()
        assert (request.status, request.slots, request.starts_on) == (LeaveStatus.APPROVED, "morning", tomorrow)
        db.session.remove()
