"""Reading data requests: a family's own (school by school, under each school's scope), a school's list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import abort
from sqlalchemy import select

from contactbook.data_requests.copy import copy_file
from contactbook.data_requests.holder import holder_of
from contactbook.data_requests.rules import is_overdue
from contactbook.extensions import db
from contactbook.family.session import SignedInFamily, held_guardian_ids
from contactbook.models import DataRequest, DataRequestKind, DataRequestStatus, Guardian, School, SchoolStatus
from contactbook.tenancy import MAX_ID, school_scope


@dataclass(frozen=True)
class FamilyRequest:
    """One of the family's requests, as its portal shows it."""

    id: int
    school_name: str
    kind: DataRequestKind
    status: DataRequestStatus
    requested_at: datetime
    due_on: date
    answered_at: datetime | None
    note: str | None


def family_schools(family: SignedInFamily) -> list[School]:
    """The active schools where the family has guardian records, by name."""
    if not family.school_ids:
        return []
    return list(
        db.session.scalars(
            select(School)
            .where(School.id.in_(family.school_ids), School.status == SchoolStatus.ACTIVE)
            .order_by(School.name)
        )
    )


def _line(school: School, request: DataRequest) -> FamilyRequest:
    return FamilyRequest(
        request.id,
        school.name,
        request.kind,
        request.status,
        request.requested_at,
        request.due_on,
        request.answered_at,
        request.note,
    )


def family_requests(family: SignedInFamily) -> list[FamilyRequest]:
    """The family's requests in its schools, newest first."""
    lines: list[FamilyRequest] = []
    for school in family_schools(family):
        with school_scope(school.id):
            rows = db.session.scalars(
                select(DataRequest).where(DataRequest.school_id == school.id, DataRequest.family_id == family.id)
            ).all()
            lines += [_line(school, row) for row in rows]
    return sorted(lines, key=lambda line: (line.requested_at, line.id), reverse=True)


def family_copy_or_404(family: SignedInFamily, request_id: int) -> tuple[School, bytes]:
    """The copy of the family's request `request_id`, once the school provided it; anything else answers 404."""
    if not 0 < request_id <= MAX_ID:
        abort(404)
    for school in family_schools(family):
        with school_scope(school.id):
            request = db.session.scalar(
                select(DataRequest).where(
                    DataRequest.id == request_id,
                    DataRequest.school_id == school.id,
                    DataRequest.family_id == family.id,
                    DataRequest.kind == DataRequestKind.COPY,
                    DataRequest.status == DataRequestStatus.PROVIDED,
                )
            )
        guardian_ids = held_guardian_ids(family, school.id) if request is not None else []
        if guardian_ids:
            holder = holder_of(school, family.id, guardian_ids)
            return school, copy_file(holder)
    abort(404)


@dataclass(frozen=True)
class SchoolRequest:
    """One request on the school's page: who asked (the guardian records' current names), and its deadline."""

    request: DataRequest
    guardians: list[str]
    overdue: bool


def school_requests(school: School, today: date) -> list[SchoolRequest]:
    """The school's requests: those waiting first (the most urgent first), then the answered, newest first."""
    rows = db.session.scalars(select(DataRequest).where(DataRequest.school_id == school.id)).all()
    names = guardian_names(school, {i for row in rows for i in row.guardian_ids or []})
    waiting = sorted((r for r in rows if r.status == DataRequestStatus.PENDING), key=lambda r: (r.due_on, r.id))
    answered = sorted(
        (r for r in rows if r.status != DataRequestStatus.PENDING), key=lambda r: (r.answered_at, r.id), reverse=True
    )
    return [
        SchoolRequest(r, [names.get(i, "—") for i in r.guardian_ids or []], is_overdue(r.due_on, today, r.answered_at))
        for r in [*waiting, *answered]
    ]


def guardian_names(school: School, ids: set[int]) -> dict[int, str]:
    """The current names of these guardian records of the school (an erased one reads "—")."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(Guardian.id, Guardian.full_name).where(Guardian.school_id == school.id, Guardian.id.in_(ids))
    ).tuples()
    return {guardian_id: name for guardian_id, name in rows}
