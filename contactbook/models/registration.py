"""An authority's registration campaigns: the schools it invites, and what each one submits.

Campaign rows belong to the authority, not to a school (no `school_id`: they are read and written only
by the authority's officers and by the public registration form, scoped by the authority's subtree).
A registration that is approved points to the school it created (`created_school_id`).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contactbook.models.base import Base, UTCDateTime, str_enum, utcnow
from contactbook.models.school import Authority, School, SchoolLevel


class RegistrationStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # waiting for the officer's review
    CHANGES_REQUESTED = "changes_requested"  # the officer asked for changes; the school edits and resubmits
    APPROVED = "approved"  # the school (tenant), its domain and its admin account exist
    DECLINED = "declined"  # refused, with a reason


class RegistrationCampaign(Base):
    """An authority invites the schools under it to register by a deadline, on stated terms, with a survey."""

    __tablename__ = "registration_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    school_year: Mapped[str] = mapped_column(String(9))  # "2026-2027"
    opens_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)  # the last day a submission is on time (school time zone)
    document_ref: Mapped[str] = mapped_column(String(300), default="")  # the document it refers to
    # Terms on offer: the platform's yearly fee per school for the website service (VND), and the price
    # ceilings for family plans (VND per month / per year; None: no ceiling).
    website_fee: Mapped[int] = mapped_column(Integer, default=0)
    max_price_month: Mapped[int | None] = mapped_column(Integer)
    max_price_year: Mapped[int | None] = mapped_column(Integer)
    # The survey: [{"key": "has_website", "question": "...", "kind": "yes_no" | "text" | "choice",
    #               "choices": [...], "required": bool}, ...]
    survey: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    allow_late: Mapped[bool] = mapped_column(Boolean, default=False)
    reminder_days: Mapped[list[int]] = mapped_column(JSON, default=lambda: [7, 3, 1])  # days before the deadline
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    authority: Mapped[Authority] = relationship()
    invitations: Mapped[list[CampaignInvitation]] = relationship(back_populates="campaign")


class CampaignInvitation(Base):
    """A school invited to a campaign (imported from a list or created by the officer), before it exists.

    Its link is signed from its id (no secret stored); the registration it leads to is `registration`.
    """

    __tablename__ = "campaign_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("registration_campaigns.id"), index=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)  # the school's authority
    school_name: Mapped[str] = mapped_column(String(200))
    level: Mapped[SchoolLevel] = mapped_column(str_enum(SchoolLevel, "school_level"))
    email: Mapped[str] = mapped_column(String(254))  # where the invitation and reminders go
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    campaign: Mapped[RegistrationCampaign] = relationship(back_populates="invitations")
    authority: Mapped[Authority] = relationship()
    registration: Mapped[SchoolRegistration | None] = relationship(back_populates="invitation", uselist=False)


class SchoolRegistration(Base):
    """What an invited school submitted through the public form, and the officer's decision on it."""

    __tablename__ = "school_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("registration_campaigns.id"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("campaign_invitations.id"), unique=True)
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus, "registration_status"))
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # first submitted after the deadline
    school_name: Mapped[str] = mapped_column(String(200))
    level: Mapped[SchoolLevel] = mapped_column(str_enum(SchoolLevel, "school_level"))
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20))  # the school's, E.164
    email: Mapped[str | None] = mapped_column(String(254))  # the school's
    requested_slug: Mapped[str] = mapped_column(String(63))
    admin_full_name: Mapped[str] = mapped_column(String(200))
    admin_email: Mapped[str] = mapped_column(String(254))
    admin_phone: Mapped[str] = mapped_column(String(20))  # E.164
    survey_answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)  # the changes asked for, or the reason to decline
    created_school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), unique=True)

    campaign: Mapped[RegistrationCampaign] = relationship()
    invitation: Mapped[CampaignInvitation] = relationship(back_populates="registration")
    created_school: Mapped[School | None] = relationship()
