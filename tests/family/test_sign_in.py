"""Signing a family in: a code by SMS (right, wrong, expired, reused, locked, limited), the same answer for an
unknown number, a one-time link by email, and sessions kept apart from staff sessions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from contactbook.extensions import db
from contactbook.family import codes
from contactbook.messaging.services.checks import checked
from contactbook.models import Family, FamilySignIn, Message, MessageStatus
from contactbook.models.base import utcnow
from tests.factories import World, login, post
from tests.family.sign_in_support import (
    ask_code,
    ask_link,
    last_code,
    last_link,
    latest_sign_in,
    send_code,
    sign_in_messages,
    wrong,
)
from tests.roster.factories import ClassWorld, make_class_world
from tests.support import browser, is_logged_in, main_text, page, translated

PHONE = "+84912345678"  # the mother of the class world, in alpha (and in beta when both are built)
UNKNOWN = "+84987000111"


@pytest.fixture
def alpha(world: World) -> ClassWorld:
    return make_class_world(world.a)


def code_error(app: Flask, response_text: str) -> str:
    match = re.search(r'<p class="error">(.*?)</p>', response_text, re.DOTALL)
    assert match, "no error on the page"
    return match.group(1)


# --- The code by SMS -----------------------------------------------------------------------------


def test_a_known_number_gets_a_free_urgent_code_by_sms(app: Flask, alpha: ClassWorld) -> None:
    response = ask_code(browser(app), "0912.345.678")

    assert response.status_code == 200
    assert 'data-test="code-form"' in page(response) and 'name="code"' in page(response)
    [message] = sign_in_messages()
    assert (message.channel, message.to_address, message.urgent) == ("sms", PHONE, True)
    assert (message.category, message.school_id, message.guardian_id) == (
        "sign_in",
        alpha.guardian.school_id,
        alpha.guardian.id,
    )
    assert message.student_id is None and message.status == MessageStatus.QUEUED and message.segments == 1
    assert message.expires_at is not None and message.expires_at - message.created_at == timedelta(minutes=5)
    sign_in = latest_sign_in(PHONE)
    code = last_code(PHONE)
    assert code not in sign_in.secret_hash and sign_in.secret_hash == codes.secret_hash("sms", PHONE, code)


def test_the_sign_in_sms_goes_without_any_subscription(app: Flask, alpha: ClassWorld) -> None:
    ask_code(browser(app), PHONE)
    [message] = sign_in_messages()

    ready, outcomes = checked([message], utcnow())

    assert ready == [message] and outcomes == {}


def test_the_right_code_signs_the_family_in_and_shows_its_children(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    ask_code(client, PHONE)

    response = send_code(client, PHONE, last_code(PHONE))

    assert response.status_code == 302 and response.headers["Location"] == "/family/"
    assert "Nguyễn Văn An" in main_text(client.get("/family/"))
    family = db.session.scalar(select(Family).where(Family.phone == PHONE))
    assert family is not None and family.last_signed_in_at is not None
    assert latest_sign_in(PHONE).used_at is not None


def test_a_code_with_spaces_works_and_next_stays_in_the_portal(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    ask_code(client, PHONE)
    code = last_code(PHONE)

    response = send_code(client, PHONE, f" {code[:3]} {code[3:]} ", next_page="//evil.example/family/")

    assert response.headers["Location"] == "/family/"


def test_a_wrong_code_says_how_many_tries_are_left(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    ask_code(client, PHONE)
    code = last_code(PHONE)

    response = send_code(client, PHONE, wrong(code))

    assert response.status_code == 200
    assert code_error(app, page(response)) == translated(app, "That code is not right. Tries left: %(count)d.", count=4)
    assert send_code(client, PHONE, code).status_code == 302  # the right one still works


def test_five_wrong_codes_lock_it(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    ask_code(client, PHONE)
    code = last_code(PHONE)
    for _ in range(5):
        assert send_code(client, PHONE, wrong(code)).status_code == 200

    response = send_code(client, PHONE, code)

    locked = translated(app, "Too many wrong tries: this code no longer works. Ask for a new one.")
    assert response.status_code == 200 and code_error(app, page(response)) == locked
    assert latest_sign_in(PHONE).attempts == 5 and db.session.scalar(select(func.count()).select_from(Family)) == 0
    ask_code(client, PHONE)  # a new code opens again
    assert send_code(client, PHONE, last_code(PHONE)).status_code == 302


def test_an_expired_code_is_refused(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    ask_code(client, PHONE)
    code = last_code(PHONE)
    db.session.execute(update(FamilySignIn).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    response = send_code(client, PHONE, code)

    expired = translated(app, "This code has expired or was already used. Ask for a new one.")
    assert response.status_code == 200 and code_error(app, page(response)) == expired


def test_the_code_alone_signs_in_the_browser_that_asked_for_it(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    ask_code(client, "0912 345 678")

    response = post(client, "/family/sign-in", {"code": last_code(PHONE)})

    assert response.status_code == 302 and response.headers["Location"] == "/family/"
    assert post(browser(app), "/family/sign-in", {"code": "123456"}).headers["Location"] == "/family/sign-in"


def test_a_code_works_once(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    ask_code(client, PHONE)
    code = last_code(PHONE)
    assert send_code(client, PHONE, code).status_code == 302

    response = send_code(browser(app), PHONE, code)

    assert response.status_code == 200 and 'class="error"' in page(response)


def test_a_new_code_replaces_the_one_before(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    ask_code(client, PHONE)
    first = last_code(PHONE)
    ask_code(client, PHONE)
    second = last_code(PHONE)
    if first == second:
        pytest.skip("the two random codes happen to be equal")

    assert send_code(client, PHONE, first).status_code == 200
    assert send_code(client, PHONE, second).status_code == 302


def test_a_number_that_is_not_mobile_is_refused_with_a_message(app: Flask, alpha: ClassWorld) -> None:
    response = ask_code(browser(app), "028 3829 1234")

    assert response.status_code == 200
    assert code_error(app, page(response)) == translated(app, "This is a landline number; it cannot receive SMS.")
    assert sign_in_messages() == [] and db.session.scalar(select(func.count()).select_from(FamilySignIn)) == 0


# --- An unknown number: the same answer, nothing sent ------------------------------------------------


def test_an_unknown_number_gets_the_same_answer_and_no_sms(app: Flask, alpha: ClassWorld) -> None:
    known = main_text(ask_code(browser(app), PHONE))
    unknown_client = browser(app)
    unknown = main_text(ask_code(unknown_client, UNKNOWN))

    assert unknown.replace("0987 000 111", "0912 345 678") == known
    assert [m.to_address for m in sign_in_messages()] == [PHONE]
    assert latest_sign_in(UNKNOWN).secret_hash == codes.NEVER_MATCHES
    response = send_code(unknown_client, UNKNOWN, "123456")
    assert code_error(app, page(response)) == translated(app, "That code is not right. Tries left: %(count)d.", count=4)


# --- Limits ---------------------------------------------------------------------------------------


def test_codes_are_limited_per_number_known_or_not(app: Flask, alpha: ClassWorld) -> None:
    for phone in (PHONE, UNKNOWN):
        for attempt in range(5):
            assert ask_code(browser(app, f"10.0.0.{attempt}"), phone).status_code == 200

        assert ask_code(browser(app, "10.0.1.1"), phone).status_code == 429
    assert len(sign_in_messages()) == 5


def test_codes_are_limited_per_client_address(app: Flask, alpha: ClassWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "FAMILY_SIGN_IN_LIMIT_PER_CLIENT", "3 per 15 minutes")
    client = browser(app, "10.9.9.9")
    for number in range(3):
        assert ask_code(client, f"09870001{number:02d}").status_code == 200

    assert ask_code(client, PHONE).status_code == 429
    assert send_code(client, PHONE, "123456").status_code == 429  # trying codes counts too
    assert sign_in_messages() == []
    assert ask_code(browser(app, "10.9.9.10"), PHONE).status_code == 200


# --- The link by email ----------------------------------------------------------------------------


def test_a_known_address_gets_a_link_that_signs_in_once(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    response = ask_link(client, "Binh@Example.vn")
    assert response.status_code == 200 and 'data-test="link-sent"' in page(response)
    [message] = sign_in_messages()
    assert (message.channel, message.to_address, message.urgent) == ("email", "binh@example.vn", True)
    link = last_link("binh@example.vn")
    assert link.startswith("http://localhost/family/sign-in/link?token=")
    path = link.removeprefix("http://localhost")

    phone = browser(app)  # another browser (the family's phone, or a mail scanner): a page with a button
    opened = phone.get(path)
    assert opened.status_code == 200 and latest_sign_in("binh@example.vn").attempts == 0
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page(opened))
    assert token, page(opened)
    assert phone.get("/family/").status_code == 302  # opening the link signed nobody in
    signed = post(phone, "/family/sign-in/link", {"token": token.group(1)})
    assert signed.status_code == 302 and signed.headers["Location"] == "/family/"
    assert "Nguyễn Văn An" in main_text(phone.get("/family/"))

    again = post(browser(app), "/family/sign-in/link", {"token": token.group(1)})
    assert again.status_code == 200 and "flash error" in page(again)
    assert client.get(path).status_code == 200  # used: the browser that asked is not signed in by it either
    assert client.get("/family/").status_code == 302


def test_the_link_opened_in_the_browser_that_asked_for_it_signs_in_at_once(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    ask_link(client, "binh@example.vn")
    path = last_link("binh@example.vn").removeprefix("http://localhost")

    opened = client.get(path)
    assert opened.status_code == 302 and opened.headers["Location"] == "/family/"
    assert latest_sign_in("binh@example.vn").used_at is not None
    assert "Nguyễn Văn An" in main_text(client.get("/family/"))
    assert browser(app).get(path).status_code == 200  # used once: another browser gets the button, disabled
    assert 'name="token"' not in page(browser(app).get(path))


def test_a_link_opened_in_a_browser_that_asked_for_another_address_signs_nobody_in(
    app: Flask, alpha: ClassWorld
) -> None:
    asker, other = browser(app), browser(app)
    ask_link(asker, "binh@example.vn")
    ask_link(other, "nobody@example.vn")
    path = last_link("binh@example.vn").removeprefix("http://localhost")

    assert other.get(path).status_code == 200
    assert latest_sign_in("binh@example.vn").used_at is None
    assert other.get("/family/").status_code == 302


def test_an_expired_link_is_refused(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    ask_link(client, "binh@example.vn")
    token = last_link("binh@example.vn").split("token=", 1)[1]
    db.session.execute(update(FamilySignIn).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    assert 'name="token"' not in page(client.get(f"/family/sign-in/link?token={token}"))
    response = post(client, "/family/sign-in/link", {"token": token})
    assert response.status_code == 200 and "flash error" in page(response)
    assert db.session.scalar(select(func.count()).select_from(Family)) == 0


def test_an_unknown_address_gets_the_same_answer_and_no_email(app: Flask, alpha: ClassWorld) -> None:
    known = main_text(ask_link(browser(app), "binh@example.vn"))
    unknown = main_text(ask_link(browser(app), "nobody@example.vn"))

    assert unknown.replace("nobody@example.vn", "binh@example.vn") == known
    assert [m.to_address for m in sign_in_messages()] == ["binh@example.vn"]


def test_a_link_asked_from_a_foreign_host_points_to_our_own(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    post(client, "/family/sign-in", {"email": "binh@example.vn"})
    assert last_link("binh@example.vn").startswith("http://localhost/")
    client.post(
        "/family/sign-in",
        data={"email": "binh@example.vn", "csrf_token": "x"},
        base_url="http://evil.example",
    )  # refused for its token anyway; the next one carries a valid token on a foreign host
    evil = browser(app)
    page_html = evil.get("/family/sign-in", base_url="http://evil.example").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page_html)
    assert token
    evil.post(
        "/family/sign-in",
        data={"email": "binh@example.vn", "csrf_token": token.group(1)},
        base_url="http://evil.example",
    )
    assert last_link("binh@example.vn").startswith("https://contactbook.test/family/sign-in/link?token=")


# --- Sessions ---------------------------------------------------------------------------------------


def test_signing_in_as_a_family_ends_a_staff_session_in_that_browser(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    assert login(client, "admin", "alpha").status_code == 302
    ask_code(client, PHONE)

    assert send_code(client, PHONE, last_code(PHONE)).status_code == 302

    assert client.get("/family/").status_code == 200
    assert not is_logged_in(client, "alpha")


def test_a_staff_login_ends_the_family_session(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    ask_code(client, PHONE)
    send_code(client, PHONE, last_code(PHONE))

    assert login(client, "admin", "alpha").status_code == 302

    assert client.get("/family/").status_code == 302


def test_signing_out_needs_the_form_token(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    ask_code(client, PHONE)
    send_code(client, PHONE, last_code(PHONE))

    client.post("/family/sign-out")  # another site's form: no token
    assert client.get("/family/").status_code == 200
    post(client, "/family/sign-out")
    assert client.get("/family/").status_code == 302


def test_a_signed_in_family_opening_sign_in_goes_to_its_children(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    ask_code(client, PHONE)
    send_code(client, PHONE, last_code(PHONE))

    response = client.get("/family/sign-in")

    assert response.status_code == 302 and response.headers["Location"] == "/family/"


def test_sign_in_keeps_where_the_family_was_going(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    first = client.get("/family/?tab=1")
    assert first.headers["Location"] == "/family/sign-in?next=/family/?tab%3D1"
    assert 'name="next" type="hidden" value="/family/?tab=1"' in page(client.get(first.headers["Location"]))
    ask_code(client, PHONE)

    response = send_code(client, PHONE, last_code(PHONE), next_page="/family/?tab=1")

    assert response.headers["Location"] == "/family/?tab=1"
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1


def test_family_pages_are_not_kept_in_caches(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    ask_code(client, PHONE)
    send_code(client, PHONE, last_code(PHONE))

    assert client.get("/family/").headers["Cache-Control"] == "no-store"


def test_the_manifest_installs_the_portal_with_its_icons(app: Flask, alpha: ClassWorld) -> None:
    client = browser(app)
    response = client.get("/family/manifest.webmanifest")

    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["start_url"] == "/family/" and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.data[:8] == b"\x89PNG\r\n\x1a\n"
        assert icon["sizes"] == "{0}x{0}".format(int.from_bytes(image.data[16:20], "big"))
    assert '<link rel="manifest" href="/family/manifest.webmanifest">' in page(client.get("/family/sign-in"))


@pytest.mark.parametrize("url", ["/parent", "/phu-huynh", "/s/alpha/family/", "/s/alpha/portal"])
def test_the_portal_is_found_where_a_family_looks_for_it(app: Flask, alpha: ClassWorld, url: str) -> None:
    response = browser(app).get(url)

    assert response.status_code == 302 and response.headers["Location"] == "/family/"


@pytest.mark.parametrize("url", ["/parent", "/phu-huynh", "/portal"])
def test_the_portal_is_found_on_a_schools_own_host(app: Flask, alpha: ClassWorld, url: str) -> None:
    response = browser(app).get(url, base_url="http://alpha.contactbook.test")

    assert response.status_code == 302 and response.headers["Location"] == "/family/"


def test_a_schools_path_to_the_portal_needs_a_school_that_exists(app: Flask, alpha: ClassWorld) -> None:
    assert browser(app).get("/s/no-such-school/family/").status_code == 404
