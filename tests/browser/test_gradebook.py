"""In a real browser on a phone: a subject teacher fills a grid from the keyboard (arrows, Enter), sees the
semester average as the circular computes it, is told in place about a wrong cell (nothing saved),
saves, publishes the midterm column after reading what it sends (a teacher sees no count or cost that
would tell which family subscribes), and each subscribed family's SMS reaches
the fake Twilio exactly once, sent by a real Celery worker.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from contactbook.extensions import db
from contactbook.models import AssessmentKind, Score
from contactbook.roster import services as roster
from tests.browser.test_staff_admin import assert_no_horizontal_scroll, screenshot
from tests.factories import PASSWORD
from tests.messaging.conftest import DeliveryWorker, FakeTwilio, build_subscribed_school, phone_of, wait_until

STUDENTS = 3


def focused(page: Page) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.name"))


@pytest.mark.committed
def test_a_teacher_fills_a_grid_from_the_keyboard_and_publishes_it(
    app: Flask,
    committed_db: None,
    live_server: str,
    browser_page: Page,
    calling_back_twilio: FakeTwilio,
    sms_worker: DeliveryWorker,
) -> None:
    # The grid lists the students in the order of `ids`.
    page, main, ids = _teacher_on_a_grid(app, live_server, browser_page, "Toán", AssessmentKind.SCORED)
    phone_width = page.viewport_size["width"] if page.viewport_size else 0
    assert_no_horizontal_scroll(page, phone_width)

    # The first student's row, left to right: the worked example of grading.md.
    main.locator(f'[name="s-{ids[0]}-tx1"]').click()
    for value in ("7", "8", "9", "6,5"):
        page.keyboard.type(value)
        page.keyboard.press("ArrowRight")
    page.keyboard.type("8")
    assert focused(page) == f"s-{ids[0]}-ck"
    expect(main.locator('[data-test="grid-row"]').nth(0).locator("[data-avg]")).to_have_text("7,6")

    # Down the midterm column with Enter, then back up with the arrows.
    main.locator(f'[name="s-{ids[1]}-tx1"]').click()
    for value in ("9", "10"):
        page.keyboard.type(value)
        page.keyboard.press("Enter")
    assert focused(page) == f"s-{ids[2]}-tx1"  # Enter moved down, and did not submit the grid
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert focused(page) == f"s-{ids[0]}-tx1"
    for student, scores in ((ids[1], ("8", "9", "7", "9,5")), (ids[2], ("6", "7", "8", "12"))):
        main.locator(f'[name="s-{student}-tx2"]').click()
        for value in scores:
            page.keyboard.type(value)
            page.keyboard.press("ArrowRight")

    # 12 is no score: the cell says so, and nothing was saved.
    main.locator('[data-test="save"]').click()
    error = main.locator(f'[id="err-s-{ids[2]}-ck"]')
    expect(error).to_have_text("Điểm phải từ 0 đến 10")
    with app.app_context():
        assert db.session.query(Score).count() == 0
        db.session.remove()
    field = main.locator(f'[name="s-{ids[2]}-ck"]')
    expect(field).to_have_value("12")
    field.fill("8")
    main.locator('[data-test="save"]').click()
    expect(main.locator(".flash.info")).to_contain_text("Đã lưu bảng điểm")
    expect(main.locator(f'[name="s-{ids[1]}-ck"]')).to_have_value("9,5")
    screenshot(page, "grade-grid")

    # Publish the midterm column: what is sent first (no count of families below 10 students), then the SMS.
    main.locator('[data-test="publish-gk"]').click()
    expect(main.locator('[data-test="scores"]')).to_have_text(str(STUDENTS))
    expect(main.locator('[data-test="sms"]')).to_have_count(0)
    expect(main.locator('[data-test="cost"]')).to_have_count(0)
    sample = main.locator('[data-test="sample"]').inner_text()
    assert "Diem giua ky I mon Toan cua em" in sample  # the school sends its SMS unaccented
    assert_no_horizontal_scroll(page, phone_width)
    main.locator('[data-test="confirm-publish"]').click()
    expect(main.locator(".flash.info")).to_contain_text(f"Đã công bố {STUDENTS} điểm")
    expect(main.locator(f'[name="s-{ids[0]}-gk"]')).to_have_attribute("readonly", "")

    wait_until(lambda: calling_back_twilio.stats()["accepted"] >= STUDENTS, 30, 0.2, "the families' SMS")
    stats = calling_back_twilio.stats()
    assert stats["total"] == stats["accepted"] == STUDENTS and stats["duplicates"] == {}
    bodies = {key.split("|", 1)[0]: key.split("|", 1)[1] for key in stats["messages"]}
    expected = {phone_of(i): score for i, score in enumerate(("6,5", "7,0", "8,0"))}
    for phone, score in expected.items():
        assert bodies[phone].endswith(f": {score}"), bodies[phone]


@pytest.mark.committed
def test_a_block_pasted_from_a_spreadsheet_fills_the_grid_cell_for_cell(
    app: Flask, committed_db: None, live_server: str, browser_page: Page
) -> None:
    page, main, ids = _teacher_on_a_grid(app, live_server, browser_page, "Toán", AssessmentKind.SCORED)

    # Two rows of five cells as a spreadsheet copies them (decimal commas, a trailing line break), pasted
    # into the first student's first regular cell.
    block = "7\t8\t9\t6,5\t8\r\n8\t9\t7\t9,5\t 9 \r\n"
    page.evaluate(
        """([name, text]) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            document.querySelector(`[name="${name}"]`).dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        [f"s-{ids[0]}-tx1", block],
    )
    expected = {ids[0]: ("7", "8", "9", "6,5", "8"), ids[1]: ("8", "9", "7", "9,5", "9")}
    for student, values in expected.items():
        for key, value in zip(("tx1", "tx2", "tx3", "gk", "ck"), values, strict=True):
            expect(main.locator(f'[name="s-{student}-{key}"]')).to_have_value(value)
    expect(main.locator(f'[name="s-{ids[2]}-tx1"]')).to_have_value("")  # the block ends where it ends
    expect(main.locator('[data-test="grid-row"]').nth(0).locator("[data-avg]")).to_have_text("7,6")

    main.locator('[data-test="save"]').click()
    expect(main.locator(".flash.info")).to_contain_text("Đã lưu bảng điểm")
    with app.app_context():
        stored = {(s.student_id, s.column): s.value for s in db.session.query(Score)}
        db.session.remove()
    assert stored[(ids[0], "gk")] == Decimal("6.5") and stored[(ids[1], "ck")] == Decimal("9.0")
    assert len(stored) == 10


@pytest.mark.committed
def test_a_comment_of_several_lines_pasted_stays_in_its_cell(
    app: Flask, committed_db: None, live_server: str, browser_page: Page
) -> None:
    page, main, ids = _teacher_on_a_grid(app, live_server, browser_page, "Thể dục", AssessmentKind.COMMENT)

    # Two lines copied from a document into the first student's comment: not a block of the sheet, so the
    # browser pastes it into that cell (the event is left to it) and the next student's comment is untouched.
    handed_to_browser = page.evaluate(
        """([name, text]) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            return document.querySelector(`[name="${name}"]`).dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        [f"n-{ids[0]}", "Tích cực tham gia.\nCần cố gắng hơn ở môn bơi."],
    )
    assert handed_to_browser is True
    expect(main.locator(f'[name="n-{ids[1]}"]')).to_have_value("")


def _teacher_on_a_grid(
    app: Flask, live_server: str, browser_page: Page, name: str, kind: AssessmentKind
) -> tuple[Page, Locator, list[int]]:
    """The teacher signed in on the semester I grid of a new subject `name` of a subscribed class."""
    with app.app_context():
        world = build_subscribed_school(STUDENTS, grades=True)
        people = world.people
        subject = roster.create_subject(
            people.school, people.admin, name=name, periods_per_year=70, assessment_kind=kind
        )
        teacher = people.staff["teacher"]
        roster.assign_teacher(
            people.school, people.admin, teacher=teacher, subject=subject, school_class=world.school_class
        )
        slug, ids = world.school.slug, list(world.student_ids)
        url = f"{live_server}/s/{slug}/grades/class/{world.school_class.id}/subject/{subject.id}/semester/1"
        db.session.remove()
    page = browser_page
    main = page.locator("main")
    page.goto(f"{live_server}/s/{slug}/login")
    main.get_by_label("Tên đăng nhập").fill("teacher")
    main.get_by_label("Mật khẩu").fill(PASSWORD)
    main.get_by_role("button", name="Đăng nhập").click()
    page.goto(url)
    return page, main, ids
