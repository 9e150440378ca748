"""In a real browser on a phone: a family asks its school for a copy of its data, the principal provides it
on the school's page, and the family downloads the ZIP."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from contactbook.extensions import db
from tests.browser.conftest import PHONE
from tests.browser.test_staff_admin import assert_no_horizontal_scroll, screenshot
from tests.data_requests.factories import family_of
from tests.factories import PASSWORD, make_world
from tests.family.support import sign_in_family
from tests.roster.factories import make_class_world

MOTHER = "+84912345678"  # the class world's guardian


def family_cookie(app: Flask) -> tuple[str, str]:
    """The name and value of a session cookie of the family of MOTHER (signed in without a code)."""
    with app.app_context():
        family_of(MOTHER)  # as a proved sign-in leaves it: the family's account saved
        db.session.commit()
    client = app.test_client()
    sign_in_family(app, client, phone=MOTHER)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    assert cookie is not None
    return name, cookie.value


@pytest.mark.committed
def test_a_family_asks_for_a_copy_and_downloads_it_once_the_school_provides_it(
    app: Flask, committed_db: None, live_server: str, browser_page: Page, chromium: Browser
) -> None:
    with app.app_context():
        world = make_world()
        roster = make_class_world(world.a)
        slug, school_name = world.a.slug, world.a.school.name
        student_name, guardian_name = roster.student.full_name, roster.guardian.full_name
    name, value = family_cookie(app)
    page = browser_page
    page.context.add_cookies([{"name": name, "value": value, "url": live_server}])
    main = page.locator("main")

    page.goto(f"{live_server}/family/data/")
    expect(main).to_contain_text(school_name)
    main.get_by_role("button", name="Yêu cầu bản sao dữ liệu của tôi").click()
    expect(main.locator(".flash")).to_contain_text("2 ngày làm việc")
    expect(main.locator("ul.requests")).to_contain_text("Đang chờ nhà trường")
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot(page, "family-data")

    staff = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport=PHONE, is_mobile=True)
    school = staff.new_page()
    school.goto(f"{live_server}/s/{slug}/login")
    school.locator("main").get_by_label("Tên đăng nhập").fill("principal")
    school.locator("main").get_by_label("Mật khẩu").fill(PASSWORD)
    school.locator("main").get_by_role("button", name="Đăng nhập").click()
    school.goto(f"{live_server}/s/{slug}/data-requests/")
    expect(school.locator("main table.list")).to_contain_text(guardian_name)
    assert_no_horizontal_scroll(school, PHONE["width"])
    screenshot(school, "school-data-requests")
    school.locator("main").get_by_role("link", name="Bản sao dữ liệu").click()
    assert_no_horizontal_scroll(school, PHONE["width"])
    screenshot(school, "school-data-request")
    school.locator("main").get_by_role("button", name="Đánh dấu đã cung cấp bản sao").click()
    expect(school.locator("main table.list")).to_contain_text("Đã cung cấp bản sao")
    staff.close()

    page.reload()
    with page.expect_download() as download:
        main.get_by_role("link", name="Tải bản sao (ZIP: JSON và CSV)").click()
    content = download.value.path().read_bytes()
    document = json.loads(zipfile.ZipFile(io.BytesIO(content)).read("data.json"))
    assert [child["full_name"] for child in document["sections"]["students"]] == [student_name]
