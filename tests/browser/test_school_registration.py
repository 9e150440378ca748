"""In a real browser: a school registers through its invitation, the officer approves it, and the new admin
sets a password from the emailed link and signs in at the school's own address (`<slug>.contactbook.test`)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from contactbook.campaigns import services as campaigns
from contactbook.campaigns.links import invitation_token
from contactbook.extensions import db
from contactbook.models import AccountEmail, RegistrationStatus, School, SchoolLevel, SchoolRegistration
from contactbook.timezones import school_today
from tests.factories import PASSWORD, make_world

NEW_PASSWORD = "Son-ca-2026-moi"


def _setup_link(address: str) -> str:
    body = db.session.scalars(
        select(AccountEmail.body).where(AccountEmail.to_address == address).order_by(AccountEmail.id.desc())
    ).first()
    assert body is not None, f"no email to {address}"
    found = re.search(r"/account/password/[A-Za-z0-9_.\-]+", body)
    assert found, body
    return found.group(0)


@pytest.mark.committed
def test_school_registers_officer_approves_admin_signs_in_at_its_own_address(
    app: Flask, committed_db: None, live_server: str, browser_page: Page
) -> None:
    with app.app_context():
        world = make_world()
        today = school_today()
        campaign = campaigns.open_campaign(
            world.officer,
            authority=world.ward,
            title="Đăng ký trang thông tin điện tử",
            school_year=f"{today.year}-{today.year + 1}",
            opens_on=today - timedelta(days=1),
            deadline=today + timedelta(days=14),
            website_fee=1_200_000,
        )
        row = campaigns.InvitationRow(
            "Trường Mầm non Sơn Ca", SchoolLevel.PRESCHOOL, "sonca@example.edu.vn", world.ward.id
        )
        invitation = campaigns.add_invitation(world.officer, campaign, row, [world.ward.id])
        invitation_link = f"{live_server}/register/{invitation_token(invitation.id)}"
        taken_slug = world.a.slug
    page = browser_page
    port = urlsplit(live_server).port

    # The school opens its invitation and registers; the address it asks for is checked as it types.
    page.goto(invitation_link)
    page.fill("input[name=school_name]", "Trường Mầm non Sơn Ca")
    page.select_option("select[name=level]", "preschool")
    page.fill("input[name=address]", "7 Nguyễn Trãi, phường Sài Gòn")
    page.locator("input[name=requested_slug]").press_sequentially(taken_slug)
    expect(page.locator("#slug-check")).to_have_class(re.compile("error-text"))
    page.fill("input[name=requested_slug]", "")
    page.locator("input[name=requested_slug]").press_sequentially("mn-son-ca")
    expect(page.locator("#slug-check")).not_to_have_class(re.compile("error-text"))
    page.fill("input[name=admin_full_name]", "Trần Thị Ca")
    page.fill("input[name=admin_email]", "ca.tt@example.edu.vn")
    page.fill("input[name=admin_phone]", "0912 345 000")
    page.select_option("select[name=survey_has_website]", "no")
    page.get_by_role("button", name="Gửi đăng ký").click()
    expect(page.locator("main")).to_contain_text("Trường Mầm non Sơn Ca")
    with app.app_context():
        registration = db.session.scalars(select(SchoolRegistration)).one()
        assert registration.status == RegistrationStatus.SUBMITTED and registration.requested_slug == "mn-son-ca"
        registration_id = registration.id

    # The officer reviews it and approves.
    page.context.clear_cookies()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server}/platform/authority/campaigns/registrations/{registration_id}")
    expect(page.locator("main")).to_contain_text("mn-son-ca")
    page.get_by_role("button", name="Chấp thuận", exact=True).click()
    with app.app_context():
        school = db.session.scalars(select(School).where(School.slug == "mn-son-ca")).one()
        assert school.domain == "mn-son-ca.contactbook.test"
        link = _setup_link("ca.tt@example.edu.vn")

    # The new admin sets a password from the emailed link, at the school's own address, and signs in there.
    page.context.clear_cookies()
    own = f"http://mn-son-ca.contactbook.test:{port}"
    page.goto(own + link)
    page.fill("input[name=new]", NEW_PASSWORD)
    page.fill("input[name=confirm]", NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"^http://mn-son-ca\.contactbook\.test:\d+(/s/mn-son-ca)?/login"))
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"^http://mn-son-ca\.contactbook\.test:\d+(/s/mn-son-ca)?/home"))
    expect(page.locator("body")).to_contain_text("Trường Mầm non Sơn Ca")
    expect(page.locator("body")).to_contain_text("Đăng xuất")
    page.goto(own + "/")  # the public page at the domain root
    expect(page.locator("main")).to_contain_text("Trường Mầm non Sơn Ca")
