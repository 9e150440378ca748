"""In a real browser on a phone: the school admin switches the paid service on, publishes a plan, records a
parent's paper consent form, and prints the consent receipt (without the site's menus)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import Plan, ServiceSettings, Subscription
from tests.browser.test_staff_admin import assert_no_horizontal_scroll, screenshot
from tests.factories import PASSWORD, make_world
from tests.roster.factories import make_class_world
from tests.support import translated


@pytest.mark.committed
def test_admin_records_a_paper_consent_and_prints_its_receipt(
    app: Flask, committed_db: None, live_server: str, browser_page: Page
) -> None:
    with app.app_context():
        world = make_world()
        roster = make_class_world(world.a)
        slug, school_id, school_name = world.a.slug, world.a.school.id, world.a.school.name
        student_id, guardian_id = roster.student.id, roster.guardian.id
        student_name, guardian_name = roster.student.full_name, roster.guardian.full_name
    page = browser_page
    phone_width = page.viewport_size["width"] if page.viewport_size else 0
    service_url = f"{live_server}/s/{slug}/service"
    main = page.locator("main")

    page.goto(f"{live_server}/s/{slug}/login")
    main.get_by_label("Tên đăng nhập").fill("admin")
    main.get_by_label("Mật khẩu").fill(PASSWORD)
    main.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(f"{live_server}/s/{slug}/home")

    # The dashboard leads to the service's settings; switch the service on, confirming what it means.
    main.locator(f'a[href="/s/{slug}/service/settings"]').click()
    expect(page).to_have_url(f"{service_url}/settings")
    expect(main.locator("#service-switch.off")).to_be_visible()
    main.locator("#service-switch input[name=confirm]").check()
    main.locator('[data-test="switch-on"]').click()
    expect(page).to_have_url(f"{service_url}/settings")
    expect(main.locator("#service-switch.on")).to_be_visible()
    expect(main.locator('[data-test="switch-off"]')).to_be_visible()
    assert_no_horizontal_scroll(page, phone_width)
    screenshot(page, "service-settings")

    # Publish a monthly plan, its price typed the Vietnamese way.
    page.goto(f"{service_url}/plans/")
    main.locator("#name").fill("Gói tháng")
    main.locator("#price").fill("50.000")
    main.locator("#period").select_option("month")
    main.locator("#sms").check()
    main.locator("#email").check()
    main.locator('[data-test="publish-plan"]').click()
    expect(page).to_have_url(f"{service_url}/plans/")
    expect(main.locator("table.list")).to_contain_text("50.000 đ")
    assert_no_horizontal_scroll(page, phone_width)

    # Find the student, pick the mother, and record her signed paper form.
    page.goto(f"{service_url}/subscriptions/new")
    main.locator("#q").fill("nguyen van an")
    main.locator("#q").press("Enter")
    main.locator(f'[data-test="pick-{student_id}-{guardian_id}"]').click()
    expect(page).to_have_url(re.compile(rf"student_id={student_id}&guardian_id={guardian_id}$"))
    expect(main.locator('[data-test="voluntary"]')).to_be_visible()
    expect(main.locator("#given_by")).to_have_value(guardian_name)
    main.locator("#sms").check()
    main.locator("#email").check()
    main.locator('input[name="purposes"][value="grades_sms"]').check()
    main.locator('input[name="purposes"][value="notices_email"]').check()
    main.locator("#child_consent").check()  # An is 7 or older: his own consent too
    assert_no_horizontal_scroll(page, phone_width)
    screenshot(page, "consent-form")
    main.locator('[data-test="record"]').click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(service_url)}/subscriptions/\d+$"))
    subscription_id = int(page.url.rsplit("/", 1)[1])
    assert_no_horizontal_scroll(page, phone_width)
    screenshot(page, "subscription")

    # The consent receipt, on screen then as printed.
    main.locator('[data-test="receipt-link"]').click()
    expect(page).to_have_url(f"{service_url}/subscriptions/{subscription_id}/consent-receipt")
    receipt = main.locator('[data-test="receipt"]')
    expect(receipt).to_contain_text(school_name)
    expect(receipt.locator('[data-test="student"]')).to_have_text(student_name)
    expect(receipt.locator('[data-test="guardian"]')).to_have_text(guardian_name)
    expect(receipt.locator('[data-test="plan"]')).to_contain_text("Gói tháng")
    expect(receipt.locator('[data-test="plan"]')).to_contain_text("50.000 đ")
    expect(receipt.locator('[data-test="given-by"]')).to_have_text(guardian_name)
    expect(receipt.locator('[data-test="method"]')).to_have_text(translated(app, "Paper form"))
    expect(receipt.locator('[data-test="child-consent"]')).to_have_text(
        translated(app, "Given (the student is 7 or older)")
    )
    expect(receipt.locator('[data-test="recorded-by"]')).to_have_text(f"Admin {slug}")
    purposes = receipt.locator('[data-test="purposes"] li')
    expect(purposes).to_have_text([translated(app, "Grades by SMS"), translated(app, "Notices by email")])
    expect(page.locator("header.top")).to_be_visible()
    assert_no_horizontal_scroll(page, phone_width)
    screenshot(page, "consent-receipt")

    # The Print button calls the browser's print through the external script (no inline script allowed).
    page.evaluate("window.print = () => { window.printed = true; }")
    main.locator("[data-print]").click()
    assert page.evaluate("window.printed === true")

    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("header.top nav")).to_be_hidden()
    expect(main.locator("[data-print]")).to_be_hidden()
    expect(main.locator(".no-print").first).to_be_hidden()
    expect(receipt).to_be_visible()
    expect(receipt.locator(".signatures")).to_be_visible()
    screenshot(page, "consent-receipt-print")

    with app.app_context():
        db.session.remove()
        settings = db.session.get(ServiceSettings, school_id)
        assert settings is not None and settings.enabled
        plan = db.session.scalar(select(Plan).where(Plan.school_id == school_id))
        assert plan is not None and plan.price == 50_000
        subscription = db.session.get(Subscription, subscription_id)
        assert subscription is not None
        assert (subscription.student_id, subscription.guardian_id, subscription.plan_id) == (
            student_id,
            guardian_id,
            plan.id,
        )
        assert sorted(row.purpose for row in subscription.consents[0].purposes) == ["grades_sms", "notices_email"]
        assert subscription.consents[0].child_consent is True
