"""Leave requests' changes: a family (or staff on its behalf) submits, the family withdraws, staff decide.

Each function is one unit of work and commits. Approving excuses the absent marks the request covers
(no absence message goes for them, and none more for an alert that already went); the family is told of
the decision through the outbox, in the same commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update

from contactbook.attendance.rules import covers
from contactbook.audit import services as audit
from contactbook.audit.services import Actor, FamilyActor
from contactbook.auth.rules import Permission
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.leave_requests import rules
from contactbook.leave_requests.queries import Placement, placement_on
from contactbook.leave_requests.rules import Asked, LeaveError
from contactbook.messaging.render import render_message
from contactbook.messaging.services.outbox import Outbox, Recipient, recipients
from contactbook.messaging.text import sms_segments
from contactbook.messaging.vocabulary import Category, Channel
from contactbook.models import (
    ABSENT_STATUSES,
    AttendanceMark,
    AttendanceStatus,
    Guardian,
    LeaveRequest,
    LeaveStatus,
    School,
    SchoolClass,
    Student,
    StudentGuardian,
    User,
)
from contactbook.models.base import utcnow
from contactbook.roster.rules import given_name
from contactbook.subscriptions.services import settings_of
from contactbook.timezones import school_today

LIVE = (LeaveStatus.PENDING, LeaveStatus.APPROVED)  # the requests a new one must not overlap


def _placement(school: School, student_id: int, asked: Asked) -> Placement:
    placement = placement_on(school.id, student_id, asked.starts_on)
    if placement is None:
        raise LeaveError(N_("This student is in no class of the school."), field="student_id")
    return placement


def _check_free(student_id: int, asked: Asked) -> None:
    """Refuse a request asking again for a slot that a waiting or approved request already asks for."""
    # Submissions for one student wait for each other here (PostgreSQL), so two at once cannot both pass.
    db.session.execute(select(Student.id).where(Student.id == student_id).with_for_update())
    others = db.session.execute(
        select(LeaveRequest.starts_on, LeaveRequest.ends_on, LeaveRequest.slots).where(
            LeaveRequest.student_id == student_id,
            LeaveRequest.status.in_(LIVE),
            LeaveRequest.starts_on <= asked.ends_on,
            LeaveRequest.ends_on >= asked.starts_on,
        )
    ).tuples()
    for starts_on, ends_on, slots in others:
        if rules.overlaps(starts_on, ends_on, slots, asked.starts_on, asked.ends_on, asked.slots):
            raise LeaveError(N_("A request waiting or approved already covers some of these days."), field="starts_on")


def _submit(
    school: School,
    actor: Actor,
    student_id: int,
    asked: Asked,
    placement: Placement,
    *,
    earliest: date,
    guardian_id: int | None,
) -> LeaveRequest:
    found = rules.problems(asked, earliest=earliest, year_starts=placement.year_starts, year_ends=placement.year_ends)
    if found:
        raise found[0]
    _check_free(student_id, asked)
    request = LeaveRequest(
        school_id=school.id,
        student_id=student_id,
        class_id=placement.class_id,
        starts_on=asked.starts_on,
        ends_on=asked.ends_on,
        slots=asked.slots,
        reason=asked.reason,
        status=LeaveStatus.PENDING,
        guardian_id=guardian_id,
        entered_by_id=audit.staff_id(actor),
        created_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        "leave.submitted",
        actor=actor,
        school_id=school.id,
        target=request,
        student_id=student_id,
        class_id=placement.class_id,
        starts_on=asked.starts_on.isoformat(),
        ends_on=asked.ends_on.isoformat(),
        slots=asked.slots,
    )
    db.session.commit()
    return request


def submit_by_family(school: School, family_id: int, guardian_id: int, student_id: int, asked: Asked) -> LeaveRequest:
    """A family's request for its child (`guardian_id` is its record linked to the child): from today on,
    within the school year, at most 30 days; refused (LeaveError) otherwise, and nothing written."""
    linked = db.session.scalar(
        select(StudentGuardian.id).where(
            StudentGuardian.school_id == school.id,
            StudentGuardian.student_id == student_id,
            StudentGuardian.guardian_id == guardian_id,
        )
    )
    if linked is None:
        raise LeaveError(N_("Only the child's own family asks for its leave."))
    placement = _placement(school, student_id, asked)
    return _submit(
        school,
        FamilyActor(family_id),
        student_id,
        asked,
        placement,
        earliest=school_today(),
        guardian_id=guardian_id,
    )


def submit_by_staff(
    school: School, actor: User, held: frozenset[Permission], student_id: int, asked: Asked
) -> LeaveRequest:
    """A request entered by staff on a family's behalf (a note brought to school, a phone call): any day of the
    school year, for a class whose requests `actor` decides."""
    placement = _placement(school, student_id, asked)
    if not rules.may_decide(actor.id, held, placement.homeroom_teacher_id):
        raise LeaveError(N_("You enter requests only for the classes you lead."), field="student_id")
    return _submit(school, actor, student_id, asked, placement, earliest=placement.year_starts, guardian_id=None)


def withdraw(school: School, family_id: int, student_id: int, request_id: int) -> None:
    """The family takes back its child's request while it waits; a decided one stays (LeaveError)."""
    moved = db.session.execute(
        update(LeaveRequest)
        .where(
            LeaveRequest.id == request_id,
            LeaveRequest.school_id == school.id,
            LeaveRequest.student_id == student_id,
            LeaveRequest.status == LeaveStatus.PENDING,
        )
        .values(status=LeaveStatus.WITHDRAWN, decided_at=utcnow())
        .returning(LeaveRequest.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not moved:
        db.session.rollback()
        raise LeaveError(N_("Only a request still waiting for an answer can be withdrawn."))
    audit.record(
        "leave.withdrawn",
        actor=FamilyActor(family_id),
        school_id=school.id,
        target=db.session.get(LeaveRequest, request_id),
        student_id=student_id,
    )
    db.session.commit()


@dataclass(frozen=True)
class Decided:
    """What a decision did: the absent marks it excused and the messages it wrote to the family."""

    excused: int
    messages: int


def may_decide(actor: User, held: frozenset[Permission], request: LeaveRequest) -> bool:
    """Whether `actor` decides this request: the homeroom teacher of its class, or staff over every class."""
    teacher = db.session.scalar(select(SchoolClass.homeroom_teacher_id).where(SchoolClass.id == request.class_id))
    return request.school_id == actor.school_id and rules.may_decide(actor.id, held, teacher)


def _excuse_marks(request: LeaveRequest) -> int:
    """Mark EXCUSED, for this request, the absences it covers that are already marked; no message goes."""
    marks = db.session.scalars(
        select(AttendanceMark).where(
            AttendanceMark.school_id == request.school_id,
            AttendanceMark.student_id == request.student_id,
            AttendanceMark.on >= request.starts_on,
            AttendanceMark.on <= request.ends_on,
            AttendanceMark.status.in_(ABSENT_STATUSES),
        )
    )
    excused = 0
    for mark in marks:
        if covers(request.slots, mark.slot):
            mark.status = AttendanceStatus.EXCUSED
            mark.leave_request_id = request.id
            excused += 1
    return excused


def _asking_family(request: LeaveRequest) -> list[Recipient]:
    """Who asked, by one usable contact each (email when usable, else SMS), subscribed or not: the guardian
    who asked in the portal, or every guardian of the child for a request staff entered on its behalf."""
    query = (
        select(
            Guardian.id,
            Guardian.full_name,
            Guardian.phone,
            Guardian.email,
            Guardian.phone_unusable_at,
            Guardian.email_unusable_at,
            Student.full_name,
        )
        .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
        .join(Student, Student.id == StudentGuardian.student_id)
        .where(StudentGuardian.school_id == request.school_id, StudentGuardian.student_id == request.student_id)
        .order_by(Guardian.id)
    )
    if request.guardian_id is not None:
        query = query.where(Guardian.id == request.guardian_id)
    found = []
    for guardian_id, name, phone, email, phone_unusable, email_unusable, student_name in db.session.execute(query):
        channel, address = rules.decision_contact(phone, email, phone_unusable, email_unusable)
        if channel is not None and address is not None:
            found.append(Recipient(guardian_id, name, request.student_id, student_name, address, channel, False))
    return found


def _tell_family(school: School, request: LeaveRequest, student_name: str) -> int:
    """Write the decision's message: to the family that asked by a usable contact whatever its subscriptions
    (an answer to its own request, like a sign-in code), and to every guardian and channel that takes
    attendance messages; never twice to a guardian on one channel."""
    now = utcnow()
    context = {
        "school": school.name,
        "student": given_name(student_name),
        "decision": request.status.value,
        "starts_on": request.starts_on,
        "ends_on": request.ends_on,
        "slots": request.slots,
        "note": request.decision_note or "",
    }
    unaccented = settings_of(school).sms_unaccented
    sms = render_message("leave_decision", "vi", context, unaccented=unaccented)
    email = render_message("leave_decision", "vi", context, unaccented=False)
    subscribed = recipients(school, [request.student_id], Category.ATTENDANCE, now)
    taken = {(recipient.guardian_id, recipient.channel) for recipient in subscribed}
    asking = [r for r in _asking_family(request) if (r.guardian_id, r.channel) not in taken]
    written = 0
    for category, group in ((Category.ATTENDANCE, subscribed), (Category.REPLY, asking)):
        outbox = Outbox(school, kind="leave_decision", category=category, now=now)
        for recipient in group:
            body = sms if recipient.channel == Channel.SMS else email
            outbox.add(
                recipient,
                key=f"leave_decision:{request.id}:{recipient.guardian_id}:{recipient.channel}",
                body=body,
                subject=f"Đơn xin nghỉ học của em {given_name(student_name)}",
                segments=sms_segments(body)[1] if recipient.channel == Channel.SMS else 0,
            )
        written += outbox.write()
    return written


def decide(
    school: School, actor: User, held: frozenset[Permission], request: LeaveRequest, *, approve: bool, note: str
) -> Decided:
    """Approve or decline a waiting request, with an optional note, and tell the family. Approving excuses the
    absent marks it covers (no absence alert goes for them). LeaveError when `actor` does not decide for the
    class or the request no longer waits; nothing is written then."""
    if not may_decide(actor, held, request):
        raise LeaveError(N_("Only the homeroom teacher of the class decides this request."))
    if len(note) > rules.NOTE_MAX:
        raise LeaveError(N_("The note has at most %(count)d characters."), field="note", count=rules.NOTE_MAX)
    status = LeaveStatus.APPROVED if approve else LeaveStatus.DECLINED
    now = utcnow()
    # Claim the request: a second decision at the same moment (another tab, another teacher) finds it taken.
    moved = db.session.execute(
        update(LeaveRequest)
        .where(LeaveRequest.id == request.id, LeaveRequest.status == LeaveStatus.PENDING)
        .values(status=status, decided_by_id=actor.id, decided_at=now, decision_note=note or None)
        .returning(LeaveRequest.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not moved:
        db.session.rollback()
        raise LeaveError(N_("This request was already answered or withdrawn."))
    db.session.refresh(request)
    excused = _excuse_marks(request) if approve else 0
    student_name = db.session.scalar(select(Student.full_name).where(Student.id == request.student_id)) or ""
    messages = _tell_family(school, request, student_name)
    audit.record(
        "leave.approved" if approve else "leave.declined",
        actor=actor,
        school_id=school.id,
        target=request,
        student_id=request.student_id,
        starts_on=request.starts_on.isoformat(),
        ends_on=request.ends_on.isoformat(),
        excused=excused,
        messages=messages,
    )
    db.session.commit()
    return Decided(excused, messages)
