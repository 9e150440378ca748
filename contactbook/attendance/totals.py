"""Running totals of absences per student, and the approved leave requests that cover a slot (read only)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from contactbook.attendance.rules import AbsenceTotals, absence_totals, absent_sessions, covers
from contactbook.extensions import among, db
from contactbook.models import AttendanceMark, AttendanceStatus, LeaveRequest, LeaveStatus


def absences_between(student_ids: Iterable[int], starts_on: date, ends_on: date) -> dict[int, int]:
    """Sessions absent (excused or not) of each student from `starts_on` to `ends_on` inclusive; 0 if none."""
    ids = list(student_ids)
    totals = dict.fromkeys(ids, 0)
    if not ids:
        return totals
    rows = db.session.execute(
        select(AttendanceMark.student_id, AttendanceMark.on, AttendanceMark.slot, AttendanceMark.status).where(
            among(AttendanceMark.student_id, ids),
            AttendanceMark.on >= starts_on,
            AttendanceMark.on <= ends_on,
        )
    ).tuples()
    marks: dict[int, list[tuple[date, str, AttendanceStatus]]] = defaultdict(list)
    for student_id, on, slot, status in rows:
        marks[student_id].append((on, slot, status))
    for student_id, own in marks.items():
        totals[student_id] = absent_sessions(own)
    return totals


def absence_totals_between(student_ids: Iterable[int], starts_on: date, ends_on: date) -> dict[int, AbsenceTotals]:
    """Each student's absences from `starts_on` to `ends_on` inclusive, in sessions as the month sheet counts
    them (`rules.absence_totals`); zeros for a student without marks."""
    ids = list(student_ids)
    marks: dict[int, list[tuple[date, str, AttendanceStatus]]] = {sid: [] for sid in ids}
    if ids:
        rows = db.session.execute(
            select(AttendanceMark.student_id, AttendanceMark.on, AttendanceMark.slot, AttendanceMark.status).where(
                among(AttendanceMark.student_id, ids),
                AttendanceMark.on >= starts_on,
                AttendanceMark.on <= ends_on,
            )
        ).tuples()
        for student_id, on, slot, status in rows:
            marks[student_id].append((on, slot, status))
    return {student_id: absence_totals(own) for student_id, own in marks.items()}


def approved_cover(student_ids: Iterable[int], on: date, slot: str) -> dict[int, int]:
    """The approved leave request covering `slot` of day `on`, by student (students without one left out)."""
    ids = list(student_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(LeaveRequest.student_id, LeaveRequest.id, LeaveRequest.slots)
        .where(
            among(LeaveRequest.student_id, ids),
            LeaveRequest.status == LeaveStatus.APPROVED,
            LeaveRequest.starts_on <= on,
            LeaveRequest.ends_on >= on,
        )
        .order_by(LeaveRequest.id)
    ).tuples()
    return {student_id: request_id for student_id, request_id, slots in rows if covers(slots, slot)}
