"""In a real browser on a small phone (360×740): a mother types her number on the families' portal, a real
Celery worker sends the code through a fake Twilio (another process), she types the code read from the fake
Twilio and lands on her children, in both their schools. The portal links its manifest and icons.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, ViewportSize, expect

from contactbook.extensions import db
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_staff_admin import assert_no_horizontal_scroll, screenshot
from tests.factories import make_world
from tests.messaging.conftest import DeliveryWorker, FakeTwilio, wait_until
from tests.roster.factories import make_class_world

SMALL_PHONE: ViewportSize = {"width": 360, "height": 740}
MOTHER = "+84912345678"  # the mother of each class world
SMS_TIMEOUT = 30.0


@pytest.fixture
def small_phone(chromium: Browser) -> Iterator[Page]:
    """A fresh browser context the size of a small Android phone, in Vietnamese."""
    context = chromium.new_context(
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport=SMALL_PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def code_sent_to(twilio: FakeTwilio, phone: str) -> str:
    """The 6-digit code of the SMS the fake Twilio accepted for `phone` (waiting for the worker to send it)."""
    found: list[str] = []

    def arrived() -> bool:
        for key in twilio.stats()["accepted_messages"]:
            to, _, body = key.partition("|")
            match = re.search(r"\b(\d{6})\b", body)
            if to == phone and match:
                found.append(match.group(1))
        return bool(found)

    wait_until(arrived, SMS_TIMEOUT, 0.3, f"the sign-in SMS to {phone}")
    return found[-1]


@pytest.mark.committed
def test_a_mother_signs_in_with_the_code_from_her_sms_and_sees_her_children(
    app: Flask,
    committed_db: None,
    live_server: str,
    small_phone: Page,
    calling_back_twilio: FakeTwilio,
    sms_worker: DeliveryWorker,
) -> None:
    with app.app_context():
        world = make_world()
        alpha = make_class_world(world.a)
        beta = make_class_world(world.b)  # the same mother, with the same number, in the other school
        names = {world.a.school.name, world.b.school.name}
        assert alpha.guardian.phone == beta.guardian.phone == MOTHER
        db.session.remove()
    page = small_phone
    main = page.locator("main")

    page.goto(f"{live_server}/family/")
    expect(page).to_have_url(re.compile(r"/family/sign-in\?next="))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator('link[rel="manifest"]')).to_have_attribute("href", "/family/manifest.webmanifest")
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])
    screenshot(page, "family-sign-in")

    main.get_by_role("textbox", name="Số điện thoại di động").fill("0912 345 678")
    main.get_by_role("button", name="Gửi mã cho tôi").click()
    code_field = main.get_by_role("textbox", name="Mã trong tin nhắn SMS")
    expect(code_field).to_be_visible()
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])
    screenshot(page, "family-code")

    code = code_sent_to(calling_back_twilio, MOTHER)  # sent by the worker, through the fake Twilio
    code_field.fill(code)
    main.get_by_role("button", name="Đăng nhập").click()

    expect(page).to_have_url(f"{live_server}/family/")
    expect(main.get_by_role("heading", level=1)).to_have_text("Các con của tôi")
    for name in names:
        expect(main.get_by_role("heading", level=2, name=name)).to_be_visible()
    expect(main.get_by_text("Nguyễn Văn An")).to_have_count(2)
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])
    screenshot(page, "family-children")

    manifest = page.request.get(f"{live_server}/family/manifest.webmanifest")
    assert manifest.ok and manifest.headers["content-type"].startswith("application/manifest+json")
    for icon in manifest.json()["icons"]:
        assert page.request.get(live_server + icon["src"]).headers["content-type"] == "image/png"
    stats = calling_back_twilio.stats()
    assert stats["accepted"] == 1 and stats["duplicates"] == {}
