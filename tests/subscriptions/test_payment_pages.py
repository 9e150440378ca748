"""The accountant's money pages: finding a family, its account, recording a payment or refund after a
confirmation, the printable receipt, the unpaid list; and who may open them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from contactbook.extensions import db
from contactbook.models import (
    Payment,
    PaymentKind,
    PaymentMethod,
    Student,
    StudentGuardian,
    Subscription,
    SubscriptionStatus,
)
from contactbook.subscriptions import services
from tests.factories import World, csrf_token, login
from tests.roster.factories import ClassWorld, make_class_world, make_guardian, make_student
from tests.subscriptions.payment_factories import pay, semester_plan, service_on, subscribe, year_plan
from tests.support import browser, flashes, follow, main_text, page, translated

A = "/s/alpha/service"


@dataclass
class Alpha:
    roster: ClassWorld
    subscription: Subscription  # the year plan, 100.000 đ, of the class world's student and mother
    sibling: Student
    second: Subscription  # the semester plan, 60.000 đ, of the sibling (same mother)


@pytest.fixture
def alpha(world: World) -> Alpha:
    roster = make_class_world(world.a)
    service_on(world.a)
    subscription = subscribe(world.a, roster.guardian, roster.student, year_plan(world.a))
    sibling = make_student(world.a, roster.school_class, "Nguyễn Thị Bích", "790100000009")
    db.session.add(
        StudentGuardian(
            school_id=world.a.school.id, student_id=sibling.id, guardian_id=roster.guardian.id, relation="mother"
        )
    )
    db.session.commit()
    second = subscribe(world.a, roster.guardian, sibling, semester_plan(world.a))
    return Alpha(roster, subscription, sibling, second)


@pytest.fixture
def beta(world: World) -> tuple[ClassWorld, Subscription, Payment]:
    roster = make_class_world(world.b)
    service_on(world.b)
    subscription = subscribe(world.b, roster.guardian, roster.student, year_plan(world.b))
    return roster, subscription, pay(world.b, subscription, 10_000, date(2025, 9, 10))


def signed_in(app: Flask, username: str, slug: str = "alpha") -> FlaskClient:
    client = browser(app)
    assert login(client, username, slug).status_code == 302
    return client


@pytest.fixture
def accountant(app: Flask, world: World) -> FlaskClient:
    return signed_in(app, "accountant")


def submit(client: FlaskClient, url: str, data: dict[str, str]) -> TestResponse:
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


def payment_form(**changes: str) -> dict[str, str]:
    form = {"amount": "50.000", "paid_on": "15/10/2025", "method": "cash", "payer": "Trần Thị Bình", "reference": ""}
    return {**form, **changes}


def hidden_fields(response: TestResponse) -> dict[str, str]:
    """The hidden inputs of the confirmation form, as the browser would send them back."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page(response)))


def count_payments(**where: object) -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count(Payment.id)).filter_by(**where)) or 0)


def field_errors(response: TestResponse) -> list[str]:
    return re.findall(r'<p class="error">(.*?)</p>', page(response))


def pages(alpha: Alpha, payment: Payment) -> list[str]:
    return [
        f"{A}/families/",
        f"{A}/families/?q=binh",
        f"{A}/families/{alpha.roster.guardian.id}",
        f"{A}/subscriptions/{alpha.subscription.id}/payments/new",
        f"{A}/subscriptions/{alpha.subscription.id}/refund",
        f"{A}/payments/{payment.id}/receipt",
        f"{A}/unpaid",
    ]


# --- Who may open them ----------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["admin", "accountant"])
def test_admin_and_accountant_open_every_money_page(app: Flask, world: World, alpha: Alpha, username: str) -> None:
    payment = pay(world.a, alpha.subscription, 30_000, date(2025, 9, 20))
    client = signed_in(app, username)
    for url in pages(alpha, payment):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("username", ["teacher", "homeroom", "principal", "norole"])
def test_teachers_and_the_principal_get_403_on_every_money_page(
    app: Flask, world: World, alpha: Alpha, username: str
) -> None:
    payment = pay(world.a, alpha.subscription, 30_000, date(2025, 9, 20))
    client = signed_in(app, username)
    for url in pages(alpha, payment):
        assert client.get(url).status_code == 403, url
    response = submit(client, f"{A}/subscriptions/{alpha.subscription.id}/payments/new", payment_form(step="record"))
    assert response.status_code == 403
    assert count_payments() == 1


def test_objects_of_another_school_are_not_found(
    accountant: FlaskClient, alpha: Alpha, beta: tuple[ClassWorld, Subscription, Payment]
) -> None:
    roster, subscription, payment = beta
    for url in (
        f"{A}/families/{roster.guardian.id}",
        f"{A}/subscriptions/{subscription.id}/payments/new",
        f"{A}/subscriptions/{subscription.id}/refund",
        f"{A}/payments/{payment.id}/receipt",
    ):
        assert accountant.get(url).status_code == 404, url
    response = submit(accountant, f"{A}/subscriptions/{subscription.id}/payments/new", payment_form(step="record"))
    assert response.status_code == 404
    assert count_payments(school_id=roster.year.school_id) == 1


def test_families_of_another_school_are_not_listed(
    accountant: FlaskClient, alpha: Alpha, beta: tuple[ClassWorld, Subscription, Payment]
) -> None:
    text = main_text(accountant.get(f"{A}/families/?q=0912"))
    assert text.count("Trần Thị Bình") == 1  # alpha's mother; beta's has the same name and phone


# --- Finding a family and its account -------------------------------------------------------------


def test_families_are_found_by_name_or_phone_with_their_balance(
    world: World, accountant: FlaskClient, alpha: Alpha
) -> None:
    pay(world.a, alpha.subscription, 100_000, date(2025, 9, 20))
    make_guardian(world.a, [alpha.sibling], "Lê Văn Cường", relation="father", phone="+84987654321")

    by_name = main_text(accountant.get(f"{A}/families/?q=tran binh"))
    by_phone = main_text(accountant.get(f"{A}/families/?q=0912 345"))
    everyone = main_text(accountant.get(f"{A}/families/?q=0987"))

    for text in (by_name, by_phone):
        assert "Trần Thị Bình" in text and "Lê Văn Cường" not in text
        assert translated(accountant.application, "owes %(amount)s", amount="60.000 đ") in text
    assert "Lê Văn Cường" in everyone


def test_the_family_page_shows_children_subscriptions_payments_and_balance(
    world: World, accountant: FlaskClient, alpha: Alpha
) -> None:
    first = pay(world.a, alpha.subscription, 60_000, date(2025, 9, 20))
    second = pay(world.a, alpha.subscription, 40_000, date(2025, 10, 1), PaymentMethod.BANK_TRANSFER)
    services.set_exemption(world.a.school, world.a.admin, alpha.second, "Hộ nghèo")

    response = accountant.get(f"{A}/families/{alpha.roster.guardian.id}")

    text = main_text(response)
    assert "Nguyễn Văn An" in text and "Nguyễn Thị Bích" in text
    assert first.receipt_no in text and second.receipt_no in text
    assert "100.000 đ" in text
    assert translated(accountant.application, "settled") in text
    html = page(response)
    assert f"/service/subscriptions/{alpha.subscription.id}/payments/new" in html
    assert f"/service/payments/{first.id}/receipt" in html
    assert f"/service/subscriptions/{alpha.subscription.id}/refund" not in html  # nothing owed back


def test_the_family_page_offers_a_refund_when_money_is_owed_back(
    world: World, accountant: FlaskClient, alpha: Alpha
) -> None:
    pay(world.a, alpha.subscription, 100_000, date(2025, 9, 20))
    services.opt_out(world.a.school, world.a.admin, alpha.subscription, date(2025, 11, 1), None)

    response = accountant.get(f"{A}/families/{alpha.roster.guardian.id}")

    assert f"/service/subscriptions/{alpha.subscription.id}/refund" in page(response)
    # Charged 21.190 + 60.000 and paid 100.000: on balance, 18.810 is owed back to the family.
    assert translated(accountant.application, "owed back %(amount)s", amount="18.810 đ") in main_text(response)


# --- Recording a payment --------------------------------------------------------------------------


def test_a_payment_is_confirmed_before_it_is_recorded_then_its_receipt_is_shown(
    app: Flask, accountant: FlaskClient, alpha: Alpha
) -> None:
    url = f"{A}/subscriptions/{alpha.subscription.id}/payments/new"
    form_page = accountant.get(url)
    assert 'value="Trần Thị Bình"' in page(form_page)  # the payer defaults to the guardian

    confirm = submit(accountant, url, payment_form(reference="FT2510"))

    assert confirm.status_code == 200
    assert translated(app, "Record %(amount)s from %(payer)s?", amount="50.000 đ", payer="Trần Thị Bình") in page(
        confirm
    )
    assert count_payments() == 0
    response = submit(accountant, url, {**hidden_fields(confirm), "step": "record"})

    assert response.status_code == 302
    payment = db.session.scalars(select(Payment)).one()
    assert (payment.amount, payment.paid_on, payment.method, payment.payer, payment.reference) == (
        50_000,
        date(2025, 10, 15),
        PaymentMethod.CASH,
        "Trần Thị Bình",
        "FT2510",
    )
    assert response.headers["Location"] == f"{A}/payments/{payment.id}/receipt"
    receipt = follow(accountant, response)
    assert translated(app, "Recorded, receipt %(number)s.", number="2025-2026/00001") in flashes(receipt)


def test_a_confirmation_sent_twice_records_once(accountant: FlaskClient, alpha: Alpha) -> None:
    url = f"{A}/subscriptions/{alpha.subscription.id}/payments/new"
    confirmed = {**hidden_fields(submit(accountant, url, payment_form())), "step": "record"}

    first = submit(accountant, url, confirmed)
    second = submit(accountant, url, confirmed)

    assert count_payments() == 1
    assert second.headers["Location"] == first.headers["Location"]


def test_change_goes_back_to_the_form_with_the_values(accountant: FlaskClient, alpha: Alpha) -> None:
    url = f"{A}/subscriptions/{alpha.subscription.id}/payments/new"
    confirmed = hidden_fields(submit(accountant, url, payment_form(amount="75000")))

    response = submit(accountant, url, {**confirmed, "step": "edit"})

    assert 'name="amount"' in page(response) and 'value="75000"' in page(response)
    assert count_payments() == 0


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("50,5", "Write the amount in whole đồng, without decimals, for example 50.000."),
        ("50.5", "Write the amount in whole đồng, without decimals, for example 50.000."),
        ("-50.000", "The amount cannot be negative."),
        ("0", "The amount must be more than 0 đ."),
        ("năm chục", "Write the amount as a number of đồng, for example 50.000."),
        ("", "Write the amount."),
        ("999.999.999.999", "The amount is too large."),
    ],
)
def test_a_wrong_amount_is_refused_clearly_and_nothing_is_recorded(
    app: Flask, accountant: FlaskClient, alpha: Alpha, typed: str, message: str
) -> None:
    url = f"{A}/subscriptions/{alpha.subscription.id}/payments/new"
    for step in ("review", "record"):
        response = submit(accountant, url, payment_form(amount=typed, step=step, token="abc"))
        assert response.status_code == 200
        assert field_errors(response) == [translated(app, message)]
    assert count_payments() == 0


@pytest.mark.parametrize("typed", ["2025-10-15", "15/10/2025"])
def test_the_date_is_read_as_iso_or_day_month_year(accountant: FlaskClient, alpha: Alpha, typed: str) -> None:
    url = f"{A}/subscriptions/{alpha.subscription.id}/payments/new"
    confirm = submit(accountant, url, payment_form(paid_on=typed))
    submit(accountant, url, {**hidden_fields(confirm), "step": "record"})
    assert db.session.scalars(select(Payment.paid_on)).one() == date(2025, 10, 15)


@pytest.mark.parametrize("typed", ["2999-01-01", "31/02/2025", "hôm nay", ""])
def test_a_future_or_wrong_date_is_refused(accountant: FlaskClient, alpha: Alpha, typed: str) -> None:
    response = submit(
        accountant, f"{A}/subscriptions/{alpha.subscription.id}/payments/new", payment_form(paid_on=typed)
    )
    assert response.status_code == 200
    assert len(field_errors(response)) == 1
    assert count_payments() == 0


def test_an_unknown_method_or_empty_payer_is_refused(accountant: FlaskClient, alpha: Alpha) -> None:
    url = f"{A}/subscriptions/{alpha.subscription.id}/payments/new"
    assert len(field_errors(submit(accountant, url, payment_form(method="bitcoin")))) == 1
    assert len(field_errors(submit(accountant, url, payment_form(payer="   ")))) == 1
    assert count_payments() == 0


def test_paying_more_than_is_due_is_pointed_out_before_confirming(
    app: Flask, world: World, accountant: FlaskClient, alpha: Alpha
) -> None:
    pay(world.a, alpha.subscription, 80_000, date(2025, 9, 20))
    response = submit(accountant, f"{A}/subscriptions/{alpha.subscription.id}/payments/new", payment_form())
    assert 'data-test="overpaid"' in page(response)


def test_a_form_without_its_csrf_token_is_refused(accountant: FlaskClient, alpha: Alpha) -> None:
    url = f"{A}/subscriptions/{alpha.subscription.id}/payments/new"
    assert accountant.post(url, data=payment_form(step="record", token="x")).status_code == 400
    assert count_payments() == 0


# --- Recording a refund ---------------------------------------------------------------------------


@pytest.fixture
def opted_out(world: World, alpha: Alpha) -> Subscription:
    """The year plan paid in full, then stopped from 1/11/2025: 78.810 đ is owed back."""
    pay(world.a, alpha.subscription, 100_000, date(2025, 9, 20))
    services.opt_out(world.a.school, world.a.admin, alpha.subscription, date(2025, 11, 1), None)
    return alpha.subscription


def test_the_refund_form_offers_what_is_owed(accountant: FlaskClient, opted_out: Subscription) -> None:
    response = accountant.get(f"{A}/subscriptions/{opted_out.id}/refund")
    assert 'value="78.810"' in page(response)


def test_a_refund_beyond_what_is_owed_is_refused(app: Flask, accountant: FlaskClient, opted_out: Subscription) -> None:
    url = f"{A}/subscriptions/{opted_out.id}/refund"
    for step in ("review", "record"):
        response = submit(accountant, url, payment_form(amount="78.811", step=step, token="abc"))
        message = "The school owes this family %(owed)s for this subscription; refund at most that."
        assert field_errors(response) == [translated(app, message, owed="78.810 đ")]
    assert count_payments(kind=PaymentKind.REFUND) == 0


def test_a_refund_is_confirmed_then_recorded_with_its_own_receipt(
    app: Flask, accountant: FlaskClient, opted_out: Subscription
) -> None:
    url = f"{A}/subscriptions/{opted_out.id}/refund"
    confirm = submit(accountant, url, payment_form(amount="78.810", paid_on="05/11/2025"))
    assert translated(
        app, "Record a refund of %(amount)s to %(payer)s?", amount="78.810 đ", payer="Trần Thị Bình"
    ) in page(confirm)

    receipt = follow(accountant, submit(accountant, url, {**hidden_fields(confirm), "step": "record"}))

    text = main_text(receipt)
    assert translated(app, "Refund receipt") in text and "2025-2026/00002" in text and "78.810 đ" in text
    assert count_payments(kind=PaymentKind.REFUND) == 1
    nothing_left = accountant.get(url)
    assert 'data-test="nothing-owed"' in page(nothing_left)
    assert 'name="amount"' not in page(nothing_left)


def test_a_refund_confirmation_sent_twice_shows_the_first_receipt(
    app: Flask, accountant: FlaskClient, opted_out: Subscription
) -> None:
    url = f"{A}/subscriptions/{opted_out.id}/refund"
    confirmed = {**hidden_fields(submit(accountant, url, payment_form(amount="78.810"))), "step": "record"}

    first = submit(accountant, url, confirmed)
    second = submit(accountant, url, confirmed)  # nothing is owed any more: still the same refund

    assert count_payments(kind=PaymentKind.REFUND) == 1
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    assert flashes(follow(accountant, second)) == [translated(app, "This was already recorded; here is its receipt.")]


def test_nothing_to_refund_on_a_running_subscription(accountant: FlaskClient, alpha: Alpha) -> None:
    url = f"{A}/subscriptions/{alpha.subscription.id}/refund"
    assert 'data-test="nothing-owed"' in page(accountant.get(url))
    response = submit(accountant, url, payment_form(step="record", token="abc"))
    assert response.status_code == 200
    assert count_payments() == 0


# --- The receipt and the unpaid list --------------------------------------------------------------


def test_the_receipt_shows_what_a_receipt_must(app: Flask, world: World, accountant: FlaskClient, alpha: Alpha) -> None:
    payment = pay(world.a, alpha.subscription, 100_000, date(2025, 9, 20), PaymentMethod.BANK_TRANSFER)
    payment.reference = "FT25263"
    db.session.commit()

    response = accountant.get(f"{A}/payments/{payment.id}/receipt")

    html = page(response)
    for test_id, value in (
        ("number", "2025-2026/00001"),
        ("school", "Trường alpha"),
        ("payer", "Trần Thị Bình"),
        ("amount", "100.000 đ"),
        ("date", "20/09/2025"),
        ("method", translated(app, "Bank transfer")),
        ("reference", "FT25263"),
        ("recorded-by", "accountant alpha"),
    ):
        assert re.search(rf'data-test="{test_id}">(<strong>)?{re.escape(value)}', html), test_id
    assert "Nguyễn Văn An" in html and "Gói cả năm" in html and "31/05/2026" in html
    assert 'class="no-print"' in html and "data-print" in html


def test_the_unpaid_list_flags_and_never_cancels(world: World, accountant: FlaskClient, alpha: Alpha) -> None:
    pay(world.a, alpha.second, 60_000, date(2025, 9, 20))

    response = accountant.get(f"{A}/unpaid")

    html = page(response)
    assert f'data-test="subscription-{alpha.subscription.id}"' in html
    assert f'data-test="subscription-{alpha.second.id}"' not in html
    db.session.expire_all()
    assert db.session.get(Subscription, alpha.subscription.id).status == SubscriptionStatus.ACTIVE  # type: ignore[union-attr]


def test_the_home_page_links_the_money_pages_to_those_who_may_open_them(app: Flask, world: World) -> None:
    homes = {name: page(signed_in(app, name).get("/s/alpha/home")) for name in ("accountant", "principal", "teacher")}

    assert f'href="{A}/families/"' in homes["accountant"] and f'href="{A}/reports/"' in homes["accountant"]
    assert f'href="{A}/families/"' not in homes["principal"] and f'href="{A}/reports/"' in homes["principal"]
    assert f'href="{A}/families/"' not in homes["teacher"] and f'href="{A}/reports/"' not in homes["teacher"]
