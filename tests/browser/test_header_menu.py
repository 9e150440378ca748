"""In a real browser: on a phone the header is one line with a Menu button that opens the menu; wide, the menu shows."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import TIMEOUT_MS
from tests.factories import PASSWORD, make_world

ONE_LINE_PX = 80  # the header of one line (brand and Menu button) is about 60 px; four lines were 175 px


def log_in_as_admin(app: Flask, page: Page, live_server: str) -> str:
    with app.app_context():
        slug = make_world().a.slug
    school_url = f"{live_server}/s/{slug}"
    page.goto(f"{school_url}/login")
    main = page.locator("main")
    main.get_by_label("Tên đăng nhập").fill("admin")
    main.get_by_label("Mật khẩu").fill(PASSWORD)
    main.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(f"{school_url}/home")
    return school_url


def header_height(page: Page) -> float:
    box = page.locator("header.top").bounding_box()
    assert box is not None
    return box["height"]


@pytest.mark.committed
def test_on_a_phone_the_menu_is_one_button_that_opens_and_its_links_work(
    app: Flask, committed_db: None, live_server: str, browser_page: Page
) -> None:
    page = browser_page
    school_url = log_in_as_admin(app, page, live_server)
    menu_button = page.locator("header.top summary")
    nav = page.locator("header.top nav")

    assert header_height(page) < ONE_LINE_PX
    expect(menu_button).to_be_visible()
    expect(menu_button).to_have_text("Menu")
    expect(nav).to_be_hidden()

    menu_button.click()
    expect(nav).to_be_visible()
    assert header_height(page) < ONE_LINE_PX  # the open menu lies over the page, the header keeps its height
    nav.get_by_role("link", name="Cán bộ, giáo viên").click()
    expect(page).to_have_url(f"{school_url}/staff/")
    expect(nav).to_be_hidden()

    menu_button.click()
    nav.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(f"{school_url}/login")


@pytest.mark.committed
def test_on_a_wide_screen_the_menu_shows_without_a_button(
    app: Flask, committed_db: None, live_server: str, chromium: Browser
) -> None:
    context = chromium.new_context(locale="vi-VN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        school_url = log_in_as_admin(app, page, live_server)
        nav = page.locator("header.top nav")
        expect(nav).to_be_visible()
        expect(page.locator("header.top summary")).to_be_hidden()
        assert header_height(page) < ONE_LINE_PX
        nav.get_by_role("link", name="Nhật ký hoạt động").click()
        expect(page).to_have_url(f"{school_url}/audit/")
    finally:
        context.close()


@pytest.mark.committed
def test_the_favicon_is_linked_and_served(app: Flask, committed_db: None, live_server: str, browser_page: Page) -> None:
    page = browser_page
    page.goto(f"{live_server}/login")
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert icon and page.request.get(live_server + icon).status == 200
    response = page.request.get(f"{live_server}/favicon.ico")
    assert response.status == 200 and response.body()[:4] == b"\x00\x00\x01\x00"
