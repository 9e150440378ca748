"""The school's public page at its domain root, and its administration by the school admin."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from contactbook.extensions import db
from contactbook.models import PublicAnnouncement, School
from contactbook.public_site import services
from contactbook.timezones import school_today
from tests.factories import World, login, post
from tests.roster.factories import make_class_world, make_guardian, make_student
from tests.subscriptions.payment_factories import make_plan, monthly_plan, service_on
from tests.support import audit_rows, browser, flashes, follow, main_text, page, translated

VOLUNTARY = (
    "The SMS and email service is voluntary: you choose it, and you may stop it at any time, with a refund for the "
    "days not used. This portal stays free for every family, subscribed or not."
)
MANAGE = "/s/alpha/public-page/"


def signed_in(app: Flask, username: str, slug: str = "alpha") -> FlaskClient:
    client = browser(app)
    assert login(client, username, slug).status_code == 302
    return client


def announce(world: World, title: str, days_ago: int, body: str = "Nội dung.") -> PublicAnnouncement:
    return services.post_announcement(
        world.a.school,
        world.a.admin,
        title=title,
        body=body,
        published_on=school_today() - timedelta(days=days_ago),
        today=school_today(),
    )


def with_contacts(world: World) -> None:
    services.update_contacts(
        world.a.school, world.a.admin, address="12 Lê Lợi, Huế", phone="0234 3822 123", email="thcs@alpha.edu.vn"
    )


# --- What the page shows --------------------------------------------------------------------------------


def test_the_domain_root_is_the_public_page_open_to_anyone(app: Flask, client: FlaskClient, world: World) -> None:
    with_contacts(world)

    answer = client.get("/s/alpha/")

    assert answer.status_code == 200
    text = main_text(answer)
    assert "Trường alpha" in text and "12 Lê Lợi, Huế" in text and "0234 3822 123" in text
    assert "thcs@alpha.edu.vn" in text
    html = page(answer)
    assert 'href="/family/"' in html and app.config["PORTAL_URL"] in text
    assert 'href="/s/alpha/login"' in html


def test_the_school_host_serves_the_public_page(client: FlaskClient, world: World) -> None:
    with_contacts(world)

    answer = client.get("/", base_url="http://alpha.contactbook.test")

    assert answer.status_code == 200
    assert "12 Lê Lợi, Huế" in main_text(answer) and "Trường beta" not in main_text(answer)


def test_staff_home_moved_to_home(app: Flask, client: FlaskClient, world: World) -> None:
    answer = client.get("/s/alpha/home")
    assert answer.status_code == 302 and "/s/alpha/login" in answer.headers["Location"]
    admin = signed_in(app, "admin")
    assert admin.get("/s/alpha/home").status_code == 200
    assert 'href="/s/alpha/home"' in page(admin.get("/s/alpha/"))  # signed-in staff are offered their home


def test_a_suspended_school_has_no_public_page(client: FlaskClient, world: World) -> None:
    world.a.school.status = "suspended"
    db.session.commit()

    assert client.get("/s/alpha/").status_code == 404
    assert client.get("/", base_url="http://alpha.contactbook.test").status_code == 404


def test_plans_and_the_voluntary_statement_only_while_the_service_is_on(
    app: Flask, client: FlaskClient, world: World
) -> None:
    make_plan(world.a, "Gói năm", 150_000, "school_year")
    assert 'data-test="service"' not in page(client.get("/s/alpha/"))

    service_on(world.a)
    monthly_plan(world.a, 20_000)
    make_plan(world.b, "Gói beta", 99_000, "month")
    html = page(client.get("/s/alpha/"))

    assert translated(app, VOLUNTARY) in html
    plans = re.findall(r'<tr data-test="plan">\s*<td[^>]*>([^<]+)</td>', html)
    assert plans == ["Gói tháng", "Gói năm"]  # cheapest first, the other school's not at all
    assert "20.000 đ" in html and "150.000 đ" in html and "Gói beta" not in html


def test_announcements_newest_first_and_a_later_one_waits_for_its_day(client: FlaskClient, world: World) -> None:
    announce(world, "Khai giảng", 10)
    announce(world, "Họp phụ huynh", 1, body="Dòng một.\nDòng hai.")
    announce(world, "Nghỉ lễ", -3)  # dated three days ahead
    services.post_announcement(
        world.b.school, world.b.admin, title="Tin beta", body="x", published_on=school_today(), today=school_today()
    )

    html = page(client.get("/s/alpha/"))

    assert re.findall(r'<article data-test="announcement">\s*<h3>([^<]+)</h3>', html) == ["Họp phụ huynh", "Khai giảng"]
    assert "<p>Dòng một.</p><p>Dòng hai.</p>" in html
    assert "Tin beta" not in html


def test_no_personal_data_of_students_or_guardians(client: FlaskClient, world: World) -> None:
    roster = make_class_world(world.a)
    student = make_student(world.a, roster.school_class, "Trần Thị Bích", "790100000042")
    make_guardian(world.a, [student], "Trần Văn Mạnh", phone="+84987000111", email="manh@example.com")
    service_on(world.a)
    monthly_plan(world.a)
    with_contacts(world)
    announce(world, "Khai giảng", 0)

    html = page(client.get("/s/alpha/"))

    for personal in (roster.student.full_name, roster.guardian.full_name, roster.guardian.phone, "Trần Thị Bích"):
        assert personal and personal not in html
    for personal in ("Trần Văn Mạnh", "987000111", "0987000111", "manh@example.com", "790100000042"):
        assert personal not in html
    assert world.a.admin.full_name not in html  # not even who posted the announcement


# --- The admin edits it ---------------------------------------------------------------------------------


def test_the_admin_edits_the_contact_details_audited(app: Flask, world: World) -> None:
    admin = signed_in(app, "admin")

    answer = post(admin, MANAGE, {"address": " 5  Trần Phú ", "phone": "(0234) 382.2123", "email": "A@Alpha.vn"})

    assert answer.status_code == 302
    db.session.expire_all()
    school = db.session.get_one(School, world.a.school.id)
    assert (school.address, school.phone, school.email) == ("5 Trần Phú", "(0234) 382.2123", "a@alpha.vn")
    [row] = audit_rows("public_page.contacts_changed", world.a.school.id)
    assert row.actor_id == world.a.admin.id and row.details["address"] == "5 Trần Phú"
    assert "5 Trần Phú" in main_text(admin.get("/s/alpha/"))


def test_bad_contact_details_get_a_clear_message_and_change_nothing(app: Flask, world: World) -> None:
    with_contacts(world)
    admin = signed_in(app, "admin")

    answer = post(admin, MANAGE, {"address": "1 Lê Lợi", "phone": "gọi cô Lan", "email": "thcs@alpha.edu.vn"})

    assert answer.status_code == 200
    assert translated(
        app, "Write the phone number with 8 to 15 digits (spaces, dots, dashes and brackets allowed)."
    ) in page(answer)
    answer = post(admin, MANAGE, {"address": "1 Lê Lợi", "phone": "", "email": "không-phải-email"})
    assert translated(app, "This is not an email address.") in page(answer)
    db.session.expire_all()
    assert db.session.get_one(School, world.a.school.id).address == "12 Lê Lợi, Huế"
    assert (
        audit_rows("public_page.contacts_changed", world.a.school.id)
        and len(audit_rows("public_page.contacts_changed", world.a.school.id)) == 1
    )


def test_the_admin_posts_edits_and_removes_an_announcement_audited(app: Flask, world: World) -> None:
    admin = signed_in(app, "admin")
    today = school_today().isoformat()

    answer = post(
        admin, MANAGE + "announcements/new", {"title": "Khai giảng", "body": "Ngày 5/9.", "published_on": today}
    )
    assert translated(app, "The announcement is published.") in flashes(follow(admin, answer))
    [row] = db.session.query(PublicAnnouncement).filter_by(school_id=world.a.school.id).all()
    assert row.author_id == world.a.admin.id
    row_id = row.id

    post(
        admin,
        f"{MANAGE}announcements/{row_id}",
        {"title": "Lễ khai giảng", "body": "Ngày 5/9, 7 giờ.", "published_on": today},
    )
    assert "Lễ khai giảng" in main_text(admin.get("/s/alpha/"))

    post(admin, f"{MANAGE}announcements/{row_id}/remove")
    assert "Lễ khai giảng" not in main_text(admin.get("/s/alpha/"))
    assert db.session.query(PublicAnnouncement).count() == 0
    for action in ("posted", "edited", "removed"):
        [entry] = audit_rows(f"public_announcement.{action}", world.a.school.id)
        assert entry.actor_id == world.a.admin.id and entry.target_id == row_id


def test_an_empty_or_far_dated_announcement_is_refused_with_a_message(app: Flask, world: World) -> None:
    admin = signed_in(app, "admin")
    url = MANAGE + "announcements/new"

    empty = post(admin, url, {"title": "  ", "body": "x", "published_on": school_today().isoformat()})
    far = post(admin, url, {"title": "x", "body": "x", "published_on": "2099-01-01"})

    assert translated(app, "Write a title.") in page(empty)
    assert translated(app, "The publication date must be within a year of today.") in page(far)
    assert db.session.query(PublicAnnouncement).count() == 0
    assert not audit_rows("public_announcement.posted")


def test_staff_without_the_permission_are_refused(app: Flask, world: World) -> None:
    row = announce(world, "Khai giảng", 0)
    for username in ("principal", "accountant", "teacher", "norole"):
        staff = signed_in(app, username)
        assert staff.get(MANAGE).status_code == 403
        assert post(staff, MANAGE, {"address": "x", "phone": "", "email": ""}).status_code == 403
        assert post(staff, f"{MANAGE}announcements/{row.id}/remove").status_code == 403
    assert db.session.query(PublicAnnouncement).count() == 1
    assert not audit_rows("public_page.contacts_changed")


def test_another_schools_announcement_is_not_found(app: Flask, world: World) -> None:
    theirs = services.post_announcement(
        world.b.school, world.b.admin, title="Tin beta", body="x", published_on=school_today(), today=school_today()
    )
    admin = signed_in(app, "admin")

    assert admin.get(f"{MANAGE}announcements/{theirs.id}").status_code == 404
    assert post(admin, f"{MANAGE}announcements/{theirs.id}/remove").status_code == 404
    assert db.session.get(PublicAnnouncement, theirs.id) is not None


def test_the_admin_home_links_the_public_page_administration(app: Flask, world: World) -> None:
    assert f'href="{MANAGE}"' in page(signed_in(app, "admin").get("/s/alpha/home"))
    assert f'href="{MANAGE}"' not in page(signed_in(app, "principal").get("/s/alpha/home"))
