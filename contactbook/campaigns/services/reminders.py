"""Reminders before the deadline to invited schools that have not registered: once per invitation and day."""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from contactbook.accounts.services import mail
from contactbook.campaigns.links import registration_link
from contactbook.campaigns.rules import reminder_day
from contactbook.campaigns.services.campaigns import EMAIL_LOCALE
from contactbook.extensions import db
from contactbook.models.registration import CampaignInvitation, RegistrationCampaign, SchoolRegistration
from contactbook.timezones import school_today


def send_reminders(now: datetime) -> dict[str, int]:
    """Queue today's reminders of every open campaign (safe to run every hour: each goes once)."""
    today = school_today(now)
    counts = {"campaigns": 0, "queued": 0}
    campaigns = db.session.scalars(
        select(RegistrationCampaign).where(
            RegistrationCampaign.closed_at.is_(None),
            RegistrationCampaign.opens_on <= today,
            RegistrationCampaign.deadline >= today,
        )
    ).all()
    for campaign in campaigns:
        left = reminder_day(campaign.deadline, list(campaign.reminder_days or []), today)
        if left is None:
            continue
        counts["campaigns"] += 1
        waiting = db.session.scalars(
            select(CampaignInvitation)
            .outerjoin(SchoolRegistration, SchoolRegistration.invitation_id == CampaignInvitation.id)
            .where(CampaignInvitation.campaign_id == campaign.id, SchoolRegistration.id.is_(None))
            .order_by(CampaignInvitation.id)
        ).all()
        with force_locale(EMAIL_LOCALE):
            for invitation in waiting:
                counts["queued"] += mail.queue(
                    invitation.email,
                    _("Reminder: register by %(deadline)s", deadline=campaign.deadline.strftime("%d/%m/%Y")),
                    _(
                        "%(school)s has not registered yet for %(title)s. The deadline is %(deadline)s "
                        "(%(days)s day(s) left). Register at:\n%(link)s",
                        school=invitation.school_name,
                        title=campaign.title,
                        deadline=campaign.deadline.strftime("%d/%m/%Y"),
                        days=left,
                        link=registration_link(invitation.id),
                    ),
                    dedupe_key=f"campaign-reminder:{invitation.id}:{today.isoformat()}",
                )
    db.session.commit()
    return counts
