"""The demo's registration campaign and public pages: what an authority officer and a visitor see first.

The province's campaign for this school year is open (its deadline three weeks ahead): one invited school
has registered and waits for the officer's review, another has not registered yet. The demo schools have
their contacts and an announcement on their public pages.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from contactbook.campaigns import services as campaigns
from contactbook.extensions import db
from contactbook.models import Authority, PublicAnnouncement, RegistrationCampaign, School, SchoolLevel, User
from contactbook.models.base import utcnow
from contactbook.platform.services import authority_subtree_ids
from contactbook.public_site import services as public_site
from contactbook.tenancy import school_scope

CAMPAIGN_TITLE = "Đăng ký trang thông tin điện tử và sổ liên lạc điện tử"
PUBLIC_PAGES = {
    "thcs-nguyen-du": ("12 Nguyễn Du, phường Sài Gòn, TP. Hồ Chí Minh", "02838221234", "thcs.nguyendu@example.edu.vn"),
    "th-le-ngoc-han": ("5 Lê Ngọc Hân, phường Sài Gòn, TP. Hồ Chí Minh", "02838225678", None),
}


def seed_campaign(officer: User, province: Authority, ward: Authority, school_year: str, today: date) -> None:
    """The open campaign with two invited schools, one of them registered and waiting (once)."""
    if db.session.scalar(select(RegistrationCampaign.id).where(RegistrationCampaign.title == CAMPAIGN_TITLE)):
        return
    campaign = campaigns.open_campaign(
        officer,
        authority=province,
        title=CAMPAIGN_TITLE,
        school_year=school_year,
        opens_on=today - timedelta(days=7),
        deadline=today + timedelta(days=21),
        document_ref="Công văn số 1234/SGDĐT-VP",
        website_fee=1_200_000,
        max_price_month=30_000,
        max_price_year=100_000,
    )
    rows = [
        campaigns.InvitationRow(
            "Trường THCS Lê Lợi", SchoolLevel.LOWER_SECONDARY, "thcs.leloi@example.edu.vn", ward.id
        ),
        campaigns.InvitationRow("Trường Mầm non Sơn Ca", SchoolLevel.PRESCHOOL, "mn.sonca@example.edu.vn", ward.id),
    ]
    registered, _invited = campaigns.import_invitations(officer, campaign, rows, authority_subtree_ids(province.id))
    campaigns.register(
        registered,
        campaigns.RegistrationData(
            school_name="Trường THCS Lê Lợi",
            level=SchoolLevel.LOWER_SECONDARY,
            address="45 Lê Lợi, phường Sài Gòn, TP. Hồ Chí Minh",
            requested_slug="thcs-le-loi",
            admin_full_name="Đỗ Minh Khang",
            admin_email="khang.dm@example.edu.vn",
            admin_phone="+84912000111",
            phone="02838229999",
            email="thcs.leloi@example.edu.vn",
            survey_answers={
                "has_website": "yes",
                "website_address": "thcsleloi.example.vn",
                "website_use": "Thông báo, lịch học",
                "update_frequency": "monthly",
            },
        ),
        utcnow(),
    )


def seed_public_page(school: School, admin: User, today: date) -> None:
    """The school's contacts and a first announcement on its public page (once)."""
    address, phone, email = PUBLIC_PAGES.get(school.slug, (None, None, None))
    with school_scope(school.id):
        if school.address is None and address:
            public_site.update_contacts(school, admin, address=address, phone=phone, email=email)
        if db.session.scalar(select(PublicAnnouncement.id).where(PublicAnnouncement.school_id == school.id)) is None:
            public_site.post_announcement(
                school,
                admin,
                title="Lịch họp phụ huynh đầu năm",
                body="Nhà trường kính mời quý phụ huynh dự họp đầu năm vào sáng Chủ nhật tuần này, lúc 8 giờ.",
                published_on=today,
                today=today,
            )
