"""Changes to the school's public page by its admin: the contact details and the public announcements.

Each call is one unit of work, checked first (bad input changes nothing), audited and committed here.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from contactbook.audit import services as audit
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.inputs import SCHOOL_PHONE_PROBLEM, is_school_phone, plain_paragraphs, plain_text
from contactbook.models import PublicAnnouncement, School, User

MAX_ADDRESS = 300
MAX_EMAIL = 254
MAX_TITLE = 200
MAX_BODY = 5000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PublicPageError(ValueError):
    """Input the public page refuses; the message (an English msgid) says why, `field` which field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _contacts(address: str | None, phone: str | None, email: str | None) -> tuple[str | None, str | None, str | None]:
    """The contact details as stored (empty ones None), or PublicPageError for the first bad one."""
    address = plain_text(address or "") or None
    phone = plain_text(phone or "") or None
    email = plain_text(email or "").lower() or None
    if address is not None and len(address) > MAX_ADDRESS:
        raise PublicPageError(N_("The address is too long (at most 300 characters)."), "address")
    if phone is not None and not is_school_phone(phone):
        raise PublicPageError(SCHOOL_PHONE_PROBLEM, "phone")
    if email is not None and (len(email) > MAX_EMAIL or not _EMAIL.match(email) or not email.isascii()):
        raise PublicPageError(N_("This is not an email address."), "email")
    return address, phone, email


def update_contacts(school: School, actor: User, *, address: str | None, phone: str | None, email: str | None) -> None:
    """Change the school's address, phone and email as its public page shows them (empty: not shown)."""
    address, phone, email = _contacts(address, phone, email)
    before = {"address": school.address, "phone": school.phone, "email": school.email}
    school.address, school.phone, school.email = address, phone, email
    after = {"address": address, "phone": phone, "email": email}
    changed = {name: value for name, value in after.items() if before[name] != value}
    audit.record("public_page.contacts_changed", actor=actor, school_id=school.id, target=school, **changed)
    db.session.commit()


def _announcement(title: str, body: str, published_on: date | None, today: date) -> tuple[str, str, date]:
    title, body = plain_text(title or ""), plain_paragraphs(body or "")
    if not title:
        raise PublicPageError(N_("Write a title."), "title")
    if len(title) > MAX_TITLE:
        raise PublicPageError(N_("The title is too long (at most 200 characters)."), "title")
    if not body:
        raise PublicPageError(N_("Write the announcement."), "body")
    if len(body) > MAX_BODY:
        raise PublicPageError(N_("The announcement is too long (at most 5000 characters)."), "body")
    if published_on is None or not today - timedelta(days=366) <= published_on <= today + timedelta(days=366):
        raise PublicPageError(N_("The publication date must be within a year of today."), "published_on")
    return title, body, published_on


def post_announcement(
    school: School, actor: User, *, title: str, body: str, published_on: date | None, today: date
) -> PublicAnnouncement:
    """Publish an announcement on the school's public page (from `published_on`; a later day waits for it)."""
    title, body, published_on = _announcement(title, body, published_on, today)
    row = PublicAnnouncement(school_id=school.id, title=title, body=body, published_on=published_on, author_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record("public_announcement.posted", actor=actor, school_id=school.id, target=row, title=title)
    db.session.commit()
    return row


def edit_announcement(
    school: School,
    actor: User,
    announcement: PublicAnnouncement,
    *,
    title: str,
    body: str,
    published_on: date | None,
    today: date,
) -> None:
    """Change an announcement of the school's public page."""
    if announcement.school_id != school.id:
        raise PublicPageError(N_("This announcement is not the school's."), "title")
    title, body, published_on = _announcement(title, body, published_on, today)
    announcement.title, announcement.body, announcement.published_on = title, body, published_on
    audit.record("public_announcement.edited", actor=actor, school_id=school.id, target=announcement, title=title)
    db.session.commit()


def remove_announcement(school: School, actor: User, announcement: PublicAnnouncement) -> None:
    """Take an announcement off the school's public page for good."""
    if announcement.school_id != school.id:
        raise PublicPageError(N_("This announcement is not the school's."), "title")
    audit.record(
        "public_announcement.removed", actor=actor, school_id=school.id, target=announcement, title=announcement.title
    )
    db.session.delete(announcement)
    db.session.commit()
