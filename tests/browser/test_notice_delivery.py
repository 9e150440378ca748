"""In a real browser on a phone: a homeroom teacher writes a notice to her class, reads what it will cost
(she also manages the school's subscriptions: only staff who may see subscriptions see counts and cost),
sends it, and watches the progress page count the SMS as delivered while a fake Twilio (another process)
posts its signed status callbacks to the live server's webhook. A real Celery worker sends the messages.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from contactbook.auth.rules import Permission
from contactbook.extensions import db
from contactbook.messaging.text import sms_segments, to_gsm
from contactbook.models import Grant, SchoolClass, ServiceSettings
from contactbook.subscriptions.labels import vnd
from tests.browser.test_staff_admin import assert_no_horizontal_scroll, screenshot
from tests.factories import PASSWORD
from tests.messaging.conftest import (
    DeliveryWorker,
    FakeTwilio,
    build_subscribed_school,
    phone_of,
)

STUDENTS = 3
DELIVERY_TIMEOUT_MS = 30_000


@pytest.mark.committed
def test_homeroom_teacher_sends_a_class_notice_and_watches_it_delivered(
    app: Flask,
    committed_db: None,
    live_server: str,
    browser_page: Page,
    calling_back_twilio: FakeTwilio,
    sms_worker: DeliveryWorker,
) -> None:
    with app.app_context():
        world = build_subscribed_school(STUDENTS)
        homeroom = world.people.staff["homeroom"]
        school_class = db.session.get(SchoolClass, world.school_class.id)
        assert school_class is not None
        school_class.homeroom_teacher_id = homeroom.id
        manages = Permission.SUBSCRIPTIONS_MANAGE
        db.session.add(Grant(school_id=world.school.id, user_id=homeroom.id, kind="permission", name=manages))
        db.session.commit()
        settings = db.session.get(ServiceSettings, world.school.id)
        assert settings is not None
        slug, class_id, price = world.school.slug, school_class.id, settings.sms_segment_price
        student_names = [f"Nguyễn Văn Học {i}" for i in range(STUDENTS)]
        db.session.remove()
    page = browser_page
    phone_width = page.viewport_size["width"] if page.viewport_size else 0
    notices_url = f"{live_server}/s/{slug}/notices"
    main = page.locator("main")

    page.goto(f"{live_server}/s/{slug}/login")
    main.get_by_label("Tên đăng nhập").fill("homeroom")
    main.get_by_label("Mật khẩu").fill(PASSWORD)
    main.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(f"{live_server}/s/{slug}/home")

    # Write to her class.
    page.goto(f"{notices_url}/new")
    main.locator("#title").fill("Họp phụ huynh")
    main.locator("#body").fill("Kính mời phụ huynh dự họp lúc 8 giờ sáng thứ Bảy tại lớp.")
    main.locator("#category").select_option("general")
    main.locator('input[name="audience"][value="classes"]').check()
    main.locator(f'input[name="classes"][value="{class_id}"]').check()
    assert_no_horizontal_scroll(page, phone_width)
    main.locator('[data-test="preview-button"]').click()

    # The preview: who gets it and what it costs (every family's SMS carries its own child's name).
    preview = main.locator('[data-test="preview"]')
    expect(preview).to_be_visible()
    expect(preview.locator('[data-test="students"]')).to_have_text(str(STUDENTS))
    expect(preview.locator('[data-test="recipients-sms"]')).to_have_text(str(STUDENTS))
    expect(preview.locator('[data-test="recipients-email"]')).to_have_text("0")
    sample = preview.locator('[data-test="sms-text"]').inner_text()
    assert "Hop phu huynh" in sample and "em Lan:" in sample  # the school sends its SMS unaccented
    expected_segments = sum(sms_segments(sample.replace("Lan", to_gsm(name), 1))[1] for name in student_names)
    expect(preview.locator('[data-test="total-segments"]')).to_have_text(str(expected_segments))
    expect(preview.locator('[data-test="cost"]')).to_have_text(vnd(expected_segments * price))
    assert_no_horizontal_scroll(page, phone_width)
    screenshot(page, "notice-preview")

    # Send it; the progress page counts the SMS as the fake Twilio reports them delivered.
    preview.locator('[data-test="confirm"]').click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(notices_url)}/\d+$"))
    expect(main.locator("[data-total]")).to_have_text(str(STUDENTS))
    delivered = main.locator('[data-count="delivered"]')
    expect(delivered).to_have_text(str(STUDENTS), timeout=DELIVERY_TIMEOUT_MS)
    expect(main.locator('[data-count="queued"]')).to_have_text("0")
    expect(main.locator('[data-count="sent"]')).to_have_text("0")
    assert_no_horizontal_scroll(page, phone_width)
    screenshot(page, "notice-delivered")

    # The fake Twilio got each family's SMS exactly once, and its callbacks all reached the webhook.
    stats = calling_back_twilio.stats()
    assert stats["total"] == stats["accepted"] == STUDENTS
    assert stats["duplicates"] == {} and stats["accepted_duplicates"] == {}
    assert sorted(key.split("|", 1)[0] for key in stats["messages"]) == sorted(phone_of(i) for i in range(STUDENTS))
    assert set(stats["messages"].values()) == {1}
    assert stats["callback_errors"] == 0
