"""Sections of a family's copy about attendance: the children's marks (read only)."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from contactbook.data_requests.holder import Holder, Row
from contactbook.extensions import db
from contactbook.models import AttendanceMark, SchoolClass


def _clock(moment: time | None) -> str | None:
    """A school-local time as the copy writes it: "07:15"."""
    return moment.isoformat(timespec="minutes") if moment is not None else None


def attendance_marks(h: Holder) -> list[Row]:
    """The children's attendance marks: day, slot, status, times, the reason of a correction, whether told."""
    rows = db.session.execute(
        select(AttendanceMark, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == AttendanceMark.class_id)
        .where(AttendanceMark.school_id == h.school.id, AttendanceMark.student_id.in_(h.student_ids))
        .order_by(AttendanceMark.student_id, AttendanceMark.on, AttendanceMark.slot)
    ).tuples()
    return [
        {
            "student_id": m.student_id,
            "class": class_name,
            "day": m.on,
            "slot": m.slot,
            "status": m.status.value,
            "arrived_at": _clock(m.arrived_at),
            "picked_up_at": _clock(m.picked_up_at),
            "reason": m.reason,
            "leave_request_id": m.leave_request_id,
            "marked_at": m.marked_at,
            "family_told_at": m.alerted_at,
        }
        for m, class_name in rows
    ]
