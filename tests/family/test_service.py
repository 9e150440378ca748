"""A family subscribes, changes and stops the paid service on its own, through the same rules as the school."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient

from contactbook.extensions import db
from contactbook.models import Consent, MessageStatus, PaymentMethod, PlanPeriod, SubscriptionStatus
from contactbook.subscriptions.references import payment_reference
from contactbook.subscriptions.services import payments, set_price_ceiling
from contactbook.subscriptions.services.settings import update_bank_account
from contactbook.subscriptions.vietqr import vietqr_payload
from contactbook.timezones import school_today
from tests.factories import World, login
from tests.family.service_support import (
    audit_rows,
    choices,
    messages_of,
    send,
    signed_in,
    subscriptions_of,
    subscriptions_of_child,
    the_subscription,
)
from tests.family.support import sign_in_family
from tests.roster.factories import make_guardian, make_student


def test_the_plans_page_shows_prices_and_says_the_service_is_voluntary(
    app: Flask, client: FlaskClient, world: World
) -> None:
    family = signed_in(app, client, world.a)

    page = client.get(family.base + "/").get_data(as_text=True)

    assert 'data-test="voluntary"' in page
    assert "Gói tháng" in page and "20.000 đ" in page
    assert 'data-test="subscribe"' in page and 'data-test="not-offered"' not in page


def test_a_plan_above_a_ceiling_lowered_after_it_was_published_is_not_offered(
    app: Flask, client: FlaskClient, world: World
) -> None:
    family = signed_in(app, client, world.a)
    assert "Gói tháng" in client.get(family.base + "/").get_data(as_text=True)

    set_price_ceiling(world.province, world.operator, PlanPeriod.MONTH, 15_000)  # the plan costs 20,000 đ

    page = client.get(family.base + "/").get_data(as_text=True)
    assert "Gói tháng" not in page and "20.000 đ" not in page
    answer = send(client, family.base + "/subscribe", choices(family))
    assert answer.status_code in (200, 400) and subscriptions_of(family) == []


def test_a_school_with_the_service_off_says_it_is_not_offered_and_subscribes_nobody(
    app: Flask, client: FlaskClient, world: World
) -> None:
    family = signed_in(app, client, world.a, enabled=False)

    page = client.get(family.base + "/").get_data(as_text=True)
    answer = send(client, family.base + "/subscribe", choices(family))

    assert 'data-test="voluntary"' in page and 'data-test="not-offered"' in page
    assert 'data-test="subscribe"' not in page
    assert answer.status_code == 200 and 'data-test="not-offered"' in answer.get_data(as_text=True)
    assert subscriptions_of(family) == []


def test_the_price_is_shown_for_confirmation_before_anything_is_recorded(
    app: Flask, client: FlaskClient, world: World
) -> None:
    family = signed_in(app, client, world.a)

    answer = send(client, family.base + "/subscribe", choices(family, confirmed=None))

    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'data-test="confirm"' in page and "20.000 đ" in page
    assert subscriptions_of(family) == []
    assert messages_of("welcome") == []


def test_subscribing_records_the_portal_consent_with_the_childs_agreement_audited_as_the_family(
    app: Flask, client: FlaskClient, world: World
) -> None:
    family = signed_in(app, client, world.a)

    answer = send(client, family.base + "/subscribe", choices(family))

    assert answer.status_code == 302
    subscription = the_subscription(family)
    assert subscription.status == SubscriptionStatus.ACTIVE and subscription.starts_on == school_today()
    assert subscription.sms and not subscription.email and subscription.created_by_id is None
    [consent] = subscription.consents
    assert consent.method == "portal" and consent.child_consent is True and consent.recorded_by_id is None
    assert sorted(p.purpose for p in consent.purposes) == ["grades_sms", "notices_sms"]
    [row] = audit_rows("subscription.created")
    assert row.actor_id is None and row.details["by_family"] == family.account_id
    [welcome] = messages_of("welcome")
    assert welcome.channel == "sms" and welcome.to_address == "+84912345678"
    assert app.config["PORTAL_URL"] in welcome.body and welcome.status == MessageStatus.QUEUED


def test_a_child_of_7_or_more_must_agree_on_the_same_screen(app: Flask, client: FlaskClient, world: World) -> None:
    family = signed_in(app, client, world.a)

    form = client.get(family.base + "/subscribe").get_data(as_text=True)
    answer = send(client, family.base + "/subscribe", choices(family, child_agrees=False))

    assert 'data-test="child-agreement"' in form
    assert answer.status_code == 200 and 'role="alert"' in answer.get_data(as_text=True)
    assert subscriptions_of(family) == []


def test_a_child_under_7_needs_no_agreement(app: Flask, client: FlaskClient, world: World) -> None:
    family = signed_in(app, client, world.a)
    young = make_student(world.a, family.world.school_class, "Nguyễn Bé Na", "790100000077", born=date.today())
    make_guardian(world.a, [young], "Trần Thị Bình", phone="+84912345678")
    sign_in_family(app, client, phone="+84912345678")  # the family's records, as at its next sign-in
    base = f"/family/children/{young.id}/service"

    form = client.get(base + "/subscribe")
    answer = send(client, base + "/subscribe", choices(family, child_agrees=False))

    assert form.status_code == 200 and 'data-test="child-agreement"' not in form.get_data(as_text=True)
    assert answer.status_code == 302
    consent = db.session.scalars(db.select(Consent)).one()
    assert consent.child_consent is None


def test_a_channel_the_plan_lacks_or_no_purpose_is_refused(app: Flask, client: FlaskClient, world: World) -> None:
    family = signed_in(app, client, world.a)

    no_purpose = send(client, family.base + "/subscribe", choices(family, purposes=()))
    email_purpose_without_email = send(client, family.base + "/subscribe", choices(family, purposes=["grades_email"]))

    assert no_purpose.status_code == 200 and email_purpose_without_email.status_code == 200
    assert subscriptions_of(family) == []


def test_stopping_shows_the_refund_first_then_stops_audited_as_the_family(
    app: Flask, client: FlaskClient, world: World
) -> None:
    family = signed_in(app, client, world.a)
    send(client, family.base + "/subscribe", choices(family))
    subscription = the_subscription(family)
    payments.record_payment(
        world.a.school,
        world.a.staff["accountant"],
        subscription=subscription,
        amount=20_000,
        paid_on=school_today(),
        method=PaymentMethod.CASH,
        payer="Trần Thị Bình",
    )
    url = f"{family.base}/{subscription.id}/stop"

    quote = client.get(url).get_data(as_text=True)
    unconfirmed = send(client, url, {})
    still = the_subscription(family).status
    stopped = send(client, url, {"confirm": "y"})

    # Stopped on its first day: nothing used, everything paid is owed back.
    assert 'data-test="refund"' in quote and "20.000 đ" in quote.split('data-test="refund"')[1][:80]
    assert unconfirmed.status_code == 200 and still == SubscriptionStatus.ACTIVE
    assert stopped.status_code == 302
    subscription = the_subscription(family)
    assert subscription.status == SubscriptionStatus.CANCELLED and subscription.charge == 0
    assert all(p.withdrawn_at is not None for c in subscription.consents for p in c.purposes)
    [row] = audit_rows("subscription.cancelled")
    assert row.actor_id is None and row.details["by_family"] == family.account_id
    assert row.details["refund_owed"] == 20_000


def test_withdrawing_a_purpose_and_choosing_the_digest_are_audited_as_the_family(
    app: Flask, client: FlaskClient, world: World
) -> None:
    family = signed_in(app, client, world.a)
    send(client, family.base + "/subscribe", choices(family))
    subscription = the_subscription(family)

    send(client, f"{family.base}/{subscription.id}/withdraw", {"purpose": "grades_sms"})
    send(client, f"{family.base}/{subscription.id}/digest", {"choice": "digest"})

    subscription = the_subscription(family)
    withdrawn = {p.purpose: p.withdrawn_at for c in subscription.consents for p in c.purposes}
    assert withdrawn["grades_sms"] is not None and withdrawn["notices_sms"] is None
    assert subscription.digest is True
    assert audit_rows("consent.withdrawn")[0].details["by_family"]
    assert audit_rows("subscription.digest_chosen")[0].details["by_family"]


def test_adding_a_channel_needs_consent_to_its_purposes_and_dropping_one_withdraws_its_own(
    app: Flask, client: FlaskClient, world: World
) -> None:
    family = signed_in(app, client, world.a)
    send(client, family.base + "/subscribe", choices(family))
    subscription = the_subscription(family)
    url = f"{family.base}/{subscription.id}/channels"

    send(client, url, {"sms": "y", "email": "y"})  # no purpose for email: refused
    refused = the_subscription(family).email
    send(client, url, {"email": "y", "purposes": ["notices_email"], "child_agrees": "y"})  # email in, SMS out

    subscription = the_subscription(family)
    assert refused is False
    assert subscription.email is True and subscription.sms is False
    purposes = {p.purpose: p.withdrawn_at for c in subscription.consents for p in c.purposes}
    assert purposes["notices_email"] is None
    assert purposes["grades_sms"] is not None and purposes["notices_sms"] is not None
    assert [c.method for c in subscription.consents] == ["portal", "portal"]
    [row] = audit_rows("subscription.channels_changed")
    assert row.details["added"] == ["email"] and row.details["dropped"] == ["sms"] and row.details["by_family"]


def test_the_consent_receipt_and_the_payment_receipt_are_the_schools_own(
    app: Flask, client: FlaskClient, world: World
) -> None:
    family = signed_in(app, client, world.a)
    send(client, family.base + "/subscribe", choices(family))
    subscription = the_subscription(family)
    update_bank_account(
        world.a.school, world.a.admin, bank_bin="970436", account_number="0011001234567", account_name="TRUONG THCS"
    )

    overview = client.get(family.base + "/").get_data(as_text=True)
    recorded = payments.record_payment(
        world.a.school,
        world.a.staff["accountant"],
        subscription=subscription,
        amount=20_000,
        paid_on=school_today(),
        method=PaymentMethod.BANK_TRANSFER,
        payer="Trần Thị Bình",
        reference=payment_reference(subscription),
    ).payment
    consent_receipt = client.get(f"{family.base}/{subscription.id}/consent-receipt").get_data(as_text=True)
    paid_overview = client.get(family.base + "/").get_data(as_text=True)
    receipt = client.get(f"{family.base}/payments/{recorded.id}/receipt").get_data(as_text=True)

    assert 'data-test="payment-instructions"' in overview and payment_reference(subscription) in overview
    owed = subscription.charge  # nothing paid yet: the code asks for the whole charge, with the family's reference
    payload = vietqr_payload("970436", "0011001234567", owed, payment_reference(subscription))
    assert f'data-payload="{payload}"' in overview
    assert 'data-test="receipt"' in consent_receipt and 'data-test="child-consent"' in consent_receipt
    assert 'data-test="payment-instructions"' not in paid_overview and recorded.receipt_no in paid_overview
    assert 'data-test="receipt"' in receipt and recorded.receipt_no in receipt


def test_another_familys_child_and_subscription_answer_404(app: Flask, client: FlaskClient, world: World) -> None:
    family = signed_in(app, client, world.a)
    other_child = make_student(world.a, family.world.school_class, "Lê Thị Khác", "790100000099")
    other_guardian = make_guardian(world.a, [other_child], "Người khác", phone="+84987654321")
    send(client, family.base + "/subscribe", choices(family))
    own = the_subscription(family)
    # The other family subscribes too, and pays.
    sign_in_family(app, client, phone="+84987654321")
    other_base = f"/family/children/{other_child.id}/service"
    send(client, other_base + "/subscribe", choices(family))
    [other] = [s for s in subscriptions_of_child(other_child.id) if s.guardian_id == other_guardian.id]
    sign_in_family(app, client, phone="+84912345678")

    answers = [
        client.get(other_base + "/").status_code,
        client.get(other_base + "/subscribe").status_code,
        client.get(f"{other_base}/{other.id}/consent-receipt").status_code,
        client.get(f"{family.base}/{other.id}/consent-receipt").status_code,
        client.get(f"{family.base}/{other.id}/stop").status_code,
        send(client, f"{family.base}/{other.id}/stop", {"confirm": "y"}).status_code,
        send(client, f"{family.base}/{other.id}/withdraw", {"purpose": "grades_sms"}).status_code,
    ]

    assert answers == [404] * len(answers)
    assert client.get(f"{family.base}/{own.id}/consent-receipt").status_code == 200
    db.session.refresh(other)
    assert other.status == SubscriptionStatus.ACTIVE


HOSTILE = {
    "plan_id": "1 OR 1=1",
    "sms": "'; DROP TABLE subscriptions; --",
    "email": "\x00",
    "delivery": "<script>",
    "purposes": ["grades_sms", "nope", "x" * 5000],
    "given_by": "x" * 10_000,
    "child_agrees": "y",
    "confirmed": "2",
    "choice": "sometimes",
    "purpose": "../../etc",
}


def test_hostile_input_to_every_family_service_form_changes_nothing_and_never_fails(
    app: Flask, client: FlaskClient, world: World
) -> None:
    family = signed_in(app, client, world.a)
    send(client, family.base + "/subscribe", choices(family))
    subscription = the_subscription(family)
    before = (subscription.status, subscription.sms, subscription.email, subscription.digest)

    answers = [
        send(client, f"{family.base}/{path}", HOSTILE).status_code
        for path in ("subscribe", f"{subscription.id}/stop", f"{subscription.id}/channels", f"{subscription.id}/digest",
                     f"{subscription.id}/withdraw")
    ]  # fmt: skip
    answers += [
        client.get(url).status_code
        for url in (
            "/family/children/99999999999999999999/service/",
            f"{family.base}/0/stop",
            f"{family.base}/payments/-1/receipt",
            f"{family.base}/{10**12}/consent-receipt",
        )
    ]

    assert all(code < 500 for code in answers), answers
    subscription = the_subscription(family)
    assert (subscription.status, subscription.sms, subscription.email, subscription.digest) == before
    assert len(subscriptions_of(family)) == 1


def test_the_school_sees_a_portal_subscription_as_given_by_the_family_in_the_portal(
    app: Flask, client: FlaskClient, world: World
) -> None:
    family = signed_in(app, client, world.a)
    send(client, family.base + "/subscribe", choices(family))
    subscription = the_subscription(family)
    login(client, "accountant", world.a.slug)

    detail = client.get(f"/s/{world.a.slug}/service/subscriptions/{subscription.id}").get_data(as_text=True)
    receipt = client.get(f"/s/{world.a.slug}/service/subscriptions/{subscription.id}/consent-receipt")

    assert "Gia đình, qua Cổng phụ huynh" in detail
    assert "Gia đình, qua Cổng phụ huynh" in receipt.get_data(as_text=True) and receipt.status_code == 200
