"""The school's bank account for family payments, on the paid service's settings page.

Only staff holding `settings.manage` change it, for their own school; bad input gets a clear message and
changes nothing; every change is audited; families' VietQR codes use it from then on.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contactbook.extensions import db
from contactbook.models import ServiceSettings
from contactbook.subscriptions import services
from contactbook.subscriptions.vietqr import payment_qr, vietqr_payload
from tests.factories import World, post
from tests.roster.factories import make_class_world
from tests.subscriptions.payment_factories import service_on, subscribe, year_plan
from tests.subscriptions.test_service_pages import errors, signed_in
from tests.support import audit_rows, flashes, follow, page, translated

PAGE = "/s/alpha/service/settings"
URL = "/s/alpha/service/settings/bank-account"
DIGITS_ONLY = "The account number has digits only, without letters, dots or dashes."
VALID = {"bank_bin": "970436", "bank_account_number": "0011 0012 34567", "bank_account_name": "TRUONG THCS NGUYEN DU"}


def stored(world: World) -> tuple[str | None, str | None, str | None]:
    """Alpha's bank account as the payment codes read it."""
    db.session.expire_all()
    settings = services.settings_of(world.a.school)
    return settings.bank_bin, settings.bank_account_number, settings.bank_account_name


@pytest.fixture
def admin(app: Flask, world: World) -> FlaskClient:
    return signed_in(app, "admin")


def test_the_settings_page_offers_the_banks_by_name_and_bin(admin: FlaskClient, world: World) -> None:
    body = page(admin.get(PAGE))

    assert f'action="{URL}"' in body
    assert '<option value="970436">Vietcombank (970436)</option>' in body
    assert 'name="bank_account_number"' in body and 'name="bank_account_name"' in body


def test_saving_an_account_stores_it_audits_it_and_feeds_the_payment_codes(
    app: Flask, admin: FlaskClient, world: World
) -> None:
    response = post(admin, URL, VALID)

    assert response.status_code == 302 and response.headers["Location"].endswith("/service/settings#bank-account")
    assert translated(app, "Bank account saved.") in flashes(follow(admin, response))
    assert stored(world) == ("970436", "0011001234567", "TRUONG THCS NGUYEN DU")
    (row,) = audit_rows("service.bank_account", world.a.school.id)
    assert row.actor_id == world.a.admin.id
    assert row.details == {
        "bank_bin": "970436",
        "account_number": "0011001234567",
        "account_name": "TRUONG THCS NGUYEN DU",
    }
    log = page(admin.get("/s/alpha/audit/"))
    assert "Vietcombank" in log and "0011001234567" in log
    body = page(admin.get(PAGE))
    assert '<option selected value="970436">' in body and 'value="0011001234567"' in body

    qr = payment_qr(services.settings_of(world.a.school), 50_000, "HS1")
    assert qr is not None and "0006970436011300110012345670208QRIBFTTA" in qr.payload


def test_saving_the_same_account_again_records_nothing_new(admin: FlaskClient, world: World) -> None:
    post(admin, URL, VALID)
    post(admin, URL, VALID)

    assert len(audit_rows("service.bank_account", world.a.school.id)) == 1


def test_emptying_the_three_fields_removes_the_account(app: Flask, admin: FlaskClient, world: World) -> None:
    post(admin, URL, VALID)

    response = post(admin, URL, {"bank_bin": "", "bank_account_number": "", "bank_account_name": ""})

    assert response.status_code == 302
    assert translated(app, "Bank account removed.") in flashes(follow(admin, response))
    assert stored(world) == (None, None, None)
    assert payment_qr(services.settings_of(world.a.school), 50_000, "HS1") is None
    assert [row.details["account_number"] for row in audit_rows("service.bank_account", world.a.school.id)] == [
        "0011001234567",
        None,
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("bank_bin", "123456", "Not a valid choice."),
        ("bank_bin", "", "Choose the bank from the list."),
        ("bank_account_number", "0011A01234", DIGITS_ONLY),
        ("bank_account_number", "0011.001.234", DIGITS_ONLY),
        ("bank_account_number", "００１１００１２３４", DIGITS_ONLY),  # full-width digits
        ("bank_account_number", "12345", "The account number is 6 to 19 digits."),
        ("bank_account_number", "1" * 20, "The account number is 6 to 19 digits."),
        ("bank_account_number", "", "Enter the account number."),
        ("bank_account_name", "", "Enter the account holder's name as the bank shows it."),
        ("bank_account_name", "12345 !!", "Enter the account holder's name as the bank shows it."),
        ("bank_account_name", "A" * 101, "At most 100 characters."),
    ],
)
def test_invalid_input_gets_a_message_and_changes_nothing(
    app: Flask, admin: FlaskClient, world: World, field: str, value: str, message: str
) -> None:
    post(admin, URL, VALID)
    before = stored(world)

    response = post(admin, URL, {**VALID, "bank_bin": "970415", field: value})

    assert response.status_code == 200
    assert translated(app, message) in errors(response)
    assert stored(world) == before
    assert len(audit_rows("service.bank_account", world.a.school.id)) == 1


def test_the_service_refuses_what_the_form_would_refuse(world: World) -> None:
    for values in (
        {"bank_bin": "999999", "account_number": "0011001234567", "account_name": "TRUONG"},
        {"bank_bin": "970436", "account_number": "0011A01234", "account_name": "TRUONG"},
        {"bank_bin": "970436", "account_number": "١٢٣٤٥٦٧", "account_name": "TRUONG"},  # Arabic-Indic digits
        {"bank_bin": "970436", "account_number": "0011001234567", "account_name": ""},
        {"bank_bin": "", "account_number": "0011001234567", "account_name": "TRUONG"},
    ):
        with pytest.raises(services.SubscriptionError):
            services.update_bank_account(world.a.school, world.a.admin, **values)
    assert stored(world) == (None, None, None)
    assert db.session.get(ServiceSettings, world.a.school.id) is None


@pytest.mark.parametrize("username", ["teacher", "accountant"])
def test_staff_without_the_settings_permission_are_refused(app: Flask, world: World, username: str) -> None:
    client = signed_in(app, username)

    assert post(client, URL, VALID).status_code == 403
    assert stored(world) == (None, None, None)


def test_another_schools_admin_cannot_change_it(app: Flask, world: World) -> None:
    beta_admin = signed_in(app, "admin", "beta")

    response = post(beta_admin, URL, VALID)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/s/alpha/login")
    assert stored(world) == (None, None, None)


def test_a_form_without_its_csrf_token_changes_nothing(admin: FlaskClient, world: World) -> None:
    response = admin.post(URL, data=VALID)

    assert response.status_code in (200, 400)
    assert stored(world) == (None, None, None)


# --- The staff's family page shows the family's payment instructions for what it owes ----------------------


def test_the_family_account_shows_a_code_for_what_is_owed(app: Flask, admin: FlaskClient, world: World) -> None:
    roster = make_class_world(world.a)
    service_on(world.a)
    subscribe(world.a, roster.guardian, roster.student, year_plan(world.a))
    family = f"/s/alpha/service/families/{roster.guardian.id}"

    without = page(admin.get(family))
    assert 'data-test="payment-instructions"' in without and "<svg" not in without  # owed, but no account yet
    post(admin, URL, VALID)
    with_account = page(admin.get(family))

    payload = re.search(r'data-payload="([^"]+)"', with_account).group(1)  # type: ignore[union-attr]
    assert payload == vietqr_payload("970436", "0011001234567", 100_000, f"SLL {roster.guardian.id}")
    assert "<svg" in with_account and "Vietcombank" in with_account


def test_a_settled_family_gets_no_payment_instructions(admin: FlaskClient, world: World) -> None:
    roster = make_class_world(world.a)
    post(admin, URL, VALID)

    assert 'data-test="payment-instructions"' not in page(admin.get(f"/s/alpha/service/families/{roster.guardian.id}"))
