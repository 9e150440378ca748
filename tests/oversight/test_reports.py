"""The oversight figures of a small world (tests/oversight/factories.py), computed by the service."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import CampaignInvitation, RegistrationStatus, SchoolStatus
from contactbook.oversight.months import Traffic, year_months
from contactbook.oversight.reports import Fee, oversight, school_year_of
from contactbook.platform.services import set_school_status
from contactbook.subscriptions.reports import Uptake
from tests.factories import World
from tests.oversight.factories import TODAY, Oversight, campaign_of, invite, make_oversight, register, slug_of


@pytest.fixture
def small(world: World) -> Oversight:
    return make_oversight(world)


def test_each_school_has_its_uptake_fees_messages_of_the_month_and_platform_fee(small: Oversight) -> None:
    world = small.world
    view = oversight(world.ward, TODAY)

    alpha, beta = view.schools
    assert (alpha.school_id, beta.school_id) == (world.a.school.id, world.b.school.id)
    assert alpha.uptake == Uptake(4, 2) and alpha.uptake.ratio == 0.5
    assert (alpha.due, alpha.collected) == (160_000, 130_000)
    # December only (the 01:00 of 1/12 in Vietnam included), sent statuses only, with their cost.
    assert alpha.traffic == Traffic(sms=3, sms_cost=1_700, email=1, email_cost=10)
    assert alpha.fee == Fee(1_200_000, date(2025, 10, 1), None)
    assert alpha.active and alpha.year_name == "2025-2026"
    assert beta.uptake == Uptake(1, 1)
    assert (beta.due, beta.collected) == (90_000, 90_000)
    assert beta.traffic == Traffic(sms=1, sms_cost=600)
    assert beta.fee == Fee(1_500_000, date(2025, 10, 1), date(2025, 10, 20))  # the year's, not 2024-2025's


def test_a_school_registered_through_a_campaign_shows_its_survey_answers(small: Oversight) -> None:
    alpha, beta = oversight(small.world.ward, TODAY).schools

    assert [(a.question, a.answer) for a in alpha.survey] == [
        ("Does the unit run a website today?", "yes"),
        ("At which address?", "alpha.edu.vn"),
        ("Used for what?", "Tin tức"),
        ("How often is it updated?", "Hằng tuần"),
    ]
    assert alpha.registered_via_campaign
    assert beta.survey == [] and not beta.registered_via_campaign  # created by the operator


def test_invited_schools_without_an_approved_registration_are_not_registered(small: Oversight) -> None:
    view = oversight(small.world.ward, TODAY)

    assert sorted((i.school_name, i.status) for i in view.invitations) == [
        ("Trường Chưa Nộp", None),
        ("Trường Đang Chờ", RegistrationStatus.SUBMITTED),
    ]


def test_a_school_invited_by_two_campaigns_is_listed_and_counted_once(small: Oversight) -> None:
    world = small.world
    again = campaign_of(world.province, "Đăng ký lần hai")
    invite(again, world.ward, "TRƯỜNG  CHƯA NỘP", email="  Truong-Chua-Nop@Example.VN ")
    db.session.commit()

    view = oversight(world.ward, TODAY)

    (line,) = [i for i in view.invitations if " ".join(i.school_name.casefold().split()) == "trường chưa nộp"]
    assert [c.title for c in line.campaigns] == ["Đăng ký lần hai", "Đăng ký trang thông tin 2025-2026"]
    assert line.school_name == "TRƯỜNG  CHƯA NỘP"  # its latest invitation's
    assert len(view.invitations) == 2
    assert view.total.not_registered == 2 and view.rollups[0].not_registered == 2


def test_a_school_invited_twice_by_one_campaign_is_listed_once_with_its_furthest_status(small: Oversight) -> None:
    world = small.world
    campaign = db.session.scalars(select(CampaignInvitation).where(CampaignInvitation.school_name == "Trường Đang Chờ"))
    campaign = campaign.one().campaign
    invite(campaign, world.ward, "Trường Đang Chờ", email="truong-dang-cho@example.vn")
    db.session.commit()

    view = oversight(world.ward, TODAY)

    assert sorted((i.school_name, i.status) for i in view.invitations) == [
        ("Trường Chưa Nộp", None),
        ("Trường Đang Chờ", RegistrationStatus.SUBMITTED),  # submitted through its first invitation
    ]
    assert view.total.not_registered == 2


def test_invitations_without_an_address_are_matched_by_name(small: Oversight) -> None:
    world = small.world
    again = campaign_of(world.ward, "Đăng ký bổ sung")
    invite(again, world.ward, "Trường  Không Thư", email=" ")
    invite(again, world.ward, "trường không thư", email="")
    invite(again, world.ward, "Trường Khác Không Thư", email="")
    db.session.commit()

    view = oversight(world.ward, TODAY)

    names = sorted(i.school_name.casefold() for i in view.invitations)
    assert names == ["trường chưa nộp", "trường khác không thư", "trường không thư", "trường đang chờ"]
    assert view.total.not_registered == 4


def test_schools_of_the_same_name_at_different_addresses_are_two_schools(small: Oversight) -> None:
    world = small.world
    again = campaign_of(world.province, "Đăng ký tỉnh")
    invite(again, world.ward, "Trường Tiểu học Kim Đồng", email="kimdong.phuong1@example.vn")
    invite(again, small.ward2, "Trường Tiểu học Kim Đồng", email="kimdong.phuong2@example.vn")
    db.session.commit()

    view = oversight(world.province, TODAY)

    assert [i.school_name for i in view.invitations].count("Trường Tiểu học Kim Đồng") == 2
    assert view.total.not_registered == 5


def test_schools_sharing_one_address_stay_two_schools_and_one_registering_hides_only_itself(
    small: Oversight,
) -> None:
    world = small.world
    again = campaign_of(world.ward, "Đăng ký bổ sung")
    office = "phong-gd@example.vn"  # a list may give two schools the office's address
    invite(again, world.ward, "Trường Mầm non Hoa Sen", email=office)
    register(invite(again, world.ward, "Trường Mầm non Hoa Mai", email=office), RegistrationStatus.APPROVED, "hoa-mai")
    db.session.commit()

    view = oversight(world.ward, TODAY)

    names = {i.school_name for i in view.invitations}
    assert "Trường Mầm non Hoa Sen" in names and "Trường Mầm non Hoa Mai" not in names
    assert view.total.not_registered == 3


def test_a_school_registered_through_one_invitation_is_not_listed_for_another(small: Oversight) -> None:
    world = small.world
    again = campaign_of(world.ward, "Đăng ký lần hai")
    alpha_address = slug_of(world.a.school.name) + "@example.vn"
    invite(again, world.ward, world.a.school.name, email=alpha_address.upper())
    declined = invite(again, world.ward, "Trường Chưa Nộp")
    register(declined, RegistrationStatus.DECLINED, "chua-nop")
    db.session.commit()

    view = oversight(world.ward, TODAY)

    assert world.a.school.name not in {i.school_name for i in view.invitations}
    assert {i.school_name: i.status for i in view.invitations}["Trường Chưa Nộp"] == RegistrationStatus.DECLINED
    assert view.total.not_registered == 2


def test_the_rollup_totals_the_schools_of_the_authority(small: Oversight) -> None:
    view = oversight(small.world.ward, TODAY)

    assert [r.name for r in view.rollups] == [small.world.ward.name]
    total = view.total
    assert (total.schools, total.active, total.not_registered) == (2, 2, 2)
    assert total.uptake == Uptake(5, 3)
    assert (total.due, total.collected) == (250_000, 220_000)
    assert (total.traffic.count, total.traffic.cost) == (5, 2_310)
    assert (total.fees, total.fee_amount, total.invoiced, total.paid) == (2, 2_700_000, 2, 1)


def test_a_suspended_school_is_shown_as_such(small: Oversight) -> None:
    world = small.world
    set_school_status(world.operator, world.b.school, SchoolStatus.SUSPENDED)

    view = oversight(world.ward, TODAY)

    assert [line.active for line in view.schools] == [True, False]
    assert (view.total.schools, view.total.active) == (2, 1)
    assert view.schools[1].uptake == Uptake(1, 1)  # its figures are still read


def test_a_province_sees_each_child_authority_as_a_row(small: Oversight) -> None:
    world = small.world
    view = oversight(world.province, TODAY)

    rows = {r.name: r for r in view.rollups}
    assert list(rows) == [world.province.name, world.ward.name, small.ward2.name]
    assert rows[world.province.name].own and rows[world.province.name].schools == 0
    assert (rows[world.ward.name].schools, rows[world.ward.name].not_registered) == (2, 2)
    assert (rows[small.ward2.name].schools, rows[small.ward2.name].not_registered) == (1, 1)
    assert view.total.schools == 3 and view.total.not_registered == 3


def test_a_sibling_authority_sees_none_of_the_others_schools(small: Oversight) -> None:
    world = small.world
    ward_view, ward2_view = oversight(world.ward, TODAY), oversight(small.ward2, TODAY)

    assert {line.school_id for line in ward_view.schools} == {world.a.school.id, world.b.school.id}
    assert {line.school_id for line in ward2_view.schools} == {small.gamma.school.id}
    assert [i.school_name for i in ward2_view.invitations] == ["Trường Phường Khác"]
    assert "Trường Phường Khác" not in {i.school_name for i in ward_view.invitations}


def test_the_months_of_the_year_carry_uptake_and_message_volume(small: Oversight) -> None:
    months = oversight(small.world.ward, TODAY).months

    assert [p.month for p in months] == [date(2025, m, 1) for m in (8, 9, 10, 11, 12)]
    assert months[0].uptake == Uptake(0, 0)  # before the year's first day: no year, no point
    assert months[-2].uptake == Uptake(5, 3)  # 30/11: both plans running
    assert [p.traffic.count for p in months] == [0, 0, 0, 1, 5]
    assert months[-1].traffic.cost == 2_310


def test_the_school_year_turns_in_august() -> None:
    assert school_year_of(date(2026, 7, 31)) == "2025-2026"
    assert school_year_of(date(2026, 8, 1)) == "2026-2027"
    assert year_months(date(2026, 8, 20)) == [date(2026, 8, 1)]
    assert len(year_months(date(2027, 7, 31))) == 12
