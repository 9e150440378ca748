"""The school's pages of the paid service: the switch and settings, plans, and subscriptions recorded from
paper consent forms (withdrawal, opt-out with its pro-rata refund, exemption, printable receipt).

Alpha has class 6A1 with Nguyễn Văn An (born 2014, so 7 or older: his own consent is needed) and his mother
Trần Thị Bình (phone and email). Beta has the same. Only staff with `settings.manage` or
`subscriptions.manage` see these pages; teachers see nothing of who subscribed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from contactbook.extensions import db
from contactbook.models import (
    PaymentMethod,
    Plan,
    PlanPeriod,
    ServiceSettings,
    Subscription,
    SubscriptionStatus,
)
from contactbook.subscriptions import services
from contactbook.subscriptions.forms import PriceError, parse_price
from contactbook.subscriptions.labels import vnd
from contactbook.subscriptions.services import record_payment
from tests.factories import SchoolPeople, World, login, post
from tests.roster.factories import ClassWorld, make_class_world, make_guardian, make_student
from tests.subscriptions import payment_factories as factories
from tests.support import browser, flashes, follow, main_text, page, translated

A = "/s/alpha"
S = A + "/service"


# --- Helpers ----------------------------------------------------------------------------------------


def today() -> date:
    """Today where the school is (the pages' default dates)."""
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def signed_in(app: Flask, username: str, slug: str = "alpha") -> FlaskClient:
    client = browser(app)
    assert login(client, username, slug).status_code == 302
    return client


def make_plan(
    people: SchoolPeople,
    name: str = "Gói tháng",
    price: int = 50_000,
    period: PlanPeriod = PlanPeriod.MONTH,
) -> Plan:
    return factories.make_plan(people, name, price, period, email=True)


def subscribe(
    people: SchoolPeople, roster: ClassWorld, plan: Plan, starts_on: date, purposes: tuple[str, ...] = ("grades_sms",)
) -> Subscription:
    """The mother's subscription for An, as recorded from a signed paper form."""
    return factories.subscribe(
        people, roster.guardian, roster.student, plan, starts_on, purposes=purposes, email=True, actor=people.admin
    )


def count(model: type, **where: object) -> int:
    db.session.expire_all()
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return int(db.session.scalar(query) or 0)


def errors(response: TestResponse) -> str:
    """The error messages on a page (field errors and form-level alerts), joined."""
    body = response.get_data(as_text=True)
    found = re.findall(r'<p class="error">(.*?)</p>', body) + re.findall(
        r'<p class="flash error" role="alert">(.*?)</p>', body, re.DOTALL
    )
    return " | ".join(" ".join(html.unescape(message).split()) for message in found)


def consent_form(
    plan: Plan, *, purposes: tuple[str, ...] = ("grades_sms", "notices_email"), child: bool = True, **extra: str
) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "plan_id": str(plan.id),
        "sms": "y",
        "email": "y",
        "starts_on": today().isoformat(),
        "purposes": list(purposes),
        "given_by": "Trần Thị Bình",
        "method": "paper",
    }
    if child:
        data["child_consent"] = "y"
    return {**data, **extra}


def post_form(client: FlaskClient, url: str, data: dict[str, str | list[str]]) -> TestResponse:
    """`post` for forms with repeated fields (checkbox lists)."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True))
    assert token
    return client.post(url, data={**data, "csrf_token": token.group(1)})


@dataclass
class Alpha:
    roster: ClassWorld
    plan: Plan


@pytest.fixture
def alpha(world: World) -> Alpha:
    """Alpha with its roster, the service switched on and a monthly plan of 50.000 đ."""
    roster = make_class_world(world.a)
    factories.service_on(world.a)
    return Alpha(roster, make_plan(world.a))


@pytest.fixture
def beta(world: World) -> ClassWorld:
    return make_class_world(world.b)


@pytest.fixture
def admin(app: Flask, world: World) -> FlaskClient:
    return signed_in(app, "admin")


def family_url(roster: ClassWorld) -> str:
    return f"{S}/subscriptions/new?student_id={roster.student.id}&guardian_id={roster.guardian.id}"


# --- Pages render -----------------------------------------------------------------------------------


def test_every_service_page_renders_for_the_admin(admin: FlaskClient, alpha: Alpha, world: World) -> None:
    subscription = subscribe(world.a, alpha.roster, alpha.plan, today())
    paths = [
        "/settings",
        "/plans/",
        "/subscriptions/",
        "/subscriptions/?status=active",
        "/subscriptions/?status=nonsense",
        "/subscriptions/new",
        "/subscriptions/new?q=an",
        "/subscriptions/new?student_id=abc&guardian_id=",
        f"/subscriptions/new?student_id={alpha.roster.student.id}&guardian_id={alpha.roster.guardian.id}",
        f"/subscriptions/{subscription.id}",
        f"/subscriptions/{subscription.id}/opt-out",
        f"/subscriptions/{subscription.id}/opt-out?stop_on={today().isoformat()}",
        f"/subscriptions/{subscription.id}/opt-out?stop_on=not-a-date",
        f"/subscriptions/{subscription.id}/consent-receipt",
    ]
    for path in paths:
        assert admin.get(S + path).status_code == 200, path


def test_service_pages_render_before_anything_is_set_up(admin: FlaskClient, world: World) -> None:
    for path in ("/settings", "/plans/", "/subscriptions/", "/subscriptions/new", "/subscriptions/new?q=x"):
        assert admin.get(S + path).status_code == 200, path


def test_dashboard_links_the_service_pages_for_those_who_hold_the_permissions(app: Flask, world: World) -> None:
    admin_home = page(signed_in(app, "admin").get(A + "/home"))
    accountant_home = page(signed_in(app, "accountant").get(A + "/home"))
    teacher_home = page(signed_in(app, "teacher").get(A + "/home"))

    for path in ("/settings", "/plans/", "/subscriptions/", "/subscriptions/new"):
        assert f'href="{S}{path}"' in admin_home
        assert f'href="{S}' not in teacher_home
    assert f'href="{S}/subscriptions/"' in accountant_home
    assert f'href="{S}/settings"' not in accountant_home


# --- The switch and the settings --------------------------------------------------------------------


def test_switching_on_needs_the_confirmation_box(app: Flask, admin: FlaskClient, world: World) -> None:
    response = post(admin, S + "/switch", {"enabled": "1"})

    assert response.status_code == 200
    assert translated(app, "Tick the box to confirm.") in errors(response)
    assert count(ServiceSettings, school_id=world.a.school.id, enabled=True) == 0
    # The page is shown at /switch: its settings form must still post to the settings.
    assert f'action="{S}/settings"' in page(response)


def test_switching_on_records_who_and_when(app: Flask, admin: FlaskClient, world: World) -> None:
    response = post(admin, S + "/switch", {"enabled": "1", "confirm": "y"})

    assert flashes(follow(admin, response)) == [translated(app, "The paid service is now on.")]
    db.session.expire_all()
    settings = db.session.get(ServiceSettings, world.a.school.id)
    assert settings is not None and settings.enabled and settings.changed_by_id == world.a.admin.id
    text = main_text(admin.get(S + "/settings"))
    assert translated(app, "On") in text
    assert "Admin alpha" in text


def test_switching_off_needs_the_box_that_says_sending_stops(app: Flask, admin: FlaskClient, world: World) -> None:
    factories.service_on(world.a)
    settings_page = page(admin.get(S + "/settings"))
    assert translated(app, "I understand paid sending stops at once") in settings_page

    refused = post(admin, S + "/switch", {"enabled": "0"})
    assert translated(app, "Tick the box to confirm.") in errors(refused)
    assert count(ServiceSettings, school_id=world.a.school.id, enabled=True) == 1

    response = post(admin, S + "/switch", {"enabled": "0", "confirm": "y"})
    assert flashes(follow(admin, response)) == [translated(app, "The paid service is now off.")]
    assert count(ServiceSettings, school_id=world.a.school.id, enabled=True) == 0


def test_switch_with_a_bad_value_is_refused(admin: FlaskClient, world: World) -> None:
    assert post(admin, S + "/switch", {"enabled": "maybe", "confirm": "y"}).status_code == 400
    assert count(ServiceSettings, school_id=world.a.school.id, enabled=True) == 0


def test_settings_are_saved(app: Flask, admin: FlaskClient, world: World) -> None:
    data = {"free_categories": ["emergency", "fee"], "unpaid_flag_days": "30", "reminder_days": "10"}

    response = post_form(admin, S + "/settings", data)

    assert flashes(follow(admin, response)) == [translated(app, "Settings saved.")]
    db.session.expire_all()
    settings = db.session.get(ServiceSettings, world.a.school.id)
    assert settings is not None
    assert (settings.free_categories, settings.allow_unpaid_start) == (["emergency", "fee"], False)
    assert (settings.unpaid_flag_days, settings.reminder_days) == (30, 10)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("unpaid_flag_days", "0", "From 1 to 365 days."),
        ("unpaid_flag_days", "366", "From 1 to 365 days."),
        ("reminder_days", "61", "From 1 to 60 days."),
    ],
)
def test_settings_out_of_range_are_refused_and_change_nothing(
    app: Flask, admin: FlaskClient, world: World, name: str, value: str, message: str
) -> None:
    data = {"free_categories": ["emergency"], "unpaid_flag_days": "14", "reminder_days": "7", name: value}

    response = post_form(admin, S + "/settings", data)

    assert response.status_code == 200
    assert translated(app, message) in errors(response)
    assert count(ServiceSettings, school_id=world.a.school.id, unpaid_flag_days=int(value)) == 0
    assert count(ServiceSettings, school_id=world.a.school.id, reminder_days=int(value)) == 0


def test_settings_refuse_an_unknown_category(admin: FlaskClient, world: World) -> None:
    data = {"free_categories": ["grades"], "unpaid_flag_days": "14", "reminder_days": "7"}

    response = post_form(admin, S + "/settings", data)

    assert response.status_code == 200
    assert errors(response)
    db.session.expire_all()
    settings = db.session.get(ServiceSettings, world.a.school.id)
    assert settings is None or "grades" not in settings.free_categories


# --- Plans ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("50000", 50_000), ("50.000", 50_000), ("50 000", 50_000), ("1.250.000", 1_250_000), ("30.000 đ", 30_000)],
)
def test_a_price_is_read_as_whole_dong(typed: str, amount: int) -> None:
    assert parse_price(typed) == amount


@pytest.mark.parametrize("typed", ["50.000,5", "50,5", "50.5", "49999.99"])
def test_a_price_with_decimals_is_refused(app: Flask, typed: str) -> None:
    with pytest.raises(PriceError) as refused:
        parse_price(typed)
    assert "decimals" in str(refused.value.args[0])


@pytest.mark.parametrize("typed", ["abc", "-5", "5O.000", "50.00.0"])
def test_a_price_that_is_not_a_number_is_refused(typed: str) -> None:
    with pytest.raises(PriceError):
        parse_price(typed)


def test_amounts_are_shown_in_vietnamese_dong() -> None:
    assert vnd(50_000) == "50.000 đ"
    assert vnd(16_130) == "16.130 đ"
    assert vnd(0) == "0 đ"
    assert vnd(1_250_000) == "1.250.000 đ"
    assert vnd(-33_870) == "-33.870 đ"


def test_admin_publishes_a_plan_with_a_dotted_price(app: Flask, admin: FlaskClient, world: World) -> None:
    data = {"name": "Gói học kỳ", "price": "150.000", "period": "semester", "sms": "y", "email": "y"}

    response = post(admin, S + "/plans/", data)

    assert flashes(follow(admin, response)) == [translated(app, "Plan %(name)s published.", name="Gói học kỳ")]
    db.session.expire_all()
    plan = db.session.scalar(select(Plan).where(Plan.school_id == world.a.school.id))
    assert plan is not None
    assert (plan.name, plan.price, plan.period, plan.sms, plan.email, plan.active) == (
        "Gói học kỳ",
        150_000,
        PlanPeriod.SEMESTER,
        True,
        True,
        True,
    )
    assert "150.000 đ" in main_text(admin.get(S + "/plans/"))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("50.000,5", "Write the price in whole đồng, without decimals, for example 50.000."),
        ("fifty", "Write the price as a number of đồng, for example 50.000."),
        ("999.999.999", "The price is too large."),
        ("0", "The price must be a positive number of đồng."),
        ("", "This field is required."),
    ],
)
def test_a_bad_price_is_refused_with_a_clear_message(
    app: Flask, admin: FlaskClient, world: World, typed: str, message: str
) -> None:
    data = {"name": "Gói tháng", "price": typed, "period": "month", "sms": "y"}

    response = post(admin, S + "/plans/", data)

    assert response.status_code == 200
    assert translated(app, message) in errors(response)
    assert count(Plan, school_id=world.a.school.id) == 0


def test_a_plan_without_channel_is_refused(app: Flask, admin: FlaskClient, world: World) -> None:
    response = post(admin, S + "/plans/", {"name": "Gói tháng", "price": "20000", "period": "month"})

    assert translated(app, "A plan includes SMS, email or both.") in errors(response)
    assert count(Plan, school_id=world.a.school.id) == 0


def test_the_authority_ceiling_is_shown_and_enforced(app: Flask, admin: FlaskClient, world: World) -> None:
    services.set_price_ceiling(world.province, world.operator, PlanPeriod.MONTH, 30_000)

    assert "30.000 đ" in main_text(admin.get(S + "/plans/"))
    response = post(admin, S + "/plans/", {"name": "Gói tháng", "price": "35.000", "period": "month", "sms": "y"})

    assert translated(app, "The price is above the ceiling set by the education authority.") in errors(response)
    assert count(Plan, school_id=world.a.school.id) == 0
    accepted = post(admin, S + "/plans/", {"name": "Gói tháng", "price": "30.000", "period": "month", "sms": "y"})
    assert accepted.status_code == 302
    assert count(Plan, school_id=world.a.school.id, price=30_000) == 1


def test_a_plan_is_withdrawn_and_offered_again(app: Flask, admin: FlaskClient, alpha: Alpha) -> None:
    url = f"{S}/plans/{alpha.plan.id}/active"

    withdrawn = post(admin, url, {"active": "0"})
    assert flashes(follow(admin, withdrawn)) == [translated(app, "Plan %(name)s withdrawn.", name="Gói tháng")]
    assert count(Plan, id=alpha.plan.id, active=False) == 1
    # A withdrawn plan is not offered on the consent form.
    assert f'<option value="{alpha.plan.id}"' not in page(admin.get(family_url(alpha.roster)))

    post(admin, url, {"active": "1"})
    assert count(Plan, id=alpha.plan.id, active=True) == 1
    assert post(admin, url, {"active": "yes"}).status_code == 400


def test_a_plan_above_a_ceiling_lowered_later_is_not_offered_again(
    app: Flask, admin: FlaskClient, alpha: Alpha, world: World
) -> None:
    url = f"{S}/plans/{alpha.plan.id}/active"
    post(admin, url, {"active": "0"})
    services.set_price_ceiling(world.ward, world.officer, PlanPeriod.MONTH, 40_000)

    refused = post(admin, url, {"active": "1"})
    message = translated(app, "The price is above the ceiling set by the education authority.")
    assert flashes(follow(admin, refused)) == [message]
    assert count(Plan, id=alpha.plan.id, active=False) == 1


def test_a_plan_of_another_school_is_not_found(admin: FlaskClient, world: World) -> None:
    other = make_plan(world.b)

    assert post(admin, f"{S}/plans/{other.id}/active", {"active": "0"}).status_code == 404
    assert count(Plan, id=other.id, active=True) == 1


# --- Recording a paper consent form -----------------------------------------------------------------


def test_the_family_is_picked_by_searching_the_student(admin: FlaskClient, alpha: Alpha, beta: ClassWorld) -> None:
    by_name = page(admin.get(S + "/subscriptions/new?q=nguyen van"))
    by_id = page(admin.get(S + "/subscriptions/new?q=790100000001"))

    link = f"student_id={alpha.roster.student.id}&amp;guardian_id={alpha.roster.guardian.id}"
    for found in (by_name, by_id):
        assert "Nguyễn Văn An" in found and "Trần Thị Bình" in found
        assert link in admin.get(S + "/subscriptions/new?q=an").get_data(as_text=True)
    # Only alpha's students: beta's An (same name) is not listed with beta's ids.
    assert f"student_id={beta.student.id}&" not in admin.get(S + "/subscriptions/new?q=an").get_data(as_text=True)


def test_ids_of_another_school_or_of_no_family_answer_404(
    admin: FlaskClient, alpha: Alpha, beta: ClassWorld, world: World
) -> None:
    mine, theirs = alpha.roster, beta
    stranger = make_guardian(world.a, [], "Người lạ")

    for student_id, guardian_id in (
        (theirs.student.id, theirs.guardian.id),
        (mine.student.id, theirs.guardian.id),
        (theirs.student.id, mine.guardian.id),
        (mine.student.id, stranger.id),
        (mine.student.id, 2**40),
    ):
        url = f"{S}/subscriptions/new?student_id={student_id}&guardian_id={guardian_id}"
        assert admin.get(url).status_code == 404, url
        assert post(admin, url, {"plan_id": str(alpha.plan.id)}).status_code == 404, url


def test_the_consent_form_says_the_service_is_voluntary_and_fills_in_defaults(
    app: Flask, admin: FlaskClient, alpha: Alpha
) -> None:
    form_page = page(admin.get(family_url(alpha.roster)))

    assert 'data-test="voluntary"' in form_page
    assert f'value="{today().isoformat()}"' in form_page
    assert 'value="Trần Thị Bình"' in form_page
    assert re.search(r'<input checked[^>]*name="method"[^>]*value="paper"', form_page)
    assert 'name="child_consent"' in form_page  # An is 7 or older
    assert "50.000 đ" in form_page


def test_recording_a_consent_form_subscribes_the_family(app: Flask, admin: FlaskClient, alpha: Alpha) -> None:
    response = post_form(admin, family_url(alpha.roster), consent_form(alpha.plan))

    assert response.status_code == 302, errors(response)
    db.session.expire_all()
    subscription = db.session.scalar(select(Subscription).where(Subscription.student_id == alpha.roster.student.id))
    assert subscription is not None
    assert response.headers["Location"].endswith(f"{S}/subscriptions/{subscription.id}")
    assert (subscription.sms, subscription.email, subscription.price, subscription.charge) == (
        True,
        True,
        50_000,
        50_000,
    )
    assert subscription.starts_on == today()
    [consent] = subscription.consents
    assert (consent.given_by, consent.method, consent.child_consent) == ("Trần Thị Bình", "paper", True)
    assert sorted(p.purpose for p in consent.purposes) == ["grades_sms", "notices_email"]
    assert flashes(follow(admin, response)) == [translated(app, "Subscription recorded with the family's consent.")]


def test_the_childs_own_consent_is_required_from_age_7(app: Flask, admin: FlaskClient, alpha: Alpha) -> None:
    response = post_form(admin, family_url(alpha.roster), consent_form(alpha.plan, child=False))

    assert response.status_code == 200
    assert translated(app, "The student is 7 or older: the child's own consent is needed too.") in errors(response)
    assert count(Subscription, student_id=alpha.roster.student.id) == 0


def test_a_child_under_7_is_not_asked_for_its_own_consent(
    app: Flask, admin: FlaskClient, alpha: Alpha, world: World
) -> None:
    born = date(today().year - 5, 1, 1)
    young = make_student(world.a, alpha.roster.school_class, "Nguyễn Văn Bé", "790100000099", born=born)
    link = make_guardian(world.a, [young], "Nguyễn Văn Cha", relation="father", email="cha@example.vn")
    url = f"{S}/subscriptions/new?student_id={young.id}&guardian_id={link.id}"

    assert 'name="child_consent"' not in page(admin.get(url))
    response = post_form(admin, url, consent_form(alpha.plan, child=False, given_by="Nguyễn Văn Cha"))

    assert response.status_code == 302, errors(response)
    db.session.expire_all()
    subscription = db.session.scalar(select(Subscription).where(Subscription.student_id == young.id))
    assert subscription is not None and subscription.consents[0].child_consent is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"purposes": []}, "Choose at least one purpose the family consents to."),
        ({"purposes": ["grades_sms"], "sms": ""}, "An SMS purpose needs the SMS channel."),
        ({"given_by": ""}, "This field is required."),
        ({"starts_on": "31/02/2026"}, "Not a valid date value."),
        ({"starts_on": "2000-01-01"}, "Choose a start date within a year of today."),
        ({"method": "telepathy"}, "Not a valid choice."),
        ({"purposes": ["everything"]}, "'everything' is not a valid choice for this field."),
    ],
)
def test_a_bad_consent_form_is_refused_and_changes_nothing(
    app: Flask, admin: FlaskClient, alpha: Alpha, change: dict[str, str | list[str]], message: str
) -> None:
    data = {**consent_form(alpha.plan), **change}
    data = {name: value for name, value in data.items() if value != ""}

    response = post_form(admin, family_url(alpha.roster), data)

    assert response.status_code == 200
    assert translated(app, message) in errors(response), errors(response)
    assert count(Subscription, student_id=alpha.roster.student.id) == 0


def test_a_plan_of_another_school_cannot_be_chosen(admin: FlaskClient, alpha: Alpha, world: World) -> None:
    other = make_plan(world.b)

    response = post_form(admin, family_url(alpha.roster), consent_form(alpha.plan, plan_id=str(other.id)))

    assert response.status_code == 200
    assert count(Subscription, student_id=alpha.roster.student.id) == 0


def test_no_family_can_be_subscribed_while_the_service_is_off(
    app: Flask, admin: FlaskClient, alpha: Alpha, world: World
) -> None:
    services.set_service_enabled(world.a.school, world.a.admin, False)

    form_page = admin.get(family_url(alpha.roster))
    response = post_form(admin, family_url(alpha.roster), consent_form(alpha.plan))

    assert translated(app, "The paid service is switched off for this school.") in main_text(form_page)
    assert response.status_code == 200
    assert count(Subscription, student_id=alpha.roster.student.id) == 0


def test_a_second_subscription_for_the_same_period_is_refused(
    app: Flask, admin: FlaskClient, alpha: Alpha, world: World
) -> None:
    subscribe(world.a, alpha.roster, alpha.plan, today())

    response = post_form(admin, family_url(alpha.roster), consent_form(alpha.plan))

    message = "This guardian already has a subscription for this student in that period."
    assert translated(app, message) in errors(response)
    assert count(Subscription, student_id=alpha.roster.student.id) == 1


# --- The list and a subscription's page -------------------------------------------------------------


def test_the_list_shows_subscriptions_and_filters_them_by_status(
    app: Flask, admin: FlaskClient, alpha: Alpha, world: World
) -> None:
    running = subscribe(world.a, alpha.roster, alpha.plan, today())
    father = make_guardian(world.a, [alpha.roster.student], "Nguyễn Văn Ba", relation="father", phone="+84911111111")
    stopped = services.subscribe(
        world.a.school,
        world.a.admin,
        guardian=father,
        student=alpha.roster.student,
        plan=alpha.plan,
        sms=True,
        email=False,
        digest=False,
        starts_on=today(),
        consent=services.ConsentForm("Nguyễn Văn Ba", "paper", frozenset({"notices_sms"}), child_consent=True),
    )
    services.opt_out(world.a.school, world.a.admin, stopped, today(), None)

    everything = main_text(admin.get(S + "/subscriptions/"))
    active_only = main_text(admin.get(S + "/subscriptions/?status=active"))
    cancelled_only = main_text(admin.get(S + "/subscriptions/?status=cancelled"))

    for text in (everything, active_only):
        assert "Trần Thị Bình" in text and "Nguyễn Văn An" in text and "6A1" in text and "Gói tháng" in text
    assert "Nguyễn Văn Ba" in everything and "Nguyễn Văn Ba" in cancelled_only
    assert "Nguyễn Văn Ba" not in active_only and "Trần Thị Bình" not in cancelled_only
    assert f"{S}/subscriptions/{running.id}" in admin.get(S + "/subscriptions/").get_data(as_text=True)


def test_a_subscription_page_shows_everything_about_it(
    app: Flask, admin: FlaskClient, alpha: Alpha, world: World
) -> None:
    subscription = subscribe(world.a, alpha.roster, alpha.plan, today(), ("grades_sms", "notices_email"))

    response = admin.get(f"{S}/subscriptions/{subscription.id}")
    text = main_text(response)

    for expected in ("Nguyễn Văn An", "790100000001", "6A1", "Trần Thị Bình", "Gói tháng", "50.000 đ", "Admin alpha"):
        assert expected in text, expected
    for purpose in ("Grades by SMS", "Notices by email"):
        assert translated(app, purpose) in text
    assert today().strftime("%d/%m/%Y") in text
    body = response.get_data(as_text=True)
    assert f'href="{S}/subscriptions/{subscription.id}/consent-receipt"' in body
    assert f'href="{S}/subscriptions/{subscription.id}/opt-out"' in body
    # The family's account page, once the payments pages exist (built separately).
    family_link = "/families/" + str(alpha.roster.guardian.id)
    assert (family_link in body) == ("payments.family" in app.view_functions)


def test_a_subscription_of_another_school_is_not_found(admin: FlaskClient, world: World, beta: ClassWorld) -> None:
    factories.service_on(world.b)
    theirs = subscribe(world.b, beta, make_plan(world.b), today())

    for suffix in ("", "/opt-out", "/consent-receipt"):
        assert admin.get(f"{S}/subscriptions/{theirs.id}{suffix}").status_code == 404, suffix
    assert post(admin, f"{S}/subscriptions/{theirs.id}/withdraw", {"purpose": "grades_sms"}).status_code == 404
    assert admin.get(f"{S}/subscriptions/{2**40}").status_code == 404


# --- Withdrawing consent, opting out, exemptions ----------------------------------------------------


def test_withdrawing_a_purpose_stops_it_and_shows_when(
    app: Flask, admin: FlaskClient, alpha: Alpha, world: World
) -> None:
    subscription = subscribe(world.a, alpha.roster, alpha.plan, today(), ("grades_sms", "notices_email"))

    response = post(admin, f"{S}/subscriptions/{subscription.id}/withdraw", {"purpose": "grades_sms"})

    label = translated(app, "Grades by SMS")
    assert flashes(follow(admin, response)) == [translated(app, "Consent withdrawn for %(purpose)s.", purpose=label)]
    db.session.expire_all()
    rows = {row.purpose: row.withdrawn_at for row in db.session.get(Subscription, subscription.id).consents[0].purposes}
    assert rows["grades_sms"] is not None and rows["notices_email"] is None
    detail = page(admin.get(f"{S}/subscriptions/{subscription.id}"))
    assert 'data-test="withdraw-grades_sms"' not in detail
    assert 'data-test="withdraw-notices_email"' in detail


def test_withdrawing_twice_or_an_unknown_purpose_says_why(
    app: Flask, admin: FlaskClient, alpha: Alpha, world: World
) -> None:
    subscription = subscribe(world.a, alpha.roster, alpha.plan, today())
    url = f"{S}/subscriptions/{subscription.id}/withdraw"

    assert flashes(follow(admin, post(admin, url, {"purpose": "notices_email"}))) == [
        translated(app, "There is no consent for this purpose to withdraw.")
    ]
    assert flashes(follow(admin, post(admin, url, {"purpose": "everything"}))) == [
        translated(app, "Choose a purpose to withdraw.")
    ]


@pytest.fixture
def paid_march(alpha: Alpha, world: World) -> Subscription:
    """A subscription of March 2026 (31 days, 50.000 đ), paid in full."""
    subscription = subscribe(world.a, alpha.roster, alpha.plan, date(2026, 3, 1))
    record_payment(
        world.a.school,
        world.a.admin,
        subscription=subscription,
        amount=50_000,
        paid_on=date(2026, 3, 2),
        method=PaymentMethod.CASH,
        payer="Trần Thị Bình",
    )
    return subscription


def test_the_opt_out_quote_shows_exact_dong(admin: FlaskClient, paid_march: Subscription) -> None:
    response = admin.get(f"{S}/subscriptions/{paid_march.id}/opt-out?stop_on=2026-03-11")
    body = page(response)

    # 10 of 31 days used: 50.000 × 10 / 31 = 16.129,03… rounded up to the đồng; the rest is owed back.
    assert re.search(r'data-test="used-days">10 / 31<', body)
    assert re.search(r'data-test="used-charge">16\.130 đ<', body)
    assert re.search(r'data-test="refund">33\.870 đ<', body)
    assert 'value="2026-03-11"' in body
    assert count(Subscription, id=paid_march.id, status=SubscriptionStatus.ACTIVE) == 1


def test_a_stop_day_outside_the_subscription_gets_no_quote(
    app: Flask, admin: FlaskClient, paid_march: Subscription
) -> None:
    response = admin.get(f"{S}/subscriptions/{paid_march.id}/opt-out?stop_on=2026-05-01")

    message = translated(app, "Choose a day from %(first)s to %(last)s.", first="01/03/2026", last="31/03/2026")
    assert message in errors(response)
    assert 'data-test="quote"' not in page(response)


def test_opting_out_needs_confirmation(app: Flask, admin: FlaskClient, paid_march: Subscription) -> None:
    response = post(admin, f"{S}/subscriptions/{paid_march.id}/opt-out", {"stop_on": "2026-03-11"})

    assert response.status_code == 200
    assert translated(app, "Tick the box to confirm.") in errors(response)
    assert count(Subscription, id=paid_march.id, status=SubscriptionStatus.ACTIVE) == 1


def test_opting_out_applies_the_quote(app: Flask, admin: FlaskClient, paid_march: Subscription) -> None:
    url = f"{S}/subscriptions/{paid_march.id}/opt-out"

    response = post(admin, url, {"stop_on": "2026-03-11", "reason": "Gia đình chuyển trường", "confirm": "y"})

    message = translated(
        app,
        "The subscription stops from %(day)s. Charge for the days used: %(charge)s. Refund owed: %(refund)s.",
        day="11/03/2026",
        charge="16.130 đ",
        refund="33.870 đ",
    )
    detail = follow(admin, response)
    assert flashes(detail) == [message]
    db.session.expire_all()
    subscription = db.session.get(Subscription, paid_march.id)
    assert subscription is not None
    assert (subscription.status, subscription.cancelled_on, subscription.charge) == (
        SubscriptionStatus.CANCELLED,
        date(2026, 3, 11),
        16_130,
    )
    assert subscription.cancel_reason == "Gia đình chuyển trường"
    assert all(row.withdrawn_at is not None for row in subscription.consents[0].purposes)
    assert re.search(r'data-test="refund">33\.870 đ<', page(detail))
    # Once stopped, it cannot be stopped again.
    again = post(admin, url, {"stop_on": "2026-03-12", "confirm": "y"})
    assert flashes(follow(admin, again)) == [translated(app, "This subscription is no longer running.")]
    assert count(Subscription, id=paid_march.id, charge=16_130) == 1


def test_opting_out_with_a_bad_date_changes_nothing(admin: FlaskClient, paid_march: Subscription) -> None:
    url = f"{S}/subscriptions/{paid_march.id}/opt-out"

    for stop_on in ("not-a-date", "2027-01-01", ""):
        response = post(admin, url, {"stop_on": stop_on, "confirm": "y"})
        assert response.status_code == 200, stop_on
    assert count(Subscription, id=paid_march.id, status=SubscriptionStatus.ACTIVE) == 1


def test_an_exemption_waives_the_fee_and_can_be_removed(
    app: Flask, admin: FlaskClient, alpha: Alpha, world: World
) -> None:
    subscription = subscribe(world.a, alpha.roster, alpha.plan, today())
    url = f"{S}/subscriptions/{subscription.id}/exemption"

    response = post(admin, url, {"action": "set", "reason": "Hộ nghèo"})
    assert flashes(follow(admin, response)) == [translated(app, "Exemption saved.")]
    assert count(Subscription, id=subscription.id, exempt=True, charge=0, exemption_reason="Hộ nghèo") == 1
    assert "Hộ nghèo" in main_text(admin.get(f"{S}/subscriptions/{subscription.id}"))

    response = post(admin, url, {"action": "remove"})
    assert flashes(follow(admin, response)) == [translated(app, "Exemption removed.")]
    assert count(Subscription, id=subscription.id, exempt=False, charge=50_000) == 1


def test_an_exemption_needs_a_reason(app: Flask, admin: FlaskClient, alpha: Alpha, world: World) -> None:
    subscription = subscribe(world.a, alpha.roster, alpha.plan, today())
    url = f"{S}/subscriptions/{subscription.id}/exemption"

    response = post(admin, url, {"action": "set", "reason": "  "})

    assert flashes(follow(admin, response)) == [translated(app, "Write the reason for the exemption.")]
    assert count(Subscription, id=subscription.id, exempt=False) == 1
    assert post(admin, url, {"action": "set", "reason": "x" * 201}).status_code == 302
    assert count(Subscription, id=subscription.id, exempt=False) == 1


# --- The consent receipt ----------------------------------------------------------------------------


def test_the_consent_receipt_holds_everything_to_print(
    app: Flask, admin: FlaskClient, alpha: Alpha, world: World
) -> None:
    subscription = subscribe(world.a, alpha.roster, alpha.plan, date(2026, 3, 1), ("grades_sms", "notices_email"))

    response = admin.get(f"{S}/subscriptions/{subscription.id}/consent-receipt")
    text = main_text(response)

    for expected in (
        "Trường alpha",
        "Nguyễn Văn An",
        "790100000001",
        "09/03/2014",
        "6A1",
        "Trần Thị Bình",
        "Gói tháng",
        "50.000 đ",
        "01/03/2026 – 31/03/2026",
        "Admin alpha",
        translated(app, "Grades by SMS"),
        translated(app, "Notices by email"),
        translated(app, "Paper form"),
        translated(app, "Given (the student is 7 or older)"),
        translated(app, "(signature and full name)"),
    ):
        assert expected in text, expected
    body = response.get_data(as_text=True)
    assert "data-print" in body and "print.js" in body
    assert "<script>" not in body  # no inline script (the Content-Security-Policy forbids it)
    css = admin.get("/static/app.css").get_data(as_text=True)
    assert "@media print" in css


# --- Who may do what --------------------------------------------------------------------------------


def test_an_accountant_records_subscriptions_but_cannot_change_settings(app: Flask, alpha: Alpha, world: World) -> None:
    accountant = signed_in(app, "accountant")

    for path in ("/settings", "/plans/"):
        assert accountant.get(S + path).status_code == 403, path
    assert post(accountant, S + "/switch", {"enabled": "0", "confirm": "y"}).status_code == 403
    assert post(accountant, S + "/plans/", {"name": "X", "price": "1000", "period": "month"}).status_code == 403
    assert post(accountant, f"{S}/plans/{alpha.plan.id}/active", {"active": "0"}).status_code == 403
    assert count(ServiceSettings, school_id=world.a.school.id, enabled=True) == 1

    response = post_form(accountant, family_url(alpha.roster), consent_form(alpha.plan))
    assert response.status_code == 302, errors(response)
    db.session.expire_all()
    subscription = db.session.scalar(select(Subscription).where(Subscription.student_id == alpha.roster.student.id))
    assert subscription is not None and subscription.created_by_id == world.a.staff["accountant"].id
    assert accountant.get(S + "/subscriptions/").status_code == 200
    # The accountant records payments, so it may also waive a fee.
    exempt = post(accountant, f"{S}/subscriptions/{subscription.id}/exemption", {"action": "set", "reason": "Hộ nghèo"})
    assert exempt.status_code == 302


@pytest.mark.parametrize("username", ["teacher", "homeroom", "principal"])
def test_teachers_and_the_principal_get_403_on_every_service_page(
    app: Flask, alpha: Alpha, world: World, username: str
) -> None:
    subscription = subscribe(world.a, alpha.roster, alpha.plan, today())
    client = signed_in(app, username)
    sid = subscription.id

    for path in (
        "/settings",
        "/plans/",
        "/subscriptions/",
        "/subscriptions/new",
        family_url(alpha.roster).removeprefix(S),
        f"/subscriptions/{sid}",
        f"/subscriptions/{sid}/opt-out",
        f"/subscriptions/{sid}/consent-receipt",
    ):
        assert client.get(S + path).status_code == 403, path
    for path, data in (
        ("/switch", {"enabled": "0", "confirm": "y"}),
        (f"/plans/{alpha.plan.id}/active", {"active": "0"}),
        (f"/subscriptions/{sid}/withdraw", {"purpose": "grades_sms"}),
        (f"/subscriptions/{sid}/opt-out", {"stop_on": today().isoformat(), "confirm": "y"}),
        (f"/subscriptions/{sid}/exemption", {"action": "set", "reason": "x"}),
    ):
        assert post(client, S + path, data).status_code == 403, path
    assert count(Subscription, id=sid, status=SubscriptionStatus.ACTIVE, exempt=False) == 1


SUBSCRIPTION_WORDS = re.compile(r"Đăng ký|đăng ký|gói|Gói|subscri|Subscri|/service/")


@pytest.mark.parametrize("username", ["teacher", "homeroom"])
def test_a_teacher_sees_nothing_of_subscriptions_on_the_roster_pages(
    app: Flask, alpha: Alpha, world: World, username: str
) -> None:
    roster = alpha.roster
    subscribe(world.a, roster, alpha.plan, today())
    client = signed_in(app, username)

    for path in (
        "/home",
        "/classes/",
        f"/classes/{roster.school_class.id}",
        "/students/",
        "/students/?q=an",
        f"/students/{roster.student.id}",
        f"/guardians/{roster.guardian.id}",
    ):
        response = client.get(A + path)
        assert response.status_code == 200, path
        found = SUBSCRIPTION_WORDS.findall(page(response))
        assert not found, f"{path} shows {found}"
