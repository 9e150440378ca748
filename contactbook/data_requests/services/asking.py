"""A family asks a school for a copy of its data or for its erasure."""

from __future__ import annotations

from sqlalchemy import select

from contactbook.audit import services as audit
from contactbook.data_requests.rules import DataRequestError, due_on
from contactbook.extensions import db
from contactbook.family.session import SignedInFamily, held_guardian_ids
from contactbook.i18n import N_
from contactbook.models import DataRequest, DataRequestKind, DataRequestStatus, School, SchoolStatus
from contactbook.models.base import utcnow
from contactbook.tenancy import school_scope
from contactbook.timezones import school_zone


def ask(family: SignedInFamily, school_id: int, kind: DataRequestKind) -> int:
    """Record the family's request to the school (one where it has guardian records), due in 2 working days;
    its id.

    A second request of the same kind while one waits is refused: the school answers the first.
    """
    guardian_ids = held_guardian_ids(family, school_id)
    school = db.session.get(School, school_id) if guardian_ids else None
    if school is None or school.status != SchoolStatus.ACTIVE:
        raise DataRequestError(N_("Choose one of your children's schools."))
    with school_scope(school.id):
        waiting = db.session.scalar(
            select(DataRequest.id).where(
                DataRequest.school_id == school.id,
                DataRequest.family_id == family.id,
                DataRequest.kind == kind,
                DataRequest.status == DataRequestStatus.PENDING,
            )
        )
        if waiting is not None:
            raise DataRequestError(N_("You already have such a request waiting for the school's answer."))
        now = utcnow()
        request = DataRequest(
            school_id=school.id,
            family_id=family.id,
            guardian_ids=guardian_ids,
            kind=kind,
            status=DataRequestStatus.PENDING,
            requested_at=now,
            due_on=due_on(now, school_zone()),
        )
        db.session.add(request)
        db.session.flush()
        audit.record(
            "data_request.created",
            actor=None,
            school_id=school.id,
            target=request,
            kind=kind.value,
            guardian_ids=guardian_ids,
            due_on=request.due_on.isoformat(),
        )
        request_id = request.id
        db.session.commit()
    return request_id
