"""Closing a campaign: the officer confirms it once; then no registration, resubmission, invitation or reminder,
while the registrations already submitted can still be decided."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from contactbook.campaigns import services
from contactbook.campaigns.links import invitation_token
from contactbook.extensions import db
from contactbook.models import AuthorityKind, School, SchoolLevel
from contactbook.models.base import utcnow
from contactbook.models.registration import RegistrationCampaign, RegistrationStatus, SchoolRegistration
from contactbook.platform import services as platform
from contactbook.schools.services import new_user
from contactbook.timezones import school_today
from tests.campaigns.test_campaigns import DEADLINE, OPENS, at, campaign, data, emails_to, invite
from tests.factories import PASSWORD, World, login, post
from tests.support import audit_rows, browser, flashes, follow, main_text, translated

CLOSED = "The education office has closed this campaign: registrations are no longer accepted."
ALREADY_CLOSED = "This campaign is already closed."
CONFIRM = "Tick the box to confirm closing the campaign."


def officer(app: Flask, username: str = "officer") -> FlaskClient:
    client = browser(app)
    assert login(client, username).status_code == 302
    return client


def closed_at(opened: RegistrationCampaign) -> object:
    db.session.expire_all()
    return db.session.scalar(select(RegistrationCampaign.closed_at).where(RegistrationCampaign.id == opened.id))


def close(world: World, opened: RegistrationCampaign) -> None:
    services.close_campaign(world.officer, opened, utcnow())


# --- The officer closes it ------------------------------------------------------------------------


def test_the_officer_closes_a_campaign_after_ticking_the_confirmation_and_it_is_audited(
    world: World, app: Flask
) -> None:
    opened = campaign(world)
    client = officer(app)
    url = f"/platform/authority/campaigns/{opened.id}"
    assert f'action="{url}/close"' in client.get(url).get_data(as_text=True)

    unconfirmed = post(client, f"{url}/close")
    assert flashes(follow(client, unconfirmed)) == [translated(app, CONFIRM)]
    assert closed_at(opened) is None and not audit_rows("campaign.closed")

    closing = post(client, f"{url}/close", {"confirmed": "y"})

    assert closing.status_code == 302 and closed_at(opened) is not None
    (row,) = audit_rows("campaign.closed")
    assert row.actor_id == world.officer.id
    shown = client.get(url).get_data(as_text=True)
    assert 'data-test="closed"' in shown
    assert f'action="{url}/close"' not in shown and f'action="{url}/invitations"' not in shown
    listed = client.get("/platform/authority/campaigns/").get_data(as_text=True)
    assert translated(app, "Closed on %(day)s", day=school_today().strftime("%d/%m/%Y")) in listed


def test_closing_twice_is_refused_with_a_message(world: World, app: Flask) -> None:
    opened = campaign(world)
    client = officer(app)
    url = f"/platform/authority/campaigns/{opened.id}/close"
    assert post(client, url, {"confirmed": "y"}).status_code == 302
    first = closed_at(opened)

    again = post(client, url, {"confirmed": "y"})

    assert again.status_code == 302
    assert flashes(follow(client, again)) == [translated(app, ALREADY_CLOSED)]
    assert closed_at(opened) == first and len(audit_rows("campaign.closed")) == 1
    with pytest.raises(services.CampaignError, match="already closed"):
        close(world, opened)


def test_closing_needs_the_forms_token(world: World, app: Flask) -> None:
    opened = campaign(world)
    client = officer(app)

    answer = client.post(f"/platform/authority/campaigns/{opened.id}/close", data={"confirmed": "y"})

    assert answer.status_code == 400 and closed_at(opened) is None


def test_only_an_officer_of_the_campaigns_subtree_closes_it(world: World, app: Flask) -> None:
    opened = campaign(world)
    sibling = platform.create_authority(
        world.operator, name="UBND phường Hai", kind=AuthorityKind.WARD_COMMUNE, parent=world.province
    )
    new_user(school=None, username="officer2", full_name="Hai", password=PASSWORD, authority_id=sibling.id)
    new_user(school=None, username="province", full_name="Tỉnh", password=PASSWORD, authority_id=world.province.id)
    db.session.commit()
    url = f"/platform/authority/campaigns/{opened.id}/close"

    assert post(officer(app, "officer2"), url, {"confirmed": "y"}).status_code == 404
    assert closed_at(opened) is None
    assert post(officer(app, "province"), url, {"confirmed": "y"}).status_code == 302  # the parent's officer
    assert closed_at(opened) is not None


# --- What a closed campaign refuses ---------------------------------------------------------------


def test_a_closed_campaign_refuses_a_first_registration_even_a_late_one_allowed(
    world: World, client: FlaskClient, app: Flask
) -> None:
    opened = campaign(world, opens_on=date.today() - timedelta(days=20), deadline=date.today() - timedelta(days=1))
    opened.allow_late = True
    db.session.commit()
    invitation = invite(world, opened)
    close(world, opened)
    url = f"/register/{invitation_token(invitation.id)}"

    with pytest.raises(services.RegistrationRefused, match="closed this campaign"):
        services.register(invitation, data(), utcnow())
    shown = client.get(url)
    sent = post(client, url, {"school_name": "Trường THCS Gamma", "requested_slug": "gamma"})

    assert shown.status_code == 200 and translated(app, CLOSED) in main_text(shown)
    assert 'name="requested_slug"' not in shown.get_data(as_text=True)
    assert sent.status_code == 409 and translated(app, CLOSED) in main_text(sent)
    assert db.session.scalar(select(func.count()).select_from(SchoolRegistration)) == 0


def test_a_closed_campaign_refuses_a_resubmission_after_a_request_for_changes(
    world: World, client: FlaskClient, app: Flask
) -> None:
    opened = campaign(world)
    invitation = invite(world, opened)
    registration = services.register(invitation, data(), at(OPENS))
    services.request_changes(registration, world.officer, "Sửa địa chỉ")
    close(world, opened)

    with pytest.raises(services.RegistrationRefused, match="closed this campaign"):
        services.register(invitation, data(address="2 Lê Lợi, Huế"), at(OPENS))

    shown = client.get(f"/register/{invitation_token(invitation.id)}")
    assert translated(app, CLOSED) in main_text(shown)
    db.session.expire_all()
    again = db.session.get_one(SchoolRegistration, registration.id)
    assert again.status == RegistrationStatus.CHANGES_REQUESTED and again.address == "1 Lê Lợi, Huế"


def test_a_registration_left_waiting_for_changes_by_the_close_can_be_declined(world: World, app: Flask) -> None:
    opened = campaign(world)
    registration = services.register(invite(world, opened), data(), at(OPENS))
    services.request_changes(registration, world.officer, "Sửa địa chỉ")
    close(world, opened)
    page = officer(app).get(f"/platform/authority/campaigns/registrations/{registration.id}")
    assert 'name="reason"' in page.get_data(as_text=True)  # the decline form is offered

    answer = post(
        officer(app),
        f"/platform/authority/campaigns/registrations/{registration.id}/decline",
        {"reason": "Đợt đăng ký đã đóng."},
    )

    assert answer.status_code == 302
    db.session.expire_all()
    declined = db.session.get_one(SchoolRegistration, registration.id)
    assert declined.status == RegistrationStatus.DECLINED and declined.decision_note == "Đợt đăng ký đã đóng."
    with pytest.raises(services.ReviewError):  # and it is not sent back for changes again
        services.request_changes(declined, world.officer, "Sửa lại")


def test_a_closed_campaign_invites_no_more_schools(world: World, app: Flask) -> None:
    opened = campaign(world)
    close(world, opened)
    row = services.InvitationRow("Trường Mới", SchoolLevel.PRIMARY, "moi@school.example.vn", world.ward.id)

    with pytest.raises(services.CampaignError, match="closed"):
        services.add_invitation(world.officer, opened, row, [world.ward.id])
    client = officer(app)
    answer = post(
        client,
        f"/platform/authority/campaigns/{opened.id}/invitations",
        {
            "school_name": "Trường Mới",
            "level": "primary",
            "email": "moi@school.example.vn",
            "authority_id": str(world.ward.id),
        },
    )

    assert answer.status_code == 302 and flashes(follow(client, answer))
    assert emails_to("moi@school.example.vn") == []


def test_reminders_stop_for_a_closed_campaign(world: World) -> None:
    still_open = campaign(world, title="Đang mở")
    waiting = invite(world, still_open, "Trường chờ")
    closing = campaign(world, title="Đã đóng")
    forgotten = invite(world, closing, "Trường khác")
    forgotten.email = "khac@school.example.vn"
    db.session.commit()
    close(world, closing)

    sent = services.send_reminders(at(DEADLINE - timedelta(days=3)))

    assert sent == {"campaigns": 1, "queued": 1}
    assert [e for e in emails_to(waiting.email) if e.dedupe_key]
    assert not [e for e in emails_to("khac@school.example.vn") if e.dedupe_key]


# --- What it still allows -------------------------------------------------------------------------


def test_registrations_submitted_before_closing_can_still_be_approved_or_declined(world: World, app: Flask) -> None:
    opened = campaign(world)
    first = services.register(invite(world, opened), data(), at(OPENS))
    second_invitation = invite(world, opened, "Trường THCS Delta")
    second_invitation.email = "delta@school.example.vn"
    db.session.commit()
    second = services.register(second_invitation, data("delta", school_name="Trường THCS Delta"), at(OPENS))
    close(world, opened)
    client = officer(app)
    page = client.get(f"/platform/authority/campaigns/registrations/{first.id}").get_data(as_text=True)
    assert f"/registrations/{first.id}/approve" in page and f"/registrations/{first.id}/changes" not in page

    assert post(client, f"/platform/authority/campaigns/registrations/{first.id}/approve").status_code == 302
    with pytest.raises(services.ReviewError, match="closed"):
        services.request_changes(second, world.officer, "Sửa địa chỉ")
    services.decline(second, world.officer, "Không thuộc địa bàn")

    assert db.session.scalar(select(School).where(School.slug == "gamma")) is not None
    db.session.expire_all()
    assert db.session.get_one(SchoolRegistration, second.id).status == RegistrationStatus.DECLINED
