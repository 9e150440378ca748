"""Marking a class for one slot of one day: who may, which days, and the save itself (one call, one commit).

A save reads the class's marks of the day in one query, writes the new and changed ones in one statement
each, and writes the families' alerts (`alerts`) in the same transaction. An absence covered by an approved
leave request is stored excused with that request and alerts nobody; an absence of today not covered alerts
the families once; an alerted absence corrected the same day to present (or late) writes the follow-up.
Today's marks change freely; an earlier day's need a reason and are audited; a day to come, or outside the
class's school year, is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any, cast

from flask import g, has_request_context
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from contactbook.attendance import rules
from contactbook.attendance.reading import REASON_MAX, Problem
from contactbook.attendance.services.alerts import Absence, Arrival, write_alerts, write_follow_ups
from contactbook.attendance.settings import settings_of
from contactbook.attendance.totals import approved_cover
from contactbook.audit import services as audit
from contactbook.extensions import among, db
from contactbook.i18n import N_
from contactbook.inputs import plain_text
from contactbook.models import (
    ABSENT_STATUSES,
    AttendanceMark,
    AttendanceStatus,
    AttendanceUnit,
    Enrolment,
    EnrolmentStatus,
    School,
    SchoolClass,
    SchoolYear,
    Student,
    TeachingAssignment,
    User,
)
from contactbook.models.base import utcnow
from contactbook.roster.queries import name_order
from contactbook.timezones import school_today


class MarkingError(ValueError):
    """A save the rules refuse: each problem by form field (an English message id and its parameters)."""

    def __init__(self, errors: dict[str, Problem]) -> None:
        super().__init__("; ".join(message for message, _ in errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Saved:
    """What a save did: marks written or changed, and the alerts and follow-ups written to the outbox."""

    changed: int
    alerts: int
    follow_ups: int


@dataclass(frozen=True)
class Pupil:
    """A student of the class list, in its order."""

    id: int
    full_name: str


# --- Who, which class, which slots ---------------------------------------------------------------------


def unit_of(school: School) -> AttendanceUnit:
    """How the school marks (the whole day when it never said otherwise); read once per request."""
    if not has_request_context():
        return settings_of(school).unit
    units: dict[int, AttendanceUnit] = g.setdefault("_attendance_units", {})
    if school.id not in units:
        units[school.id] = settings_of(school).unit
    return units[school.id]


def slots_of(school: School) -> tuple[str, ...]:
    """The slots of a day the school marks: a preschool marks the day (arrival and pick-up), others by their unit."""
    return (rules.DAY,) if school.is_preschool else rules.slots_for(unit_of(school))


def _teaches(user: User, class_ids: list[int] | None = None) -> set[int]:
    query = select(TeachingAssignment.class_id).where(TeachingAssignment.teacher_id == user.id)
    if class_ids is not None:
        query = query.where(among(TeachingAssignment.class_id, class_ids))
    return set(db.session.scalars(query))


def may_mark(school: School, user: User, school_class: SchoolClass, *, sees_all: bool) -> bool:
    """The homeroom teacher, staff who see every class, and in a per-period school the class's teachers."""
    if sees_all or school_class.homeroom_teacher_id == user.id:
        return True
    if school.is_preschool or unit_of(school) != AttendanceUnit.PERIOD:
        return False
    return school_class.id in _teaches(user, [school_class.id])


def classes_to_mark(school: School, user: User, year: SchoolYear | None, *, sees_all: bool) -> list[SchoolClass]:
    """The classes of `year` the user marks, by grade then name."""
    if year is None:
        return []
    query = select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.school_year_id == year.id)
    classes = list(db.session.scalars(query.order_by(SchoolClass.grade_level, SchoolClass.name)))
    if sees_all:
        return classes
    taught = _teaches(user) if not school.is_preschool and unit_of(school) == AttendanceUnit.PERIOD else set()
    return [c for c in classes if c.homeroom_teacher_id == user.id or c.id in taught]


def marked_slots(class_ids: list[int], on: date) -> dict[int, set[str]]:
    """The slots of day `on` in which each class has marks."""
    marked: dict[int, set[str]] = {class_id: set() for class_id in class_ids}
    if class_ids:
        rows = db.session.execute(
            select(AttendanceMark.class_id, AttendanceMark.slot)
            .where(among(AttendanceMark.class_id, class_ids), AttendanceMark.on == on)
            .distinct()
        ).tuples()
        for class_id, slot in rows:
            marked[class_id].add(slot)
    return marked


def day_problem(school_class: SchoolClass, on: date, today: date) -> Problem | None:
    """Why day `on` cannot be marked for the class (a day to come, or outside its school year), if it cannot."""
    if on > today:
        return N_("A day that has not come yet cannot be marked."), {}
    year = school_class.school_year
    if not year.starts_on <= on <= year.ends_on:
        return N_("This day is outside the class's school year (%(start)s to %(end)s)."), {
            "start": f"{year.starts_on:%d/%m/%Y}",
            "end": f"{year.ends_on:%d/%m/%Y}",
        }
    return None


# --- The class's sheet ---------------------------------------------------------------------------------


def enrolled(school_class: SchoolClass) -> dict[int, str]:
    """The full name of each student actively enrolled in the class, by id (in no order)."""
    rows = db.session.execute(
        select(Student.id, Student.full_name)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .where(Enrolment.class_id == school_class.id, Enrolment.status == EnrolmentStatus.ACTIVE)
    ).tuples()
    return dict(rows.all())


def class_pupils(school_class: SchoolClass) -> list[Pupil]:
    """The students actively enrolled in the class, in class-list order."""
    pupils = (Pupil(sid, name) for sid, name in enrolled(school_class).items())
    return sorted(pupils, key=lambda p: (name_order(p.full_name), p.id))


def marks_of(student_ids: list[int], on: date, *, lock: bool = False) -> list[AttendanceMark]:
    """Every mark of these students on day `on` (all slots); with `lock`, locked until the commit (PostgreSQL)."""
    if not student_ids:
        return []
    query = select(AttendanceMark).where(among(AttendanceMark.student_id, student_ids), AttendanceMark.on == on)
    if lock and db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    return list(db.session.scalars(query))


# --- Saving -------------------------------------------------------------------------------------------


def mark_class(
    school: School,
    user: User,
    school_class: SchoolClass,
    on: date,
    slot: str,
    statuses: dict[int, AttendanceStatus],
    *,
    reason: str | None,
    times: dict[int, tuple[time | None, time | None]] | None = None,
    class_list: dict[int, str] | None = None,
) -> Saved:
    """Store the class's marks for `slot` of day `on` and write the families' messages, in one commit.

    `statuses` by student id (students left out keep their mark, or are marked present); `times` (preschools) the
    arrival and pick-up by student id; `class_list` the class's `enrolled()` when the caller just read it.
    Raises `MarkingError`, having changed nothing, when refused.
    """
    errors: dict[str, Problem] = {}
    today = school_today()
    problem = day_problem(school_class, on, today)
    if problem is not None:
        errors["on"] = problem
    if slot not in slots_of(school):
        errors["slot"] = (N_("Choose one of the school's slots."), {})
    names = class_list if class_list is not None else enrolled(school_class)
    for student_id in statuses:
        if student_id not in names:
            errors[f"s-{student_id}"] = (N_("This student is not in the class."), {})
    reason = plain_text(reason or "") or None
    if reason is not None and len(reason) > REASON_MAX:
        errors["reason"] = (N_("At most %(max)s characters."), {"max": str(REASON_MAX)})
    if errors:
        raise MarkingError(errors)
    times = times if school.is_preschool else None
    now = utcnow()
    ids = sorted(set(statuses) | set(names))
    day_marks = marks_of(ids, on, lock=True)
    existing = {m.student_id: m for m in day_marks if m.slot == slot}
    # Everyone is present by default: a student of the class left out of the form and not yet marked in this
    # slot is marked present; one already marked keeps its mark.
    statuses = {
        sid: statuses.get(sid, AttendanceStatus.PRESENT) for sid in ids if sid in statuses or sid not in existing
    }
    ids = sorted(statuses)
    # Told today already, in another slot (an earlier period): one alert a day is enough.
    told_today = {m.student_id for m in day_marks if m.slot != slot and m.alerted_at is not None}
    cover = approved_cover(ids, on, slot)
    is_today = on == today
    planned: dict[int, tuple[AttendanceStatus, int | None]] = {}
    absences: list[Absence] = []
    arrivals: list[Arrival] = []
    for student_id in ids:
        status = statuses[student_id]
        request_id = cover.get(student_id) if status in ABSENT_STATUSES else None
        if request_id is not None:
            status = AttendanceStatus.EXCUSED  # the family asked: excused, and nobody is alerted
        planned[student_id] = (status, request_id)
        mark = existing.get(student_id)
        alerted_at = mark.alerted_at if mark is not None else None
        if not is_today:
            continue
        if status in ABSENT_STATUSES and request_id is None:
            if alerted_at is None and student_id not in told_today:
                absences.append(Absence(student_id, status == AttendanceStatus.EXCUSED))
        elif status not in ABSENT_STATUSES and alerted_at is not None:
            arrivals.append(Arrival(student_id, status == AttendanceStatus.LATE, alerted_at))
    # The messages first: a mark records that its families were told only when a row was written for them.
    alerted = write_alerts(school, on, slot, absences, now)
    follow_ups = write_follow_ups(school, on, slot, arrivals, names, now)
    followed = {a.student_id for a in arrivals}
    new_rows: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    changed_students: list[int] = []
    for student_id, (status, request_id) in planned.items():
        mark = existing.get(student_id)
        arrived, picked_up = (times or {}).get(student_id, (None, None))
        alerted_at = mark.alerted_at if mark is not None else None
        if student_id in alerted:
            alerted_at = now
        elif student_id in followed:
            alerted_at = None
        values = {
            "status": status,
            "arrived_at": arrived if times is not None else (mark.arrived_at if mark else None),
            "picked_up_at": picked_up if times is not None else (mark.picked_up_at if mark else None),
            "leave_request_id": request_id,
        }
        if mark is None:
            new_rows.append(
                {"school_id": school.id, "class_id": school_class.id, "student_id": student_id, "on": on,
                 "slot": slot, **values, "reason": None if is_today else reason, "marked_by_id": user.id,
                 "marked_at": now, "alerted_at": alerted_at}
            )  # fmt: skip
        elif any(getattr(mark, name) != value for name, value in values.items()) or alerted_at != mark.alerted_at:
            changes.append(
                {"b_id": mark.id, "b_class_id": school_class.id, **{f"b_{k}": v for k, v in values.items()},
                 "b_reason": reason if on < today else mark.reason, "b_alerted_at": alerted_at}
            )  # fmt: skip
            changed_students.append(student_id)
    if on < today and (new_rows or changes) and reason is None:
        db.session.rollback()
        raise MarkingError({"reason": (N_("Give a reason: this day has passed."), {})})
    table = cast(Table, AttendanceMark.__table__)
    try:
        if new_rows:
            db.session.execute(insert(table), new_rows)
    except IntegrityError:  # the same students marked from another device a moment ago
        db.session.rollback()
        meanwhile = N_("This class was just marked elsewhere; nothing was saved. Reload the page.")
        raise MarkingError({"on": (meanwhile, {})}) from None
    if changes:
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                class_id=bindparam("b_class_id"),
                status=bindparam("b_status", type_=table.c.status.type),
                arrived_at=bindparam("b_arrived_at", type_=table.c.arrived_at.type),
                picked_up_at=bindparam("b_picked_up_at", type_=table.c.picked_up_at.type),
                leave_request_id=bindparam("b_leave_request_id"),
                reason=bindparam("b_reason"),
                alerted_at=bindparam("b_alerted_at", type_=table.c.alerted_at.type),
                marked_by_id=user.id,
                marked_at=now,
            ),
            changes,
        )
    if new_rows or changes:
        details: dict[str, Any] = {"on": on.isoformat(), "slot": slot, "added": len(new_rows), "changed": len(changes)}
        if on < today:
            details["reason"] = reason
            details["students"] = sorted(changed_students + [row["student_id"] for row in new_rows])
        action = "attendance.corrected" if on < today else "attendance.saved"
        audit.record(action, actor=user, school_id=school.id, target=school_class, **details)
    db.session.commit()
    return Saved(len(new_rows) + len(changes), len(alerted), follow_ups)
