"""The rules of a campaign that need no database: slug format, the seed's survey, when a school may submit."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from contactbook.i18n import N_
from contactbook.platform.services import RESERVED_SLUGS
from contactbook.tenancy import SLUG_PATTERN

SLUG = re.compile(SLUG_PATTERN)
# The survey of the founding circular: does the unit run a website today, where, for what, how often updated.
FREQUENCIES = {
    "weekly": N_("Every week"),
    "monthly": N_("Every month"),
    "rarely": N_("A few times a year"),
    "never": N_("Never"),
}
DEFAULT_SURVEY: list[dict[str, Any]] = [
    {"key": "has_website", "question": N_("Does the unit run a website today?"), "kind": "yes_no", "required": True},
    {"key": "website_address", "question": N_("At which address?"), "kind": "text", "required": False},
    {"key": "website_use", "question": N_("What is it used for?"), "kind": "text", "required": False},
    {
        "key": "update_frequency",
        "question": N_("How often is it updated?"),
        "kind": "choice",
        "choices": list(FREQUENCIES),
        "required": False,
    },
]
DEFAULT_REMINDER_DAYS = (7, 3, 1)


def slug_format_problem(slug: str) -> str | None:
    """Why `slug` cannot name a school whatever else exists (format, reserved word); None when it may."""
    if not SLUG.fullmatch(slug):
        return N_("Lowercase letters, digits and dashes only, e.g. thcs-nguyen-du.")
    if slug in RESERVED_SLUGS:
        return N_("This address is reserved.")
    return None


def submission_problem(opens_on: date, deadline: date, allow_late: bool, today: date) -> str | None:
    """Why a first submission made `today` is refused (not open yet, closed); None when it is accepted."""
    if today < opens_on:
        return N_("Registration has not opened yet.")
    if today > deadline and not allow_late:
        return N_("The deadline has passed: registration is closed.")
    return None


def is_late(deadline: date, today: date) -> bool:
    """A submission after the deadline day (accepted only where the campaign allows late ones)."""
    return today > deadline


def reminder_day(deadline: date, reminder_days: list[int], today: date) -> int | None:
    """The number of days left when `today` is one of the campaign's reminder days, else None."""
    left = (deadline - today).days
    return left if left >= 0 and left in reminder_days else None


def school_key(email: str, name: str) -> tuple[str, str]:
    """What identifies an invited school across invitations: its email address and its name (normalized).

    Both, not the address alone: a list may give several schools one office's address (the importer allows
    it), and one of them registering must not hide the others."""
    return (email.strip().casefold(), " ".join(unicodedata.normalize("NFKC", name).casefold().split()))
