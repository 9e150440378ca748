"""In a real browser on a small phone (360×740): a mother subscribes her son with her consent and his, sees the
price before confirming, opens the consent receipt, then stops the service with the refund shown first."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.family.session import SESSION_KEY, session_data
from contactbook.models import Message, Subscription, SubscriptionStatus
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_staff_admin import assert_no_horizontal_scroll, screenshot
from tests.factories import make_world
from tests.family.service_support import PHONE, open_service
from tests.family.support import family_for

SMALL_PHONE = {"width": 360, "height": 740}


@pytest.fixture
def small_phone(chromium: Browser) -> Iterator[Page]:
    """A fresh Vietnamese browser context the size of a small phone."""
    context = chromium.new_context(
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport={"width": SMALL_PHONE["width"], "height": SMALL_PHONE["height"]},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def family_cookie(app: Flask, page: Page, live_server: str, phone: str) -> None:
    """Sign the browser in as the family of `phone`: its session cookie, signed by the app's session interface
    (the sign-in form itself is tested on its own)."""
    with app.app_context():
        data = session_data(family_for(phone))
        db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None
    value = serializer.dumps({SESSION_KEY: data, "_permanent": True})
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": live_server}])


@pytest.mark.committed
def test_a_family_subscribes_with_consent_then_stops_on_a_small_phone(
    app: Flask, committed_db: None, live_server: str, small_phone: Page
) -> None:
    with app.app_context():
        world = make_world()
        roster, plan = open_service(world.a)
        student_id, plan_id = roster.student.id, plan.id
    page, main = small_phone, small_phone.locator("main")
    family_cookie(app, page, live_server, PHONE)
    service_url = f"{live_server}/family/children/{student_id}/service/"

    page.goto(f"{live_server}/family/")
    main.locator(f'a[href="/family/children/{student_id}/service/"]').click()
    expect(page).to_have_url(service_url)
    expect(main.locator('[data-test="voluntary"]')).to_contain_text("tự nguyện")
    expect(main.locator('[data-test="plans"]')).to_contain_text("20.000 đ")
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])
    screenshot(page, "family-service")

    # Choose the plan, SMS, two purposes; An is 11: his own agreement on the same screen.
    main.locator('[data-test="subscribe"]').click()
    main.locator(f'input[name="plan_id"][value="{plan_id}"]').check()
    main.locator('input[name="sms"]').check()
    main.locator('input[name="purposes"][value="grades_sms"]').check()
    main.locator('input[name="purposes"][value="notices_sms"]').check()
    expect(main.locator('[data-test="child-agreement"]')).to_be_visible()
    main.locator('input[name="child_agrees"]').check()
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])
    screenshot(page, "family-subscribe")
    main.locator('[data-test="continue"]').click()

    # The price, before anything is recorded.
    expect(main.locator('[data-test="price"]')).to_contain_text("20.000 đ")
    with app.app_context():
        assert db.session.scalars(select(Subscription)).all() == []
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])
    main.locator('[data-test="confirm"]').click()
    expect(page).to_have_url(re.compile(re.escape(service_url) + r"#subscription-\d+$"))
    expect(main.locator('[data-test="current"]')).to_be_visible()
    expect(main.locator('[data-test="payment-instructions"]')).to_contain_text("20.000 đ")
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])

    # The consent receipt the school prints, given "Cổng phụ huynh", with the child's consent.
    main.locator('[data-test="consent-receipt"]').click()
    expect(main.locator('[data-test="method"]')).to_have_text("Cổng phụ huynh")
    expect(main.locator('[data-test="child-consent"]')).to_be_visible()
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])
    page.go_back()

    # Stop: the refund (nothing paid yet, nothing owed back) before confirming.
    main.locator('[data-test="stop"]').click()
    expect(main.locator('[data-test="refund"]')).to_contain_text("0 đ")
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])
    screenshot(page, "family-stop")
    main.locator('input[name="confirm"]').check()
    main.locator('[data-test="confirm-stop"]').click()
    expect(page).to_have_url(service_url)
    expect(main.locator('[data-test="current"]')).to_have_count(0)
    expect(main.locator('[data-test="subscribe"]')).to_be_visible()

    with app.app_context():
        subscription = db.session.scalars(select(Subscription)).one()
        assert subscription.status == SubscriptionStatus.CANCELLED and subscription.student_id == student_id
        kinds = db.session.scalars(select(Message.kind)).all()
        assert kinds == ["welcome"]  # the first SMS says where the portal is
