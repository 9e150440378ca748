"""Opening a campaign, inviting the schools under the authority (one by one, or from a list), closing it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from contactbook.accounts.services import mail
from contactbook.audit import services as audit
from contactbook.campaigns.links import registration_link
from contactbook.campaigns.rules import DEFAULT_REMINDER_DAYS, DEFAULT_SURVEY, school_key
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.models import Authority, SchoolLevel, User
from contactbook.models.registration import CampaignInvitation, RegistrationCampaign
from contactbook.platform.services import authority_subtree_ids

EMAIL_LOCALE = "vi"


class CampaignError(ValueError):
    """A campaign or an invitation that cannot be saved; the message says why (to translate when shown)."""


@dataclass(frozen=True)
class InvitationRow:
    """One school to invite: its name, level, email, and its authority (within the campaign's subtree)."""

    school_name: str
    level: SchoolLevel
    email: str
    authority_id: int


def open_campaign(
    officer: User,
    *,
    authority: Authority,
    title: str,
    school_year: str,
    opens_on: date,
    deadline: date,
    document_ref: str = "",
    website_fee: int = 0,
    max_price_month: int | None = None,
    max_price_year: int | None = None,
    survey: Sequence[dict[str, Any]] | None = None,
    allow_late: bool = False,
    reminder_days: Sequence[int] = DEFAULT_REMINDER_DAYS,
) -> RegistrationCampaign:
    """A new campaign of `authority` (the seed's four survey questions unless others are given), audited."""
    if deadline < opens_on:
        raise CampaignError(N_("The deadline cannot come before the opening date."))
    if any(ceiling is not None and ceiling <= 0 for ceiling in (max_price_month, max_price_year)):
        raise CampaignError(N_("A price ceiling is a positive number of đồng, at most 1,000,000,000."))
    campaign = RegistrationCampaign(
        authority_id=authority.id,
        title=title.strip(),
        school_year=school_year,
        opens_on=opens_on,
        deadline=deadline,
        document_ref=document_ref.strip(),
        website_fee=website_fee,
        max_price_month=max_price_month,
        max_price_year=max_price_year,
        survey=[dict(question) for question in (DEFAULT_SURVEY if survey is None else survey)],
        allow_late=allow_late,
        reminder_days=sorted({int(day) for day in reminder_days}, reverse=True),
        created_by_id=officer.id,
    )
    db.session.add(campaign)
    db.session.flush()
    audit.record("campaign.opened", actor=officer, school_id=None, target=campaign, title=campaign.title)
    db.session.commit()
    return campaign


def _invite(officer: User, campaign: RegistrationCampaign, row: InvitationRow) -> CampaignInvitation:
    invitation = CampaignInvitation(
        campaign_id=campaign.id,
        authority_id=row.authority_id,
        school_name=row.school_name.strip(),
        level=row.level,
        email=row.email.strip().lower(),
        created_by_id=officer.id,
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record("campaign.invited", actor=officer, school_id=None, target=invitation, campaign_id=campaign.id)
    with force_locale(EMAIL_LOCALE):
        mail.queue(
            invitation.email,
            _("Invitation to register: %(title)s", title=campaign.title),
            _(
                "%(authority)s invites %(school)s to register for the school contact book and website "
                "(%(document)s).\n\nRegister by %(deadline)s at:\n%(link)s",
                authority=campaign.authority.name,
                school=invitation.school_name,
                document=campaign.document_ref or campaign.title,
                deadline=campaign.deadline.strftime("%d/%m/%Y"),
                link=registration_link(invitation.id),
            ),
        )
    return invitation


def _check_authority(campaign: RegistrationCampaign, authority_id: int, subtree: Sequence[int]) -> None:
    """The school's authority must be within `subtree` (the officer's) and under the campaign's authority."""
    if authority_id not in subtree or authority_id not in authority_subtree_ids(campaign.authority_id):
        raise CampaignError(N_("This authority is not under the campaign's authority."))


def hold(campaign: RegistrationCampaign) -> None:
    """Hold the campaign's row (shared) until the commit and read whether it is closed afresh: a close at the
    same moment waits for this commit, or has been committed and is seen."""
    db.session.scalar(
        select(RegistrationCampaign.id).where(RegistrationCampaign.id == campaign.id).with_for_update(read=True)
    )
    db.session.refresh(campaign, ["closed_at"])


def _check_open(campaign: RegistrationCampaign) -> None:
    """A closed campaign invites no more schools: their link would refuse them. The campaign's row is held
    until the commit, alone: a close waits, and so does a second invitation of the same school at the same
    moment (a double click), which then finds it invited."""
    db.session.scalar(select(RegistrationCampaign.id).where(RegistrationCampaign.id == campaign.id).with_for_update())
    db.session.refresh(campaign, ["closed_at"])
    if campaign.closed_at is not None:
        raise CampaignError(N_("This campaign is closed: no more schools can be invited."))


ALREADY_INVITED = N_("This school is already invited to this campaign.")


def invited_keys(campaign: RegistrationCampaign) -> set[tuple[str, str]]:
    """The schools `campaign` has invited (`school_key`): each gets one link, not a second one."""
    rows = db.session.execute(
        select(CampaignInvitation.email, CampaignInvitation.school_name).where(
            CampaignInvitation.campaign_id == campaign.id
        )
    ).tuples()
    return {school_key(email, name) for email, name in rows}


def _check_not_invited(campaign: RegistrationCampaign, rows: Sequence[InvitationRow]) -> None:
    invited = invited_keys(campaign)
    if any(school_key(row.email, row.school_name) in invited for row in rows):
        raise CampaignError(ALREADY_INVITED)


def add_invitation(
    officer: User, campaign: RegistrationCampaign, row: InvitationRow, subtree: Sequence[int]
) -> CampaignInvitation:
    """Invite one school (its authority within `subtree`, not invited yet) and email it its link, in one commit."""
    _check_open(campaign)
    _check_authority(campaign, row.authority_id, subtree)
    _check_not_invited(campaign, [row])
    invitation = _invite(officer, campaign, row)
    db.session.commit()
    return invitation


def import_invitations(
    officer: User, campaign: RegistrationCampaign, rows: Sequence[InvitationRow], subtree: Sequence[int]
) -> list[CampaignInvitation]:
    """Invite every school of a checked list (see `campaigns.importing`) in one commit: all or none."""
    _check_open(campaign)
    for row in rows:
        _check_authority(campaign, row.authority_id, subtree)
    _check_not_invited(campaign, rows)
    invitations = [_invite(officer, campaign, row) for row in rows]
    audit.record("campaign.imported", actor=officer, school_id=None, target=campaign, count=len(invitations))
    db.session.commit()
    return invitations


def close_campaign(officer: User, campaign: RegistrationCampaign, now: datetime) -> None:
    """Close the campaign from `now`: no school may register or resubmit and no reminder goes, while the
    registrations already submitted can still be decided. Audited; refused when it is already closed."""
    # The campaign's row is held until the commit: a second close at the same time (a double click) waits for
    # the first, then finds the campaign closed.
    db.session.scalar(select(RegistrationCampaign.id).where(RegistrationCampaign.id == campaign.id).with_for_update())
    db.session.refresh(campaign, ["closed_at"])
    if campaign.closed_at is not None:
        raise CampaignError(N_("This campaign is already closed."))
    campaign.closed_at = now
    audit.record("campaign.closed", actor=officer, school_id=None, target=campaign, title=campaign.title)
    db.session.commit()
