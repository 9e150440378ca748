"""Sections of a family's copy about attendance and the children's days: attendance marks, leave requests,
early warnings and preschool daily notes (read only, by the children's ids in the holder's school)."""

from __future__ import annotations

from datetime import time
from typing import Any, TypeVar

from sqlalchemy import select

from contactbook.data_requests.holder import Holder, Row
from contactbook.early_warnings.labels import warning_text
from contactbook.extensions import db
from contactbook.models import AttendanceMark, DailyNote, LeaveRequest, RiskWarning, SchoolClass

R = TypeVar("R", AttendanceMark, LeaveRequest, RiskWarning, DailyNote)


def _clock(moment: time | None) -> str | None:
    """A school-local time as the copy writes it: "07:15"."""
    return moment.isoformat(timespec="minutes") if moment is not None else None


def _with_class(h: Holder, model: type[R], *order_by: Any) -> list[tuple[R, str]]:
    """The holder's children's `model` rows in the holder's school with their class's name, by child then
    `order_by`."""
    return list(
        db.session.execute(
            select(model, SchoolClass.name)
            .join(SchoolClass, SchoolClass.id == model.class_id)
            .where(model.school_id == h.school.id, model.student_id.in_(h.student_ids))
            .order_by(model.student_id, *order_by)
        ).tuples()
    )


def attendance_marks(h: Holder) -> list[Row]:
    """The children's attendance marks: day, slot, status, times, the reason of a correction, whether told."""
    rows = _with_class(h, AttendanceMark, AttendanceMark.on, AttendanceMark.slot)
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


def leave_requests(h: Holder) -> list[Row]:
    """The children's leave requests (as the portal shows them, whoever asked): days, slots, reason, status,
    the decision and its note."""
    rows = _with_class(h, LeaveRequest, LeaveRequest.starts_on, LeaveRequest.id)
    return [
        {
            "id": r.id,
            "student_id": r.student_id,
            "class": class_name,
            "starts_on": r.starts_on,
            "ends_on": r.ends_on,
            "slots": r.slots,
            "reason": r.reason,
            "status": r.status.value,
            "asked_by_guardian_id": r.guardian_id,
            "entered_by_school": r.entered_by_id is not None,
            "asked_at": r.created_at,
            "decided_at": r.decided_at,
            "decision_note": r.decision_note,
        }
        for r, class_name in rows
    ]


def risk_warnings(h: Holder) -> list[Row]:
    """The early warnings that went about the children: the rule, why (in words), its figures, and when."""
    rows = _with_class(h, RiskWarning, RiskWarning.fired_at, RiskWarning.id)
    return [
        {
            "student_id": w.student_id,
            "class": class_name,
            "rule": w.rule,
            "threshold": w.threshold,
            "why": warning_text(w.rule, w.detail or {}),
            "figures": w.detail or {},
            "warned_at": w.fired_at,
        }
        for w, class_name in rows
    ]


def daily_notes(h: Holder) -> list[Row]:
    """The children's preschool daily notes: meals, nap, health, activities, the teacher's comment, when sent."""
    rows = _with_class(h, DailyNote, DailyNote.on)
    return [
        {
            "student_id": n.student_id,
            "class": class_name,
            "day": n.on,
            "meals": n.meals,
            "nap": n.nap,
            "health": n.health,
            "activities": n.activities,
            "comment": n.comment,
            "written_at": n.updated_at,
            "sent_at": n.sent_at,
        }
        for n, class_name in rows
    ]
