"""The campaigns' services: opening, inviting schools and closing, registering, reviewing, reminding."""

from contactbook.campaigns.services.campaigns import (
    CampaignError,
    InvitationRow,
    add_invitation,
    close_campaign,
    import_invitations,
    invited_keys,
    open_campaign,
)
from contactbook.campaigns.services.registration import RegistrationData, RegistrationRefused, register, slug_problem
from contactbook.campaigns.services.reminders import send_reminders
from contactbook.campaigns.services.review import ReviewError, approve, decline, request_changes

__all__ = [
    "CampaignError",
    "InvitationRow",
    "RegistrationData",
    "RegistrationRefused",
    "ReviewError",
    "add_invitation",
    "approve",
    "close_campaign",
    "decline",
    "import_invitations",
    "invited_keys",
    "open_campaign",
    "register",
    "request_changes",
    "send_reminders",
    "slug_problem",
]
