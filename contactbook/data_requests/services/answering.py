"""The school answers a family's data request: a copy is marked provided, an erasure is carried out."""

from __future__ import annotations

from sqlalchemy import func, or_, select, update

from contactbook.audit import services as audit
from contactbook.data_requests.rules import MAX_NOTE, DataRequestError
from contactbook.data_requests.services import erasure
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.inputs import plain_text
from contactbook.models import DataRequest, DataRequestKind, DataRequestStatus, Family, Guardian, School, User
from contactbook.models.base import utcnow
from contactbook.timezones import school_today


def _claim(
    school: School,
    actor: User,
    request: DataRequest,
    kind: DataRequestKind,
    status: DataRequestStatus,
    note: str | None,
) -> str | None:
    """Mark the pending request answered, once: a second answer (two tabs, two staff) is refused."""
    if request.school_id != school.id or request.kind != kind:
        raise DataRequestError(N_("This request cannot be answered this way."))
    cleaned = plain_text(note or "")
    if len(cleaned) > MAX_NOTE:
        raise DataRequestError(N_("Keep the note under %(count)s characters."), count=MAX_NOTE)
    claimed = db.session.execute(
        update(DataRequest)
        .where(DataRequest.id == request.id, DataRequest.status == DataRequestStatus.PENDING)
        .values(status=status, answered_at=utcnow(), answered_by_id=actor.id, note=cleaned or None)
        .returning(DataRequest.id)
    ).all()
    if not claimed:
        raise DataRequestError(N_("This request has already been answered."))
    return cleaned or None


def provide_copy(school: School, actor: User, request: DataRequest, note: str | None) -> None:
    """Answer a request for a copy: the family may now download it in the portal."""
    _claim(school, actor, request, DataRequestKind.COPY, DataRequestStatus.PROVIDED, note)
    audit.record("data_request.provided", actor=actor, school_id=school.id, target=request)
    db.session.commit()


def erased_guardian_ids(school: School, request: DataRequest) -> tuple[int, ...]:
    """The guardian records an erasure covers: those of the request, and any record of the school with the
    family's number or address made since."""
    family = db.session.get(Family, request.family_id)
    matches = []
    if family is not None and family.phone:
        matches.append(Guardian.phone == family.phone)
    if family is not None and family.email:
        matches.append(func.lower(Guardian.email) == family.email.lower())
    found = set(request.guardian_ids or [])
    if matches:
        found |= set(db.session.scalars(select(Guardian.id).where(Guardian.school_id == school.id, or_(*matches))))
    return tuple(sorted(found))


def carry_out_erasure(school: School, actor: User, request: DataRequest, note: str | None) -> dict[str, int]:
    """Answer a request for erasure: remove or anonymise the family's records that the law lets go, keep the
    receipts and the audit log (`erasure`); how many rows each step changed."""
    guardian_ids = erased_guardian_ids(school, request)
    _claim(school, actor, request, DataRequestKind.ERASURE, DataRequestStatus.ERASED, note)
    now = utcnow()
    changed = erasure.erase(erasure.Erasure(school, actor, guardian_ids, now, school_today(now)))
    audit.record(
        "data_request.erased",
        actor=actor,
        school_id=school.id,
        target=request,
        guardian_ids=list(guardian_ids),
        **changed,
    )
    db.session.commit()
    return changed
