"""Input limits of every form: dates within sensible bounds, names with letters, text without control or bidi
characters, page numbers and ids in URLs that are ASCII digits within range. Each refusal says what and
where, and records nothing.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from contactbook.extensions import db
from contactbook.inputs import has_letters, plain_paragraphs, plain_text
from contactbook.models import FamilySignIn, Message, Notice, Payment, SchoolYear, User
from tests.factories import World, login, post
from tests.notices.test_pages import Alpha as NoticeAlpha
from tests.notices.test_pages import notice_form
from tests.roster.factories import make_class_world
from tests.subscriptions.payment_factories import service_on, subscribe, year_plan
from tests.support import browser, page

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
BIDI = "\u202e"


def signed_in(app: Flask, username: str, slug: str = "alpha") -> FlaskClient:
    client = browser(app)
    assert login(client, username, slug).status_code == 302
    return client


def field_errors(html_page: str) -> list[str]:
    return re.findall(r'<p class="error">(.*?)</p>', html_page, re.DOTALL)


def count(model: type) -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


# --- Notices: the send time, the list's pages ----------------------------------------------------


@pytest.fixture
def notice_alpha(world: World) -> NoticeAlpha:
    roster = make_class_world(world.a)
    return NoticeAlpha(roster, roster.student, roster.school_class, roster.student)


def _local(delta: timedelta) -> str:
    return (datetime.now(ZONE) + delta).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    "send_at",
    ["0001-01-01T00:00", "9999-12-31T23:59", "31/12/9999 23:59", "past", "after a year"],
)
def test_a_send_time_in_the_past_or_beyond_a_year_is_refused_with_a_message(
    app: Flask, world: World, notice_alpha: NoticeAlpha, send_at: str
) -> None:
    typed = {"past": _local(timedelta(hours=-2)), "after a year": _local(timedelta(days=367))}.get(send_at, send_at)
    admin = signed_in(app, "admin")

    for confirm in ("", "1"):
        response = post(
            admin, "/s/alpha/notices/new", {**notice_form(notice_alpha), "send_at": typed, "confirm": confirm}
        )  # type: ignore[dict-item]

        assert response.status_code == 200
        [error] = field_errors(page(response))
        assert "a year ahead" in error or "một năm" in error
    assert count(Notice) == 0


def test_a_send_time_within_the_year_is_accepted(app: Flask, world: World, notice_alpha: NoticeAlpha) -> None:
    admin = signed_in(app, "admin")
    data = {**notice_form(notice_alpha), "send_at": _local(timedelta(days=30)), "confirm": "1"}

    response = post(admin, "/s/alpha/notices/new", data)  # type: ignore[arg-type]

    assert response.status_code == 302
    assert count(Notice) == 1


@pytest.mark.parametrize("number", ["999999999999999999", "9" * 40, "-5", "0", "１２", "١٢", "x"])
def test_any_page_number_of_the_notice_list_answers(app: Flask, world: World, number: str) -> None:
    response = signed_in(app, "admin").get(f"/s/alpha/notices/?page={number}")

    assert response.status_code == 200


# --- Payments: the date ----------------------------------------------------------------------------


@pytest.fixture
def subscription_id(world: World) -> int:
    roster = make_class_world(world.a)
    service_on(world.a)
    return subscribe(world.a, roster.guardian, roster.student, year_plan(world.a)).id


def payment(**changes: str) -> dict[str, str]:
    return {"amount": "50.000", "paid_on": "15/10/2025", "method": "cash", "payer": "Trần Thị Bình"} | changes


@pytest.mark.parametrize("typed", ["0001-01-01", "01/01/0001", "1900-01-01", "2020-01-01"])
def test_a_payment_dated_long_before_its_subscription_is_refused(
    app: Flask, world: World, subscription_id: int, typed: str
) -> None:
    accountant = signed_in(app, "accountant")

    response = post(
        accountant, f"/s/alpha/service/subscriptions/{subscription_id}/payments/new", payment(paid_on=typed)
    )

    assert response.status_code == 200
    [error] = field_errors(page(response))
    assert "/" in error  # the range is spelled out, dd/mm/yyyy
    assert count(Payment) == 0


@pytest.mark.parametrize("payer", [BIDI * 3, "-- ..", "\x00\x07", "\u200f\u2066"])
def test_a_payer_name_without_letters_is_refused(app: Flask, world: World, subscription_id: int, payer: str) -> None:
    accountant = signed_in(app, "accountant")

    response = post(accountant, f"/s/alpha/service/subscriptions/{subscription_id}/payments/new", payment(payer=payer))

    assert response.status_code == 200
    assert len(field_errors(page(response))) == 1
    assert count(Payment) == 0


# --- Names need letters; text loses its control and bidi characters ------------------------------


def staff(name: str, username: str = "moi.nguoi") -> dict[str, str]:
    return {"full_name": name, "username": username, "password": "Một-mật-khẩu-dài-2026"}


@pytest.mark.parametrize("name", [BIDI, BIDI * 5, "!!!", "...-", "\x1b\x07", "\u200b\u200f", "123"])
def test_a_staff_name_without_letters_is_refused_with_a_message(app: Flask, world: World, name: str) -> None:
    before = count(User)

    response = post(signed_in(app, "admin"), "/s/alpha/staff/new", staff(name))

    assert response.status_code == 200
    assert len(field_errors(page(response))) == 1
    assert count(User) == before


def test_a_staff_name_is_stored_without_bidi_or_control_characters(app: Flask, world: World) -> None:
    response = post(signed_in(app, "admin"), "/s/alpha/staff/new", staff(f"Trần{BIDI} Văn\x07  Mới\u2066"))

    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "moi.nguoi"))
    assert user is not None
    assert user.full_name == "Trần Văn Mới"


@pytest.mark.parametrize("name", [BIDI * 2, "***"])
def test_a_school_or_officer_name_without_letters_is_refused(app: Flask, world: World, name: str) -> None:
    operator = browser(app)
    assert login(operator, "op").status_code == 302
    before = count(User)
    data = staff(name) | {"email": "", "authority_id": str(world.province.id)}

    response = post(operator, "/platform/officers/new", data)

    assert response.status_code == 200
    assert field_errors(page(response))
    assert count(User) == before


@pytest.mark.parametrize("username", ["ad\x00min", "admin\x00", "\x00"])
def test_a_login_name_with_a_nul_is_a_failed_login_not_an_error(app: Flask, world: World, username: str) -> None:
    response = login(browser(app), username, "alpha", password="wrong password 1")

    assert response.status_code == 200  # the form again, with its message (PostgreSQL refused the NUL: 500)


def test_plain_text_drops_control_and_bidi_characters_and_keeps_the_words() -> None:
    assert plain_text(f"  a\x00b {BIDI}c\u2067 d\u200b\te\r\nf  ") == "a b c d e f"
    assert plain_paragraphs(f"Dòng 1{BIDI}\r\nDòng\x07 2\n") == "Dòng 1\nDòng 2"
    assert has_letters("Lê") and has_letters("李") and not has_letters(f"{BIDI}-1 .")


# --- School years -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["0001-0002", "1990-1991", "9998-9999"])
def test_a_school_year_far_from_today_is_refused_with_a_message(app: Flask, world: World, name: str) -> None:
    start, end = name.split("-")
    data = {
        "name": name,
        "first_start": f"{start}-09-05",
        "first_end": f"{end}-01-15",
        "second_start": f"{end}-01-16",
        "second_end": f"{end}-05-31",
    }
    before = count(SchoolYear)

    response = post(signed_in(app, "admin"), "/s/alpha/years/", data)

    assert response.status_code == 200
    [error] = field_errors(page(response))
    assert str(date.today().year - 10) in error and str(date.today().year + 5) in error
    assert count(SchoolYear) == before


def test_a_school_year_named_in_other_digits_is_refused(app: Flask, world: World) -> None:
    first = date.today().year
    fullwidth = str.maketrans("0123456789", "０１２３４５６７８９")
    data = {
        "name": f"{first}-{first + 1}".translate(fullwidth),
        "first_start": f"{first}-09-05",
        "first_end": f"{first + 1}-01-15",
        "second_start": f"{first + 1}-01-16",
        "second_end": f"{first + 1}-05-31",
    }
    before = count(SchoolYear)

    response = post(signed_in(app, "admin"), "/s/alpha/years/", data)

    assert response.status_code == 200
    assert len(field_errors(page(response))) == 1
    assert count(SchoolYear) == before


# --- Ids in URLs: ASCII digits within range -------------------------------------------------------


# Digits of other scripts, which Python's int() reads as ASCII ones: fullwidth, Arabic-Indic, Persian.
DIGIT_SCRIPTS = {"fullwidth": "０", "arabic-indic": "٠", "persian": "۰"}


def in_script(number: int, zero: str) -> str:
    """`number` written with the digits of the script whose zero is `zero`."""
    return "".join(chr(ord(zero) + int(digit)) for digit in str(number))


@pytest.mark.parametrize("zero", DIGIT_SCRIPTS.values(), ids=DIGIT_SCRIPTS.keys())
def test_an_id_in_another_digit_script_is_not_found(app: Flask, world: World, zero: str) -> None:
    roster = make_class_world(world.a)
    admin = signed_in(app, "admin")
    class_id = roster.school_class.id
    assert admin.get(f"/s/alpha/classes/{class_id}").status_code == 200
    assert int(in_script(class_id, zero)) == class_id  # what a lenient reader would have opened

    assert admin.get(f"/s/alpha/classes/{in_script(class_id, zero)}").status_code == 404
    assert admin.get(f"/s/alpha/classes/{str(class_id)[:-1]}{in_script(class_id, zero)[-1]}").status_code == 404


@pytest.mark.parametrize("typed", ["2147483648", "9223372036854775808", "9" * 30])
def test_an_id_beyond_the_largest_is_not_found(app: Flask, world: World, typed: str) -> None:
    admin = signed_in(app, "admin")

    assert admin.get(f"/s/alpha/classes/{typed}").status_code == 404
    assert admin.get(f"/s/alpha/notices/{typed}").status_code == 404


@pytest.mark.parametrize("typed", ["9" * 30, "2147483648", "9223372036854775808"])
def test_an_id_in_a_query_argument_beyond_the_largest_is_not_found(app: Flask, world: World, typed: str) -> None:
    roster = make_class_world(world.a)
    admin = signed_in(app, "admin")

    assert admin.get(f"/s/alpha/service/subscriptions/new?student_id={typed}&guardian_id=1").status_code == 404
    assert admin.get(f"/s/alpha/service/subscriptions/new?student_id=1&guardian_id={typed}").status_code == 404
    assert admin.get(f"/s/alpha/classes/?year={typed}").status_code == 404
    assert admin.get(f"/s/alpha/service/reports/?year={typed}").status_code == 404
    assert admin.get(f"/s/alpha/classes/?year={roster.year.id}").status_code == 200


@pytest.mark.parametrize("zero", DIGIT_SCRIPTS.values(), ids=DIGIT_SCRIPTS.keys())
def test_an_id_in_a_query_argument_in_another_digit_script_names_nothing(app: Flask, world: World, zero: str) -> None:
    roster = make_class_world(world.a)
    admin = signed_in(app, "admin")
    family = f"/s/alpha/service/subscriptions/new?student_id={roster.student.id}&guardian_id={roster.guardian.id}"
    assert 'data-test="voluntary"' in page(admin.get(family))  # the consent form of that family
    student, guardian = in_script(roster.student.id, zero), in_script(roster.guardian.id, zero)

    response = admin.get(f"/s/alpha/service/subscriptions/new?student_id={student}&guardian_id={guardian}")

    assert response.status_code == 200
    assert 'data-test="voluntary"' not in page(response)  # the family picker, not the consent form


# --- The families' sign-in: a number the school could have, a code of 6 ASCII digits ------------------


@pytest.mark.parametrize(
    "phone",
    ["0912 345 67", "028 3829 1234", "+1 202 555 0100", "0912345678 0987654321", "１２３", BIDI * 3, "0" * 41],
)
def test_a_sign_in_number_that_cannot_get_an_sms_is_refused_with_a_message(
    app: Flask, world: World, phone: str
) -> None:
    make_class_world(world.a)

    response = post(browser(app), "/family/sign-in", {"phone": phone})

    assert response.status_code == 200
    assert len(field_errors(page(response))) == 1
    assert count(FamilySignIn) == 0 and count(Message) == 0


@pytest.mark.parametrize("code", ["１２３４５６", "١٢٣٤٥٦", "12345", "1234567", "12a456", "0" * 30])
def test_a_sign_in_code_that_is_not_6_ascii_digits_is_refused_and_not_counted(
    app: Flask, world: World, code: str
) -> None:
    make_class_world(world.a)
    client = browser(app)
    post(client, "/family/sign-in", {"phone": "0912345678"})

    response = post(client, "/family/sign-in", {"phone": "+84912345678", "code": code})

    assert response.status_code == 200
    assert len(field_errors(page(response))) == 1
    db.session.expire_all()
    assert db.session.scalar(select(FamilySignIn.attempts)) == 0


@pytest.mark.parametrize("token", ["9" * 30 + ".x", "2147483648.x", "１.x", "0.x", "-1.x", "1."])
def test_a_sign_in_link_token_out_of_range_opens_nothing(app: Flask, world: World, token: str) -> None:
    client = browser(app)

    assert 'name="token"' not in page(client.get(f"/family/sign-in/link?token={token}"))
    assert post(client, "/family/sign-in/link", {"token": token}).status_code == 200
