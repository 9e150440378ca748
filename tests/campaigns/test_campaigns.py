"""Registration campaigns: open, invite, register (on time, late, refused), review, subtree isolation, reminders."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from contactbook.accounts.services import tokens
from contactbook.campaigns import services
from contactbook.campaigns.links import invitation_token
from contactbook.extensions import db
from contactbook.inputs import SCHOOL_PHONE_PROBLEM, is_school_phone
from contactbook.models import (
    AccountEmail,
    AccountToken,
    AuthorityKind,
    PlanPeriod,
    PlatformFee,
    School,
    SchoolLevel,
    TokenPurpose,
    User,
)
from contactbook.models.registration import (
    CampaignInvitation,
    RegistrationCampaign,
    RegistrationStatus,
    SchoolRegistration,
)
from contactbook.platform import services as platform
from contactbook.schools.services import new_user
from contactbook.subscriptions import services as subscriptions
from contactbook.subscriptions.rules import SubscriptionError
from contactbook.tenancy import school_scope
from contactbook.timezones import school_today
from tests.factories import PASSWORD, World, csrf_token, login, post
from tests.support import audit_rows, browser, translated

OPENS, DEADLINE = date(2026, 8, 1), date(2026, 8, 31)


def at(day: date, hour: int = 3) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)  # 10:00 in Vietnam


def campaign(world: World, **changes: object) -> RegistrationCampaign:
    terms: dict[str, object] = {
        "title": "Đăng ký sổ liên lạc 2026",
        "school_year": "2026-2027",
        "opens_on": OPENS,
        "deadline": DEADLINE,
        "document_ref": "CV 123/SGDĐT",
        "website_fee": 1_200_000,
    }
    return services.open_campaign(world.officer, authority=world.ward, **(terms | changes))  # type: ignore[arg-type]


def invite(world: World, opened: RegistrationCampaign, name: str = "Trường THCS Gamma") -> CampaignInvitation:
    row = services.InvitationRow(name, SchoolLevel.LOWER_SECONDARY, "gamma@school.example.vn", world.ward.id)
    return services.add_invitation(world.officer, opened, row, [world.ward.id])


def data(slug: str = "gamma", **changes: object) -> services.RegistrationData:
    values: dict[str, object] = {
        "school_name": "Trường THCS Gamma",
        "level": SchoolLevel.LOWER_SECONDARY,
        "address": "1 Lê Lợi, Huế",
        "requested_slug": slug,
        "admin_full_name": "Hiệu trưởng Gamma",
        "admin_email": "ht@gamma.example.vn",
        "admin_phone": "+84912345678",
        "survey_answers": {"has_website": "yes", "website_address": "gamma.edu.vn"},
    }
    return services.RegistrationData(**(values | changes))  # type: ignore[arg-type]


def emails_to(address: str) -> list[AccountEmail]:
    return list(db.session.scalars(select(AccountEmail).where(AccountEmail.to_address == address)))


# --- Lifecycle --------------------------------------------------------------------------------------


def test_opened_campaign_has_the_seed_survey_and_is_audited(world: World) -> None:
    opened = campaign(world)

    assert [q["key"] for q in opened.survey] == ["has_website", "website_address", "website_use", "update_frequency"]
    assert opened.reminder_days == [7, 3, 1]
    assert audit_rows("campaign.opened")


def test_invitation_emails_a_signed_link(world: World) -> None:
    invitation = invite(world, campaign(world))

    (email,) = emails_to("gamma@school.example.vn")
    assert f"/register/{invitation_token(invitation.id)}" in email.body


def test_registration_on_time_is_submitted_with_a_receipt(world: World) -> None:
    invitation = invite(world, campaign(world))

    registration = services.register(invitation, data(), at(DEADLINE))

    assert registration.status == RegistrationStatus.SUBMITTED and not registration.late
    assert registration.survey_answers["has_website"] == "yes"
    assert any("Gamma" in e.subject for e in emails_to("gamma@school.example.vn")[1:])


def test_registration_before_opening_or_after_deadline_is_refused(world: World) -> None:
    invitation = invite(world, campaign(world))

    with pytest.raises(services.RegistrationRefused, match="not opened"):
        services.register(invitation, data(), at(OPENS - timedelta(days=1)))
    with pytest.raises(services.RegistrationRefused, match="deadline"):
        services.register(invitation, data(), at(DEADLINE + timedelta(days=1)))


def test_late_registration_is_accepted_and_marked_when_allowed(world: World) -> None:
    invitation = invite(world, campaign(world, allow_late=True))

    registration = services.register(invitation, data(), at(DEADLINE + timedelta(days=2)))

    assert registration.late


def test_approval_creates_the_school_its_admin_setup_link_and_fee(world: World, app: Flask) -> None:
    registration = services.register(invite(world, campaign(world)), data(), at(OPENS))

    school = services.approve(registration, world.officer)

    assert school.domain == f"gamma.{app.config['BASE_DOMAIN']}"
    assert (school.address, school.authority_id) == ("1 Lê Lợi, Huế", world.ward.id)
    assert registration.status == RegistrationStatus.APPROVED and registration.created_school_id == school.id
    with school_scope(school.id):
        admin = db.session.scalar(select(User).where(User.school_id == school.id))
        assert admin is not None and admin.email == "ht@gamma.example.vn"
        token = db.session.scalar(select(AccountToken).where(AccountToken.user_id == admin.id))
        assert token is not None and token.purpose == TokenPurpose.SETUP
        fee = db.session.scalar(select(PlatformFee).where(PlatformFee.school_id == school.id))
        assert fee is not None and (fee.school_year, fee.amount) == ("2026-2027", 1_200_000)
    (setup,) = emails_to("ht@gamma.example.vn")
    raw = re.search(r"/account/password/(\S+)", setup.body)
    assert raw, setup.body
    assert tokens.token_hash(raw.group(1)) == token.token_hash
    assert "approved" in emails_to("gamma@school.example.vn")[-1].subject.lower() or "duyệt" in (
        emails_to("gamma@school.example.vn")[-1].subject
    )
    assert audit_rows("registration.approved")


def test_the_campaign_s_price_ceilings_cap_the_approved_school_s_plans(world: World) -> None:
    opened = campaign(world, max_price_month=30_000, max_price_year=200_000)
    school = services.approve(services.register(invite(world, opened), data(), at(OPENS)), world.officer)
    with school_scope(school.id):
        admin = db.session.scalar(select(User).where(User.school_id == school.id))
        assert admin is not None

        assert subscriptions.price_ceiling(school, PlanPeriod.MONTH) == 30_000
        assert subscriptions.price_ceiling(school, PlanPeriod.SCHOOL_YEAR) == 200_000
        terms = {"name": "Gói", "period": PlanPeriod.MONTH, "sms": True, "email": False, "digest_only": False}
        with pytest.raises(SubscriptionError, match="ceiling"):
            subscriptions.create_plan(school, admin, price=30_001, **terms)  # type: ignore[arg-type]
        plan = subscriptions.create_plan(school, admin, price=30_000, **terms)  # type: ignore[arg-type]
    assert plan.price == 30_000


def test_a_lower_authority_ceiling_still_applies_to_a_school_registered_by_campaign(world: World) -> None:
    opened = campaign(world, max_price_month=30_000)
    school = services.approve(services.register(invite(world, opened), data(), at(OPENS)), world.officer)
    subscriptions.set_price_ceiling(world.ward, world.officer, PlanPeriod.MONTH, 25_000)

    assert subscriptions.price_ceiling(school, PlanPeriod.MONTH) == 25_000
    assert subscriptions.price_ceiling(world.a.school, PlanPeriod.MONTH) == 25_000
    assert subscriptions.price_ceiling(school, PlanPeriod.SCHOOL_YEAR) is None


class _DigitFreeDraws:
    """A random source whose draws, however long, have no digit (as one in about 1,500 of `token_urlsafe(32)`)."""

    @staticmethod
    def token_urlsafe(nbytes: int | None = None) -> str:
        return "abcDEF-_" * 8

    @staticmethod
    def token_hex(nbytes: int | None = None) -> str:
        return "abcdef" * 10


def test_approval_creates_the_admin_whatever_the_random_password_drawn(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    registration = services.register(invite(world, campaign(world)), data(), at(OPENS))
    monkeypatch.setattr("contactbook.campaigns.services.review.secrets", _DigitFreeDraws)

    school = services.approve(registration, world.officer)

    with school_scope(school.id):
        assert db.session.scalar(select(User.id).where(User.school_id == school.id)) is not None


def test_admin_password_is_unusable_until_set(world: World, app: Flask) -> None:
    registration = services.register(invite(world, campaign(world)), data(), at(OPENS))
    services.approve(registration, world.officer)

    client = browser(app)
    assert login(client, "admin", "gamma", password=PASSWORD).status_code != 302


def test_changes_requested_then_resubmitted_through_the_same_link(world: World) -> None:
    invitation = invite(world, campaign(world))
    registration = services.register(invitation, data(), at(OPENS))

    services.request_changes(registration, world.officer, "Sửa địa chỉ")
    assert registration.status == RegistrationStatus.CHANGES_REQUESTED
    assert "Sửa địa chỉ" in emails_to("gamma@school.example.vn")[-1].body
    again = services.register(invitation, data(address="2 Lê Lợi, Huế"), at(DEADLINE + timedelta(days=5)))

    assert again.id == registration.id and again.status == RegistrationStatus.SUBMITTED
    assert again.address == "2 Lê Lợi, Huế"
    assert audit_rows("registration.changes_requested") and audit_rows("registration.resubmitted")


def test_decline_needs_a_reason_and_tells_the_school(world: World) -> None:
    registration = services.register(invite(world, campaign(world)), data(), at(OPENS))

    with pytest.raises(services.ReviewError):
        services.decline(registration, world.officer, "  ")
    services.decline(registration, world.officer, "Không thuộc địa bàn")

    assert registration.status == RegistrationStatus.DECLINED
    assert "Không thuộc địa bàn" in emails_to("gamma@school.example.vn")[-1].body
    with pytest.raises(services.ReviewError):
        services.approve(registration, world.officer)


def test_submitted_registration_cannot_be_submitted_again(world: World) -> None:
    invitation = invite(world, campaign(world))
    services.register(invitation, data(), at(OPENS))

    with pytest.raises(services.RegistrationRefused, match="already"):
        services.register(invitation, data(), at(OPENS))


# --- Slug rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "problem"),
    [
        ("Gamma", "Lowercase"),
        ("-gamma", "Lowercase"),
        ("gam ma", "Lowercase"),
        ("admin", "reserved"),
        ("alpha", "already taken"),
        ("gamma", None),
    ],
)
def test_slug_rules(world: World, slug: str, problem: str | None) -> None:
    found = services.slug_problem(slug)

    assert (found is None) if problem is None else (found is not None and problem in found)


def test_slug_of_another_open_registration_is_taken(world: World) -> None:
    opened = campaign(world)
    services.register(invite(world, opened, "Trường A"), data("gamma"), at(OPENS))
    other = invite(world, opened, "Trường B")

    assert services.slug_problem("gamma", other) is not None
    with pytest.raises(services.RegistrationRefused):
        services.register(other, data("gamma"), at(OPENS))


def test_live_slug_check_answers_json(world: World, client: FlaskClient) -> None:
    invitation = invite(world, campaign(world))
    url = f"/register/{invitation_token(invitation.id)}/slug"

    assert client.get(url, query_string={"slug": "alpha"}).get_json()["ok"] is False
    assert client.get(url, query_string={"slug": "gamma-moi"}).get_json()["ok"] is True
    assert client.get("/register/forged/slug?slug=x").status_code == 404


# --- Pages ----------------------------------------------------------------------------------------


def test_school_registers_through_the_public_form(world: World, client: FlaskClient) -> None:
    opened = campaign(world, opens_on=date.today() - timedelta(days=1), deadline=date.today() + timedelta(days=9))
    invitation = invite(world, opened)
    url = f"/register/{invitation_token(invitation.id)}"
    form = {
        "school_name": "Trường THCS Gamma",
        "level": "lower_secondary",
        "address": "1 Lê Lợi",
        "requested_slug": "alpha",
        "admin_full_name": "Hiệu trưởng",
        "admin_email": "ht@gamma.example.vn",
        "admin_phone": "0912 345 678",
        "survey_has_website": "no",
    }

    taken = post(client, url, form)
    assert taken.status_code == 200 and "error" in taken.get_data(as_text=True)
    assert post(client, url, form | {"requested_slug": "gamma"}).status_code == 200

    db.session.expire_all()
    registration = db.session.get(CampaignInvitation, invitation.id).registration  # type: ignore[union-attr]
    assert registration is not None and registration.admin_phone == "+84912345678"
    assert post(client, url, form | {"requested_slug": "gamma"}).status_code == 409


def test_the_terms_on_offer_are_shown_to_the_school_and_the_officer(world: World, app: Flask) -> None:
    today = school_today()
    opened = campaign(
        world,
        opens_on=today - timedelta(days=1),
        deadline=today + timedelta(days=9),
        website_fee=1_200_000,
        max_price_month=30_000,
        max_price_year=250_000,
    )
    invitation = invite(world, opened)

    form_page = browser(app).get(f"/register/{invitation_token(invitation.id)}").get_data(as_text=True)
    client = browser(app)
    login(client, "officer")
    detail_page = client.get(f"/platform/authority/campaigns/{opened.id}").get_data(as_text=True)

    for page in (form_page, detail_page):
        assert "1,200,000" in page or "1.200.000" in page
        assert "30,000" in page or "30.000" in page
        assert "250,000" in page or "250.000" in page


def test_officer_opens_a_campaign_and_invites_from_a_list(world: World, app: Flask) -> None:
    client = browser(app)
    login(client, "officer")
    response = post(
        client,
        "/platform/authority/campaigns/new",
        {
            "title": "Đăng ký 2026",
            "school_year": "2026-2027",
            "opens_on": "2026-08-01",
            "deadline": "2026-08-31",
            "website_fee": "1000000",
            "ask_has_website": "y",
            "reminder_days": "7, 1",
        },
    )
    assert response.status_code == 302
    opened = db.session.scalar(select(RegistrationCampaign).where(RegistrationCampaign.title == "Đăng ký 2026"))
    assert opened is not None and [q["key"] for q in opened.survey] == ["has_website"]
    url = f"/platform/authority/campaigns/{opened.id}/import"
    bad = "name,level,email\nTrường A,THCS,a@x.vn\nTrường B,đại học,b@x.vn\nTrường C,THPT,not-an-email\n"

    def upload(content: str) -> str:
        from tests.factories import csrf_token

        answer = client.post(
            url,
            data={"csrf_token": csrf_token(client), "file": (__import__("io").BytesIO(content.encode()), "list.csv")},
            content_type="multipart/form-data",
        )
        return answer.get_data(as_text=True) if answer.status_code == 200 else str(answer.status_code)

    page = upload(bad)
    assert "3" in page and "4" in page and db.session.scalar(select(CampaignInvitation.id)) is None
    assert upload("name,level,email\nTrường A,THCS,a@x.vn\nTrường B,Tiểu học,b@x.vn\n") == "302"
    assert len(emails_to("a@x.vn")) == 1 and len(emails_to("b@x.vn")) == 1


# --- Subtree isolation ----------------------------------------------------------------------------


def test_another_authoritys_officer_gets_404(world: World, app: Flask) -> None:
    opened = campaign(world)
    registration = services.register(invite(world, opened), data(), at(OPENS))
    other = platform.create_authority(world.operator, name="Sở khác", kind=AuthorityKind.PROVINCE, parent=None)
    new_user(school=None, username="officer2", full_name="Other", password=PASSWORD, authority_id=other.id)
    db.session.commit()
    client = browser(app)
    assert login(client, "officer2").status_code == 302

    assert client.get(f"/platform/authority/campaigns/{opened.id}").status_code == 404
    assert client.get(f"/platform/authority/campaigns/registrations/{registration.id}").status_code == 404
    assert post(client, f"/platform/authority/campaigns/registrations/{registration.id}/approve").status_code == 404
    assert opened.title not in client.get("/platform/authority/campaigns/").get_data(as_text=True)
    assert db.session.scalar(select(School).where(School.slug == "gamma")) is None


def test_parent_authoritys_officer_sees_the_campaign(world: World, app: Flask) -> None:
    opened = campaign(world)
    new_user(school=None, username="province", full_name="P", password=PASSWORD, authority_id=world.province.id)
    db.session.commit()
    client = browser(app)
    login(client, "province")

    assert client.get(f"/platform/authority/campaigns/{opened.id}").status_code == 200


# --- Reminders ------------------------------------------------------------------------------------


def test_reminders_go_once_per_invitation_and_day(world: World) -> None:
    opened = campaign(world)
    waiting = invite(world, opened, "Trường chờ")
    registered = invite(world, opened, "Trường đã đăng ký")
    registered.email = "done@school.example.vn"
    db.session.commit()
    services.register(registered, data(), at(OPENS))
    reminder_day = DEADLINE - timedelta(days=3)

    first = services.send_reminders(at(reminder_day))
    second = services.send_reminders(at(reminder_day, hour=4))

    assert (first["queued"], second["queued"]) == (1, 0)
    reminders = [e for e in emails_to(waiting.email) if e.dedupe_key]
    assert len(reminders) == 1
    assert services.send_reminders(at(reminder_day - timedelta(days=1)))["queued"] == 0  # not a reminder day
    assert services.send_reminders(at(DEADLINE - timedelta(days=1)))["queued"] == 1


def test_officer_reads_the_survey_answers_and_approves_from_the_page(world: World, app: Flask) -> None:
    answers = {"has_website": "yes", "website_address": "gamma.edu.vn", "update_frequency": "monthly"}
    registration = services.register(invite(world, campaign(world)), data(survey_answers=answers), at(OPENS))
    client = browser(app)
    login(client, "officer")
    url = f"/platform/authority/campaigns/registrations/{registration.id}"

    text = client.get(url).get_data(as_text=True)
    assert "gamma.edu.vn" in text and translated(app, "Every month") in text and translated(app, "Yes") in text
    assert post(client, f"{url}/approve").status_code == 302

    assert db.session.scalar(select(School).where(School.slug == "gamma")) is not None
    assert post(client, f"{url}/approve").status_code == 302  # refused with a message: already decided


def test_the_officer_reads_the_registrations_level_and_where_it_stands(world: World, app: Flask) -> None:
    registration = services.register(invite(world, campaign(world)), data(), at(OPENS))
    client = browser(app)
    login(client, "officer")
    url = f"/platform/authority/campaigns/registrations/{registration.id}"

    text = client.get(url).get_data(as_text=True)
    assert translated(app, "Lower secondary") in text
    assert translated(app, "Waiting for review") in text
    services.request_changes(registration, world.officer, "Sửa địa chỉ")
    assert translated(app, "Changes requested") in client.get(url).get_data(as_text=True)


def test_a_campaign_invites_only_schools_under_its_own_authority(world: World) -> None:
    """Even an officer above both (the province) cannot put a sibling ward's school in a ward's campaign."""
    opened = campaign(world)
    sibling = platform.create_authority(
        world.operator, name="UBND phường Bến Thành", kind=AuthorityKind.WARD_COMMUNE, parent=world.province
    )
    row = services.InvitationRow("Trường Tiểu học Bến Thành", SchoolLevel.PRIMARY, "bt@example.vn", sibling.id)
    province_subtree = platform.authority_subtree_ids(world.province.id)
    with pytest.raises(services.CampaignError):
        services.add_invitation(world.officer, opened, row, province_subtree)
    with pytest.raises(services.CampaignError):
        services.import_invitations(world.officer, opened, [row], province_subtree)
    assert db.session.scalar(select(CampaignInvitation.id)) is None


def test_a_school_already_invited_to_the_campaign_is_not_invited_again(world: World) -> None:
    opened = campaign(world)
    invite(world, opened)
    again = services.InvitationRow(
        " trường thcs  GAMMA ", SchoolLevel.LOWER_SECONDARY, "Gamma@School.example.vn", world.ward.id
    )

    with pytest.raises(services.CampaignError, match="already invited"):
        services.add_invitation(world.officer, opened, again, [world.ward.id])
    with pytest.raises(services.CampaignError, match="already invited"):
        services.import_invitations(world.officer, opened, [again], [world.ward.id])
    assert len(db.session.scalars(select(CampaignInvitation.id)).all()) == 1
    assert len(emails_to("gamma@school.example.vn")) == 1
    # A corrected address is another invitation; so is the same school in another campaign.
    fixed = services.InvitationRow(
        "Trường THCS Gamma", SchoolLevel.LOWER_SECONDARY, "thcs.gamma@example.vn", world.ward.id
    )
    services.add_invitation(world.officer, opened, fixed, [world.ward.id])
    invite(world, campaign(world, title="Đợt bổ sung"))
    assert len(db.session.scalars(select(CampaignInvitation.id)).all()) == 3


@pytest.mark.parametrize("name", ["...", "\u200b\u200b", "( 123 )", "\u202e\u202e"])
def test_a_list_naming_a_school_without_letters_is_refused_with_its_row(world: World, app: Flask, name: str) -> None:
    opened = campaign(world)
    client = browser(app)
    login(client, "officer")
    content = f"name,level,email\nTrường THCS Delta,THCS,delta@x.vn\n{name},THCS,epsilon@x.vn\n"

    answer = client.post(
        f"/platform/authority/campaigns/{opened.id}/import",
        data={"csrf_token": csrf_token(client), "file": (io.BytesIO(content.encode()), "list.csv")},
        content_type="multipart/form-data",
    )

    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and translated(app, "Nothing was imported.") in page
    problem = translated(app, "A name must contain letters.")
    missing = translated(app, "The school name is missing or too long.")
    assert any(
        translated(app, "Row %(line)s: %(problem)s", line=3, problem=said) in page for said in (problem, missing)
    )
    assert db.session.scalars(select(CampaignInvitation.id)).all() == []


def test_a_list_naming_a_school_already_invited_is_refused_with_its_row(world: World, app: Flask) -> None:
    opened = campaign(world)
    invite(world, opened)
    client = browser(app)
    login(client, "officer")
    content = "name,level,email\nTrường THCS Delta,THCS,delta@x.vn\nTrường THCS Gamma,THCS,gamma@school.example.vn\n"

    answer = client.post(
        f"/platform/authority/campaigns/{opened.id}/import",
        data={"csrf_token": csrf_token(client), "file": (io.BytesIO(content.encode()), "list.csv")},
        content_type="multipart/form-data",
    )

    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert translated(app, "Nothing was imported.") in page
    already = translated(app, "This school is already invited to this campaign.")
    assert translated(app, "Row %(line)s: %(problem)s", line=3, problem=already) in page
    assert len(db.session.scalars(select(CampaignInvitation.id)).all()) == 1
    assert not emails_to("delta@x.vn")


# 21 characters (the form's rule, not the database, refuses it); fewer than 8 digits or more than 15 (the
# contacts form of the school's public page would refuse it later).
@pytest.mark.parametrize(
    "phone", ["024 3823 4567 - 12345", "1......1", "0..1..2..3..4", "+1 2 3 4 5 6 7", "0243 823 4567 8901 2"]
)
def test_a_school_phone_the_public_page_would_refuse_is_refused_at_registration(
    world: World, client: FlaskClient, phone: str
) -> None:
    assert not is_school_phone(phone)
    opened = campaign(world, opens_on=date.today() - timedelta(days=1), deadline=date.today() + timedelta(days=9))
    invitation = invite(world, opened)
    form = {
        "school_name": "Trường THCS Gamma",
        "level": "lower_secondary",
        "address": "1 Lê Lợi",
        "phone": phone,
        "requested_slug": "gamma",
        "admin_full_name": "Hiệu trưởng",
        "admin_email": "ht@gamma.example.vn",
        "admin_phone": "0912 345 678",
        "survey_has_website": "no",
    }
    answer = post(client, f"/register/{invitation_token(invitation.id)}", form)
    assert answer.status_code == 200 and translated(client.application, SCHOOL_PHONE_PROBLEM) in (
        answer.get_data(as_text=True)
    )
    assert db.session.scalar(select(SchoolRegistration.id)) is None
    form["phone"] = "(024) 3823-4567"
    accepted = post(client, f"/register/{invitation_token(invitation.id)}", form).get_data(as_text=True)
    assert translated(client.application, SCHOOL_PHONE_PROBLEM) not in accepted


def test_a_campaign_school_year_is_two_consecutive_years(world: World, app: Flask) -> None:
    client = browser(app)
    login(client, "officer")
    fields = {"title": "Đăng ký", "opens_on": "2026-08-01", "deadline": "2026-08-31", "website_fee": "0"}
    fields |= {"reminder_days": "7"}
    assert post(client, "/platform/authority/campaigns/new", fields | {"school_year": "2026-2029"}).status_code == 200
    assert db.session.scalar(select(RegistrationCampaign.id)) is None
    assert post(client, "/platform/authority/campaigns/new", fields | {"school_year": "2026-2027"}).status_code == 302


def test_a_price_ceiling_of_nothing_is_refused_with_a_message(world: World, app: Flask) -> None:
    """A ceiling caps the school's plans (a price is positive): 0 đ would forbid every plan."""
    client = browser(app)
    login(client, "officer")
    fields = {"title": "Đăng ký", "school_year": "2026-2027", "opens_on": "2026-08-01", "deadline": "2026-08-31"}
    fields |= {"website_fee": "0", "reminder_days": "7"}
    message = translated(app, "A price ceiling is a positive number of đồng, at most 1,000,000,000.")

    for name in ("max_price_month", "max_price_year"):
        refused = post(client, "/platform/authority/campaigns/new", fields | {name: "0"})
        assert refused.status_code == 200 and message in refused.get_data(as_text=True)
    with pytest.raises(services.CampaignError, match="positive"):
        campaign(world, max_price_month=0)
    assert db.session.scalar(select(RegistrationCampaign.id)) is None
    assert post(client, "/platform/authority/campaigns/new", fields | {"max_price_month": "1"}).status_code == 302
