"""In a real browser on a small phone: a homeroom teacher marks her class of 45 in a few taps and one save."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from contactbook.extensions import db
from contactbook.models import AttendanceMark, AttendanceStatus, Message, SchoolClass, SchoolLevel
from tests.browser.test_staff_admin import assert_no_horizontal_scroll, screenshot
from tests.factories import PASSWORD
from tests.messaging.conftest import build_subscribed_school

STUDENTS = 45
SMALL_PHONE = {"width": 360, "height": 740}


@pytest.mark.committed
def test_homeroom_teacher_marks_a_class_of_45_on_a_phone(
    app: Flask, committed_db: None, live_server: str, browser_page: Page
) -> None:
    with app.app_context():
        world = build_subscribed_school(STUDENTS, slug="lop-diem-danh")
        school_class = db.session.get_one(SchoolClass, world.school_class.id)
        school_class.homeroom_teacher_id = world.people.staff["homeroom"].id
        db.session.commit()
        slug, ids = world.school.slug, world.student_ids
        db.session.remove()
    page = browser_page
    page.set_viewport_size(SMALL_PHONE)
    main = page.locator("main")

    page.goto(f"{live_server}/s/{slug}/login")
    main.get_by_label("Tên đăng nhập").fill("homeroom")
    main.get_by_label("Mật khẩu").fill(PASSWORD)
    main.get_by_role("button", name="Đăng nhập").click()
    page.get_by_text("Menu").click()
    page.locator("nav").get_by_role("link", name="Điểm danh").click()
    expect(main.locator('[data-test="state-day"]')).to_have_text("chưa điểm danh")
    main.get_by_role("link", name="Lớp 6A1").click()

    pupils = main.locator('[data-test="pupil"]')
    expect(pupils).to_have_count(STUDENTS)
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])
    absent, late = pupils.nth(3), pupils.nth(10)
    absent.get_by_text("Vắng không phép").click()
    late.get_by_text("Muộn").click()
    expect(absent.get_by_role("radio", name="Vắng không phép")).to_be_checked()
    screenshot(page, "attendance-class-phone")
    main.get_by_role("button", name="Lưu điểm danh").click()

    expect(page.locator(".flash.info")).to_contain_text("Đã lưu điểm danh")
    expect(main.locator('[data-test="sheet-state"]')).to_contain_text("điểm danh lúc")
    expect(main.locator('[data-test="pupil"]').nth(3).get_by_role("radio", name="Vắng không phép")).to_be_checked()
    with app.app_context():
        stored = dict(db.session.execute(select(AttendanceMark.student_id, AttendanceMark.status)).tuples().all())
        alerts = db.session.scalar(select(func.count()).select_from(Message).where(Message.kind == "attendance"))
        db.session.remove()
    assert len(stored) == STUDENTS
    assert sum(1 for status in stored.values() if status == AttendanceStatus.UNEXCUSED) == 1
    assert sum(1 for status in stored.values() if status == AttendanceStatus.LATE) == 1
    assert alerts == 1  # the absent child's subscribed family, by SMS
    assert set(stored) == set(ids)


@pytest.mark.committed
def test_a_preschool_teacher_records_an_arrival_with_one_tap(
    app: Flask, committed_db: None, live_server: str, browser_page: Page
) -> None:
    with app.app_context():
        world = build_subscribed_school(3, slug="mam-non")
        world.school.level = SchoolLevel.PRESCHOOL
        school_class = db.session.get_one(SchoolClass, world.school_class.id)
        school_class.homeroom_teacher_id = world.people.staff["homeroom"].id
        db.session.commit()
        slug, class_id, ids = world.school.slug, school_class.id, world.student_ids
        db.session.remove()
    page = browser_page
    page.set_viewport_size(SMALL_PHONE)
    main = page.locator("main")
    page.goto(f"{live_server}/s/{slug}/login")
    main.get_by_label("Tên đăng nhập").fill("homeroom")
    main.get_by_label("Mật khẩu").fill(PASSWORD)
    main.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server}/s/{slug}/attendance/classes/{class_id}")

    pupils = main.locator('[data-test="pupil"]')
    first, second = pupils.nth(0), pupils.nth(1)
    first.get_by_role("button", name="Bây giờ: Giờ đến").click()
    expect(first.get_by_label("Giờ đến", exact=True)).not_to_have_value("")
    second.get_by_role("button", name="Bây giờ: Giờ đến").click()
    second.get_by_text("Vắng có phép").click()  # she did not come after all: her time is cleared
    expect(second.get_by_label("Giờ đến", exact=True)).to_have_value("")
    assert_no_horizontal_scroll(page, SMALL_PHONE["width"])
    main.get_by_role("button", name="Lưu điểm danh").click()

    expect(page.locator(".flash.info")).to_contain_text("Đã lưu điểm danh")
    with app.app_context():
        stored = {m.student_id: m for m in db.session.scalars(select(AttendanceMark))}
        assert stored[ids[0]].arrived_at is not None and stored[ids[0]].status == AttendanceStatus.PRESENT
        assert stored[ids[1]].arrived_at is None and stored[ids[1]].status == AttendanceStatus.EXCUSED
        db.session.remove()
