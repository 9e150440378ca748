"""In a real browser on a phone: a homeroom teacher writes a notice to her class, reads what it will cost,
sends it, and watches the progress page count the SMS as delivered while a fake Twilio (another process)
posts its signed status callbacks to the live server's webhook. A real Celery worker sends the messages.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from contactbook.extensions import db
from contactbook.messaging.text import sms_segments, to_gsm
from contactbook.models import SchoolClass, ServiceSettings
from contactbook.subscriptions.labels import vnd
from tests.browser.test_staff_admin import assert_no_horizontal_scroll, screenshot
from tests.factories import PASSWORD
from tests.messaging.conftest import (
    AUTH_TOKEN,
    ROOT,
    DeliveryWorker,
    FakeTwilio,
    SmtpServer,
    build_subscribed_school,
    delivery_settings,
    free_port,
    phone_of,
    wait_until,
    worker_env,
)

STUDENTS = 3
WEBHOOK = "/webhooks/twilio/status"
DELIVERY_TIMEOUT_MS = 30_000
CALLBACK_DELAY = 1.0  # seconds before each of a message's status callbacks


@pytest.fixture
def callback_url(app: Flask, live_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The live server's webhook, and the app checking signatures against it (restored afterwards)."""
    url = live_server + WEBHOOK
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setitem(app.config, "TWILIO_STATUS_CALLBACK_URL", url)
    return url


@pytest.fixture
def calling_back_twilio(callback_url: str) -> Iterator[FakeTwilio]:
    """A fake Twilio of its own, posting signed callbacks (queued, sent, delivered) to the live server."""
    port = free_port()
    command = [sys.executable, "-m", "contactbook.dev.fake_twilio", "--port", str(port)]
    command += ["--auth-token", AUTH_TOKEN, "--callback-url", callback_url]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)
    fake = FakeTwilio(f"http://127.0.0.1:{port}", process)

    def answers() -> bool:
        try:
            fake.stats()
        except OSError:
            return False
        return True

    try:
        wait_until(answers, 15, 0.1, "the fake Twilio server")
        # As Twilio's, the reports come after the API's answer: 1 s apart, so "delivered" arrives after
        # the page has seen every message "sent" (it must keep asking) and after the worker has recorded
        # each message's sid (a report for a sid not yet recorded is dropped).
        fake.configure(callback_delay=CALLBACK_DELAY)
        yield fake
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def sms_worker(urls: dict[str, str], calling_back_twilio: FakeTwilio, callback_url: str) -> Iterator[DeliveryWorker]:
    """A real Celery worker sending SMS through the fake Twilio (nobody here has email: no SMTP needed)."""
    unused_smtp = SmtpServer("127.0.0.1", free_port())
    settings = delivery_settings(
        calling_back_twilio, unused_smtp, TWILIO_STATUS_CALLBACK_URL=callback_url, EMAIL_PROVIDER="console"
    )
    worker = DeliveryWorker(worker_env(urls, settings))
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


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
    expect(page).to_have_url(f"{live_server}/s/{slug}/")

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
