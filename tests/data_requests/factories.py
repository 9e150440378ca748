"""Plain factories for data requests: a family account and its requests, written straight to the rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from contactbook.data_requests.rules import due_on
from contactbook.data_requests.services import ask
from contactbook.extensions import db
from contactbook.family.session import SignedInFamily, members_of
from contactbook.models import DataRequest, DataRequestKind, DataRequestStatus, Family, Guardian
from contactbook.timezones import school_zone


def family_of(phone: str) -> Family:
    """The family account of `phone` (made if new)."""
    family = db.session.scalar(select(Family).where(Family.phone == phone))
    if family is None:
        family = Family(phone=phone)
        db.session.add(family)
        db.session.flush()
    return family


def make_request(
    guardian: Guardian,
    kind: DataRequestKind,
    status: DataRequestStatus = DataRequestStatus.PENDING,
    *,
    requested_at: datetime | None = None,
) -> DataRequest:
    """A request of the family with `guardian`'s number, about that guardian record, committed."""
    assert guardian.phone is not None
    family = family_of(guardian.phone)
    at = requested_at or datetime.now(UTC)
    request = DataRequest(
        school_id=guardian.school_id,
        family_id=family.id,
        guardian_ids=[guardian.id],
        kind=kind,
        status=status,
        requested_at=at,
        due_on=due_on(at, school_zone()),
        answered_at=None if status == DataRequestStatus.PENDING else at,
    )
    db.session.add(request)
    db.session.commit()
    return request


def signed_in(phone: str) -> SignedInFamily:
    """The family of `phone` as its session would hold it after signing in."""
    family = family_of(phone)
    return SignedInFamily(family.id, family.phone, None, members_of(family))


def asked(phone: str, school_id: int, kind: DataRequestKind) -> DataRequest:
    """The family of `phone` asks the school through the service, as the portal does."""
    request = db.session.get(DataRequest, ask(signed_in(phone), school_id, kind))
    assert request is not None
    return request
