"""A small world for the oversight dashboard, with figures worked out by hand.

The day is 10/12/2025 (school year 2025-2026, the world's). Under the ward (the `world`'s, below the province):
- alpha: four students in 6A1, two subscribed (a year plan of 100.000 đ, paid; a semester plan of 60.000 đ,
  30.000 đ paid): uptake 2/4 = 50,0 %, family fees due 160.000 đ, collected 130.000 đ. Messages sent in
  December: 3 SMS (500 + 500 + 700 đ, the last sent at 01:00 on 1/12 in Vietnam, still 30/11 in UTC) and 1
  email (10 đ); one SMS sent in November (500 đ), one queued and one failed (not sent). Platform fee
  2025-2026: 1.200.000 đ, invoiced 1/10/2025, not paid. Registered through the ward's campaign (survey answers).
- beta: one student, subscribed (a year plan of 90.000 đ, paid): 100,0 %; one SMS in December (600 đ);
  platform fee 2025-2026: 1.500.000 đ, invoiced and paid (and a fee of 2024-2025, not counted).
- the ward's campaign also invited two schools that have not registered (one submitted, one nothing).
  Each invitation goes to an address of the school's own (from its name).
Under a second ward (a sibling, below the province): school gamma, one invitation not registered, its officer.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from contactbook.extensions import db
from contactbook.models import (
    Authority,
    AuthorityKind,
    CampaignInvitation,
    Message,
    MessageStatus,
    RegistrationCampaign,
    RegistrationStatus,
    SchoolLevel,
    SchoolRegistration,
)
from contactbook.oversight import services as oversight
from contactbook.platform import services as platform
from contactbook.schools.services import new_user
from tests.factories import PASSWORD, SchoolPeople, World, make_school
from tests.roster.factories import ClassWorld, make_class_world, make_guardian, make_student
from tests.subscriptions.payment_factories import pay, semester_plan, service_on, subscribe, year_plan

TODAY = date(2025, 12, 10)
SURVEY = [
    {"key": "has_website", "question": "Does the unit run a website today?", "kind": "yes_no", "required": True},
    {"key": "address", "question": "At which address?", "kind": "text", "required": False},
    {"key": "purpose", "question": "Used for what?", "kind": "text", "required": False},
    {"key": "frequency", "question": "How often is it updated?", "kind": "choice", "required": False},
]


@dataclass
class Oversight:
    world: World
    ward2: Authority
    gamma: SchoolPeople
    names: list[str] = field(default_factory=list)  # every student's and guardian's name
    phones: list[str] = field(default_factory=list)  # every guardian's phone number (E.164)


def _message(
    roster: ClassWorld, key: str, channel: str, status: MessageStatus, sent_at: datetime | None, cost: int
) -> None:
    db.session.add(
        Message(
            school_id=roster.guardian.school_id,
            kind="notice",
            category="general",
            guardian_id=roster.guardian.id,
            student_id=roster.student.id,
            channel=channel,
            to_address=roster.guardian.phone if channel == "sms" else "binh@example.vn",
            body=f"{roster.student.full_name}: họp phụ huynh.",
            dedupe_key=f"test:{roster.guardian.school_id}:{key}",
            status=status,
            sent_at=sent_at,
            cost=cost,
        )
    )


def campaign_of(authority: Authority, title: str) -> RegistrationCampaign:
    """A campaign of `authority` (August 2025, the survey above)."""
    campaign = RegistrationCampaign(
        authority_id=authority.id,
        title=title,
        school_year="2025-2026",
        opens_on=date(2025, 8, 1),
        deadline=date(2025, 8, 31),
        survey=SURVEY,
    )
    db.session.add(campaign)
    db.session.flush()
    return campaign


def invite(
    campaign: RegistrationCampaign, authority: Authority, name: str, email: str | None = None
) -> CampaignInvitation:
    """An invitation of school `name` (by default at an address of its own, from its name)."""
    invitation = CampaignInvitation(
        campaign_id=campaign.id,
        authority_id=authority.id,
        school_name=name,
        level=SchoolLevel.LOWER_SECONDARY,
        email=f"{slug_of(name)}@example.vn" if email is None else email,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


def slug_of(name: str) -> str:
    """An ASCII slug of a Vietnamese name: "Trường Chưa Nộp" -> "truong-chua-nop"."""
    plain = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    return "-".join("".join(c for c in plain if c.isascii() and (c.isalnum() or c == " ")).lower().split())


def register(invitation: CampaignInvitation, status: RegistrationStatus, slug: str, **fields: object) -> None:
    """The invitation's registration, in `status`."""
    db.session.add(
        SchoolRegistration(
            campaign_id=invitation.campaign_id,
            invitation_id=invitation.id,
            status=status,
            school_name=invitation.school_name,
            level=invitation.level,
            address="1 Đường Lê Lợi",
            requested_slug=slug,
            admin_full_name="Phạm Quản Trị",
            admin_email="qt@example.vn",
            admin_phone="+84911111111",
            **fields,
        )
    )


def make_oversight(world: World) -> Oversight:
    """The world above (see the module's docstring)."""
    ward2 = platform.create_authority(
        world.operator, name="UBND phường Hai", kind=AuthorityKind.WARD_COMMUNE, parent=world.province
    )
    gamma = make_school(world.operator, ward2, "gamma")
    new_user(school=None, username="officer2", full_name="Officer Hai", password=PASSWORD, authority_id=ward2.id)
    result = Oversight(world, ward2, gamma)

    alpha = make_class_world(world.a)
    service_on(world.a)
    pay(world.a, subscribe(world.a, alpha.guardian, alpha.student, year_plan(world.a)), 100_000, date(2025, 9, 10))
    second = make_student(world.a, alpha.school_class, "Lê Thị Cúc", "790100000002")
    second_parent = make_guardian(world.a, [second], "Lê Văn Dũng", phone="+84987654321")
    pay(world.a, subscribe(world.a, second_parent, second, semester_plan(world.a)), 30_000, date(2025, 9, 12))
    others = [make_student(world.a, alpha.school_class, f"Phạm Văn Út {n}", f"79010000001{n}") for n in (3, 4)]
    other_parent = make_guardian(world.a, others, "Đỗ Thị Hạnh", phone="+84903333444")
    result.names += [alpha.student.full_name, alpha.guardian.full_name, second.full_name, second_parent.full_name]
    result.names += [s.full_name for s in others] + [other_parent.full_name]
    result.phones += ["+84912345678", "+84987654321", "+84903333444"]

    december = datetime(2025, 12, 5, 3, 0, tzinfo=UTC)
    _message(alpha, "s1", "sms", MessageStatus.SENT, december, 500)
    _message(alpha, "s2", "sms", MessageStatus.DELIVERED, december, 500)
    _message(alpha, "s3", "sms", MessageStatus.UNDELIVERED, datetime(2025, 11, 30, 18, 0, tzinfo=UTC), 700)
    _message(alpha, "e1", "email", MessageStatus.DELIVERED, december, 10)
    _message(alpha, "nov", "sms", MessageStatus.SENT, datetime(2025, 11, 20, 3, 0, tzinfo=UTC), 500)
    _message(alpha, "queued", "sms", MessageStatus.QUEUED, None, 0)
    _message(alpha, "failed", "sms", MessageStatus.FAILED, None, 0)

    beta = make_class_world(world.b)
    service_on(world.b)
    pay(world.b, subscribe(world.b, beta.guardian, beta.student, year_plan(world.b, 90_000)), 90_000, date(2025, 9, 15))
    _message(beta, "s1", "sms", MessageStatus.SENT, december, 600)
    result.names += [beta.student.full_name, beta.guardian.full_name]

    gamma_roster = make_class_world(gamma)
    gamma_student = make_student(gamma, gamma_roster.school_class, "Vũ Minh Khoa", "790300000002")
    gamma_parent = make_guardian(gamma, [gamma_student], "Vũ Thị Lan", phone="+84977777888")
    result.names += [gamma_student.full_name, gamma_parent.full_name]
    result.phones += ["+84977777888"]
    db.session.commit()

    operator = world.operator
    oversight.record_fee(operator, world.a.school, oversight.FeeInput("2025-2026", 1_200_000, date(2025, 10, 1), None))
    oversight.record_fee(
        operator, world.b.school, oversight.FeeInput("2025-2026", 1_500_000, date(2025, 10, 1), date(2025, 10, 20))
    )
    oversight.record_fee(operator, world.b.school, oversight.FeeInput("2024-2025", 999_000, date(2024, 10, 1), None))

    campaign = campaign_of(world.ward, "Đăng ký trang thông tin 2025-2026")
    register(
        invite(campaign, world.ward, world.a.school.name),
        RegistrationStatus.APPROVED,
        "alpha",
        created_school_id=world.a.school.id,
        survey_answers={
            "has_website": "yes",
            "address": "alpha.edu.vn",
            "purpose": "Tin tức",
            "frequency": "Hằng tuần",
        },
    )
    invite(campaign, world.ward, "Trường Chưa Nộp")
    register(invite(campaign, world.ward, "Trường Đang Chờ"), RegistrationStatus.SUBMITTED, "dang-cho")
    invite(campaign_of(ward2, "Đăng ký phường Hai"), ward2, "Trường Phường Khác")
    db.session.commit()
    return result
