"""What the public page shows (read only, under the school's scope): nothing about any student or guardian."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import Plan, PublicAnnouncement, School
from contactbook.subscriptions.eligibility import settings_of


@dataclass(frozen=True)
class PublicPage:
    """The public page's content: the announcements published by today, newest first, and the plans on offer
    (empty when the school's paid service is off)."""

    announcements: list[PublicAnnouncement]
    service_on: bool
    plans: list[Plan]


def announcements_of(school: School, *, until: date | None = None) -> list[PublicAnnouncement]:
    """The school's public announcements, newest first; with `until`, only those published by that day."""
    query = select(PublicAnnouncement).where(PublicAnnouncement.school_id == school.id)
    if until is not None:
        query = query.where(PublicAnnouncement.published_on <= until)
    order = (PublicAnnouncement.published_on.desc(), PublicAnnouncement.id.desc())
    return list(db.session.scalars(query.order_by(*order)))


def offered_plans(school: School) -> list[Plan]:
    """The plans the school offers now, cheapest first."""
    query = select(Plan).where(Plan.school_id == school.id, Plan.active.is_(True))
    return list(db.session.scalars(query.order_by(Plan.price, Plan.name, Plan.id)))


def public_page(school: School, today: date) -> PublicPage:
    """What the school's public page shows on `today`."""
    service_on = settings_of(school).enabled
    return PublicPage(announcements_of(school, until=today), service_on, offered_plans(school) if service_on else [])
