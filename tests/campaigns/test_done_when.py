"""The issue's "done when", end to end through the pages, as the people involved would do it.

An authority opens a campaign with a deadline and invites twenty schools from a list; each registers
through the link it was emailed (one after the deadline, accepted as late; one asked for changes, which it
makes through the same link); the officer approves them all; each new admin sets a password from the link
it was emailed and signs in at its school's own address; each public page is up; and the officer's
dashboard shows the survey answers, the uptake and the cost of messages (of one school given families).
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from contactbook.extensions import db
from contactbook.models import (
    AccountEmail,
    Message,
    MessageStatus,
    RegistrationCampaign,
    RegistrationStatus,
    School,
    SchoolRegistration,
    User,
)
from contactbook.models.base import utcnow
from contactbook.timezones import school_today
from tests.factories import SchoolPeople, World, csrf_token, login, post, with_staff
from tests.roster.factories import make_class_world
from tests.subscriptions.payment_factories import service_on, subscribe, year_plan
from tests.support import browser

SCHOOLS = 20
NEW_PASSWORD = "Truong-Moi-2026"


def _emailed_link(address: str, pattern: str) -> str:
    """The path of the newest link matching `pattern` in the emails queued to `address`."""
    bodies = db.session.scalars(
        select(AccountEmail.body).where(AccountEmail.to_address == address).order_by(AccountEmail.id.desc())
    )
    for body in bodies:
        found = re.search(pattern, body)
        if found:
            return found.group(0)
    raise AssertionError(f"no link {pattern} in the emails to {address}")


def _submit(client: FlaskClient, url: str, data: dict[str, str]) -> TestResponse:
    """Open the page at `url` (on whatever host it names) and submit its form, with that host's CSRF token."""
    page = client.get(url)
    assert page.status_code == 200, url
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert token, f"no CSRF token on {url}"
    return client.post(url, data={**data, "csrf_token": token.group(1)})


def _registration_form(n: int, address: str) -> dict[str, str]:
    return {
        "school_name": f"Trường Tiểu học Số {n}",
        "level": "primary",
        "address": address,
        "phone": f"0283822{n:04d}",
        "email": f"truong{n}@example.edu.vn",
        "requested_slug": f"th-so-{n}",
        "admin_full_name": f"Hiệu trưởng Số {n}",
        "admin_email": f"ht{n}@example.edu.vn",
        "admin_phone": f"0912 000 {n:03d}",
        "survey_has_website": "yes" if n % 2 else "no",
        "survey_website_address": f"thso{n}.example.vn" if n % 2 else "",
        "survey_website_use": "Thông báo" if n % 2 else "",
        "survey_update_frequency": "monthly" if n % 2 else "",
    }


def _give_families(school: School, admin: User) -> None:
    """Staff, a class with a family subscribed and one SMS sent this month: uptake and cost to show."""
    people = with_staff(SchoolPeople(school, admin))
    roster = make_class_world(people)
    service_on(people)
    subscribe(people, roster.guardian, roster.student, year_plan(people))
    db.session.add(
        Message(
            school_id=school.id,
            kind="notice",
            category="general",
            guardian_id=roster.guardian.id,
            student_id=roster.student.id,
            channel="sms",
            to_address=roster.guardian.phone or "",
            body="Họp phụ huynh.",
            dedupe_key=f"done-when:{school.id}",
            status=MessageStatus.SENT,
            sent_at=utcnow(),
            cost=745,
        )
    )
    db.session.commit()


def test_twenty_schools_register_are_approved_and_sign_in_at_their_own_address(
    world: World, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = school_today()
    deadline = today + timedelta(days=10)
    officer = browser(app)
    login(officer, "officer")

    # The authority opens the campaign (late registrations accepted, marked late) and invites twenty schools.
    opened = post(
        officer,
        "/platform/authority/campaigns/new",
        {
            "title": "Đăng ký trang thông tin điện tử 2026",
            "school_year": f"{today.year}-{today.year + 1}",
            "opens_on": (today - timedelta(days=1)).isoformat(),
            "deadline": deadline.isoformat(),
            "website_fee": "1200000",
            "ask_has_website": "y",
            "ask_website_address": "y",
            "ask_website_use": "y",
            "ask_update_frequency": "y",
            "allow_late": "y",
            "reminder_days": "7, 3, 1",
        },
    )
    assert opened.status_code == 302
    campaign = db.session.scalars(select(RegistrationCampaign)).one()
    listing = "name,level,email\n" + "".join(
        f"Trường Tiểu học Số {n},Tiểu học,truong{n}@example.edu.vn\n" for n in range(1, SCHOOLS + 1)
    )
    imported = officer.post(
        f"/platform/authority/campaigns/{campaign.id}/import",
        data={"csrf_token": csrf_token(officer), "file": (io.BytesIO(listing.encode()), "truong.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 302

    # Each school registers through the link it was emailed; the last one after the deadline.
    for n in range(1, SCHOOLS + 1):
        if n == SCHOOLS:
            late = datetime.combine(deadline + timedelta(days=2), datetime.min.time(), utcnow().tzinfo)
            monkeypatch.setattr("contactbook.campaigns.public_routes.utcnow", lambda late=late: late)
        link = _emailed_link(f"truong{n}@example.edu.vn", r"/register/[A-Za-z0-9_.\-]+")
        school = browser(app)
        assert school.get(link).status_code == 200
        assert post(school, link, _registration_form(n, f"{n} Đường Lê Lợi")).status_code == 200
    registrations = list(db.session.scalars(select(SchoolRegistration).order_by(SchoolRegistration.id)))
    assert len(registrations) == SCHOOLS
    assert [r.late for r in registrations] == [False] * (SCHOOLS - 1) + [True]

    # One is asked for changes and resubmits through the same link.
    first = registrations[0]
    base = "/platform/authority/campaigns/registrations"
    asked = post(officer, f"{base}/{first.id}/changes", {"note": "Ghi đủ địa chỉ (phường, thành phố)."})
    assert asked.status_code == 302
    db.session.refresh(first)
    assert first.status == RegistrationStatus.CHANGES_REQUESTED
    link = _emailed_link("truong1@example.edu.vn", r"/register/[A-Za-z0-9_.\-]+")
    fuller = "1 Đường Lê Lợi, phường Sài Gòn, TP. Hồ Chí Minh"
    assert post(browser(app), link, _registration_form(1, fuller)).status_code == 200
    db.session.refresh(first)
    assert first.status == RegistrationStatus.SUBMITTED and first.address == fuller

    # The officer approves them all: each school exists at its own address.
    for registration in registrations:
        assert post(officer, f"{base}/{registration.id}/approve", {}).status_code == 302
    db.session.expire_all()
    assert {r.status for r in db.session.scalars(select(SchoolRegistration))} == {RegistrationStatus.APPROVED}
    schools = {s.slug: s for s in db.session.scalars(select(School).where(School.slug.like("th-so-%")))}
    assert len(schools) == SCHOOLS
    assert {s.domain for s in schools.values()} == {f"th-so-{n}.contactbook.test" for n in range(1, SCHOOLS + 1)}

    # Each admin sets a password from the emailed link, signs in at its school's own address; the public page is up.
    for n in range(1, SCHOOLS + 1):
        slug, host = f"th-so-{n}", f"http://th-so-{n}.contactbook.test"
        admin = browser(app)
        link = _emailed_link(f"ht{n}@example.edu.vn", r"/account/password/[A-Za-z0-9_.\-]+")
        assert _submit(admin, host + link, {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
        signed_in = _submit(admin, host + "/login", {"username": "admin", "password": NEW_PASSWORD})
        assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/home")
        home = admin.get(host + "/home")
        assert home.status_code == 200 and f"Trường Tiểu học Số {n}" in home.get_data(as_text=True)
        public_page = browser(app).get(host + "/")
        assert public_page.status_code == 200 and f"Trường Tiểu học Số {n}" in public_page.get_data(as_text=True)
        assert slug in schools

    # The dashboard: survey answers, uptake and the cost of messages.
    busy = schools["th-so-3"]
    admin_of_busy = db.session.scalars(select(User).where(User.school_id == busy.id, User.username == "admin")).one()
    _give_families(busy, admin_of_busy)
    dashboard = officer.get("/platform/authority/oversight")
    assert dashboard.status_code == 200
    text = dashboard.get_data(as_text=True)
    for n in range(1, SCHOOLS + 1):
        assert f"Trường Tiểu học Số {n}<" in text or f"Trường Tiểu học Số {n} " in text
    assert "thso3.example.vn" in text  # a survey answer
    row = text.split("Trường Tiểu học Số 3", 1)[1].split("</tr>", 1)[0]
    assert "100" in row and "745" in row  # uptake 1 of 1, and the SMS's cost
