"""The school's side: the slug check, and submitting (or resubmitting) its registration through its link."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from contactbook.accounts.services import mail
from contactbook.audit import services as audit
from contactbook.campaigns.links import registration_link
from contactbook.campaigns.rules import is_late, slug_format_problem, submission_problem
from contactbook.campaigns.services.campaigns import EMAIL_LOCALE, hold
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.models import School, SchoolLevel
from contactbook.models.registration import CampaignInvitation, RegistrationStatus, SchoolRegistration
from contactbook.timezones import school_today

OPEN_STATUSES = (RegistrationStatus.SUBMITTED, RegistrationStatus.CHANGES_REQUESTED)


class RegistrationRefused(ValueError):
    """A submission the campaign does not accept now; the message says why (to translate when shown)."""


@dataclass(frozen=True)
class RegistrationData:
    """What the school fills in (phones already in E.164, texts already cleaned by the form)."""

    school_name: str
    level: SchoolLevel
    address: str
    requested_slug: str
    admin_full_name: str
    admin_email: str
    admin_phone: str
    phone: str | None = None
    email: str | None = None
    survey_answers: dict[str, Any] = field(default_factory=dict)


def slug_problem(slug: str, invitation: CampaignInvitation | None = None) -> str | None:
    """Why `slug` cannot be requested: format, reserved, a school's, or another open registration's; else None."""
    problem = slug_format_problem(slug)
    if problem is not None:
        return problem
    if db.session.scalar(select(School.id).where(School.slug == slug)) is not None:
        return N_("This school address is already taken.")
    others = select(SchoolRegistration.id).where(
        SchoolRegistration.requested_slug == slug, SchoolRegistration.status.in_(OPEN_STATUSES)
    )
    if invitation is not None:
        others = others.where(SchoolRegistration.invitation_id != invitation.id)
    if db.session.scalar(others.limit(1)) is not None:
        return N_("Another school has already asked for this address.")
    return None


def can_submit(invitation: CampaignInvitation, now: datetime) -> str | None:
    """Why the school cannot submit through its link now; None when the form is open to it."""
    registration = invitation.registration
    if registration is not None and registration.status != RegistrationStatus.CHANGES_REQUESTED:
        return N_("This registration has already been submitted.")
    campaign = invitation.campaign
    if campaign.closed_at is not None:  # whatever the date, late registrations allowed or not
        return N_("The education office has closed this campaign: registrations are no longer accepted.")
    if registration is not None:
        return None  # asked for changes: it may resubmit whatever the date
    return submission_problem(campaign.opens_on, campaign.deadline, campaign.allow_late, school_today(now))


def register(invitation: CampaignInvitation, data: RegistrationData, now: datetime) -> SchoolRegistration:
    """Submit (or, after a request for changes, resubmit) the school's registration; the school gets a receipt."""
    # The invitation's row is held until the commit: a second submit at the same time (a double click) waits
    # for the first, then sees its registration and is refused like any later one.
    db.session.scalar(select(CampaignInvitation.id).where(CampaignInvitation.id == invitation.id).with_for_update())
    db.session.expire(invitation, ["registration"])
    hold(invitation.campaign)  # and a close at the same moment is either seen or waits for this commit
    problem = can_submit(invitation, now)
    if problem is None:
        problem = slug_problem(data.requested_slug, invitation)
    if problem is not None:
        raise RegistrationRefused(problem)
    registration = invitation.registration
    resubmitted = registration is not None
    if registration is None:
        registration = SchoolRegistration(
            campaign_id=invitation.campaign_id,
            invitation_id=invitation.id,
            late=is_late(invitation.campaign.deadline, school_today(now)),
        )
        db.session.add(registration)
    registration.status = RegistrationStatus.SUBMITTED
    registration.school_name = data.school_name.strip()
    registration.level = data.level
    registration.address = data.address.strip()
    registration.phone = data.phone or None
    registration.email = (data.email or "").strip().lower() or None
    registration.requested_slug = data.requested_slug
    registration.admin_full_name = data.admin_full_name.strip()
    registration.admin_email = data.admin_email.strip().lower()
    registration.admin_phone = data.admin_phone
    registration.survey_answers = dict(data.survey_answers)
    registration.submitted_at = now
    db.session.flush()
    audit.record(
        "registration.resubmitted" if resubmitted else "registration.submitted",
        actor=None,
        school_id=None,
        target=registration,
        campaign_id=invitation.campaign_id,
        late=registration.late,
    )
    with force_locale(EMAIL_LOCALE):
        mail.queue(
            invitation.email,
            _("Registration received: %(school)s", school=registration.school_name),
            _(
                "We have received the registration of %(school)s (requested address: %(slug)s). "
                "The education office will review it and tell you its decision by email.\n\n"
                "You can see its status at:\n%(link)s",
                school=registration.school_name,
                slug=registration.requested_slug,
                link=registration_link(invitation.id),
            ),
        )
    db.session.commit()
    return registration
