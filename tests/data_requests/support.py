"""A family with something in every section of its copy, another family beside it, and the same number in a
second school: the world the copy and erasure tests read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from contactbook.extensions import db
from contactbook.grading import services as grading
from contactbook.models import (
    AuditLog,
    DailyNote,
    Guardian,
    LeaveRequest,
    LeaveStatus,
    Message,
    MessageStatus,
    Payment,
    RiskWarning,
    SchoolClass,
    Score,
    Student,
    Subscription,
    TermRecord,
)
from contactbook.models import DataRequestKind as Kind
from contactbook.notices import services as notices
from tests.attendance.factories import put_mark
from tests.data_requests.factories import asked
from tests.factories import World
from tests.grading.factories import GradeWorld, make_grade_world, put_score
from tests.messaging.factories import sms_message
from tests.roster.factories import ClassWorld, make_class_world
from tests.subscriptions.payment_factories import pay

MOTHER_PHONE = "+84912345678"  # An's mother in alpha, and a guardian in beta with the same number
FATHER_PHONE = "+84987654321"  # Cường's father in alpha: another family


@dataclass
class DataWorld:
    """Alpha's grade world (the mother's family is the one asking), and beta's class world."""

    alpha: GradeWorld
    beta: ClassWorld
    payment: Payment
    queued: Message  # to the mother, not yet sent
    sent: Message  # to the mother, sent
    father_message: Message
    an_leave: LeaveRequest  # asked by the mother, approved with a note
    cuong_leave: LeaveRequest  # asked by the father, waiting
    beta_leave: LeaveRequest  # asked in beta by the guardian with the mother's number

    @property
    def mother(self) -> Guardian:
        return self.alpha.mother


def _published(gw: GradeWorld, student: Student, value: str) -> Score:
    score = put_score(gw, student, gw.maths, gw.first, "gk", value)
    score.published_at = datetime.now(UTC)
    db.session.commit()
    return score


def make_data_world(world: World) -> DataWorld:
    """Scores (published and not), a correction, a term record, a payment, messages, a notice the mother said she
    has read, and a copy request for
    the mother's family in alpha; the father's family's own records; beta's guardian with the mother's number."""
    gw = make_grade_world(world.a)
    beta = make_class_world(world.b)
    subscription = db.session.scalars(select(Subscription).where(Subscription.guardian_id == gw.mother.id)).one()
    payment = pay(gw.people, subscription, subscription.charge, subscription.starts_on)
    an_score = _published(gw, gw.an, "7")
    _published(gw, gw.cuong, "5")
    put_score(gw, gw.an, gw.maths, gw.first, "tx1", "9")  # not published: not the family's yet
    teacher = gw.people.staff["teacher"]
    grading.correct(gw.people.school, teacher, an_score, raw_value="8", raw_level="", reason="Cộng sai")
    cell = {"school_id": gw.people.school.id, "class_id": gw.roster.school_class.id, "semester_id": gw.first.id}
    db.session.add(TermRecord(**cell, student_id=gw.an.id, conduct="Tốt", absences=2))
    db.session.commit()
    put_mark(gw.roster.school_class, gw.an, gw.first.starts_on)  # An absent without permission
    put_mark(gw.roster.school_class, gw.cuong, gw.first.starts_on)  # another family's child
    queued = sms_message(gw.roster, "queued", MessageStatus.QUEUED)
    sent = sms_message(gw.roster, "sent", MessageStatus.SENT, sent_at=datetime.now(UTC))
    father_message = sms_message(gw.roster, "father", MessageStatus.SENT)
    father_message.guardian_id, father_message.student_id = gw.father.id, gw.cuong.id
    father_message.to_address, father_message.body = FATHER_PHONE, "Tin cho bo Cuong"
    db.session.commit()
    notice = notices.create_notice(
        gw.people.school, gw.people.admin, title="Họp phụ huynh", body="Thứ Bảy, 8 giờ.",
        category="general", urgent=False, audience=notices.Audience("school"),
    )  # fmt: skip
    assert notices.acknowledge(gw.people.school.id, notice.id, gw.an.id, [gw.mother.id])
    days = gw.first.starts_on + timedelta(days=7)
    homeroom = gw.people.staff["homeroom"]
    an_leave = put_leave(gw.roster.school_class, gw.an, days, "Con đi khám răng", gw.mother, LeaveStatus.APPROVED)
    an_leave.decided_by_id, an_leave.decided_at, an_leave.decision_note = homeroom.id, at(), "Cô đã nhận đơn"
    cuong_leave = put_leave(gw.roster.school_class, gw.cuong, days, "Về quê ăn giỗ ông", gw.father)
    beta_leave = put_leave(beta.school_class, beta.student, beta.year.starts_on, "Lý do ở trường khác", beta.guardian)
    put_warning(gw.roster.school_class, gw.an, "absences", "2025-2026:20", {"absences": 21, "threshold": 20})
    below = {"semester": 1, "subject": "Toán", "average": "3.2", "below": "3.5", "complete": False}
    put_warning(gw.roster.school_class, gw.cuong, "subject_below", f"{gw.first.id}:{gw.maths.id}:3.5", below)
    put_warning(beta.school_class, beta.student, "absences", "2025-2026:20", {"absences": 25, "threshold": 20})
    put_note(gw.roster.school_class, gw.an, days, meals="Ăn hết suất", nap="Ngủ ngon", comment="Bé An vui vẻ")
    put_note(gw.roster.school_class, gw.cuong, days, health="Bé Cường hơi sốt", comment="Cần theo dõi thêm")
    put_note(beta.school_class, beta.student, beta.year.starts_on, comment="Ghi chú ở trường khác")
    asked(MOTHER_PHONE, gw.people.school.id, Kind.COPY)
    asked(FATHER_PHONE, gw.people.school.id, Kind.COPY)
    return DataWorld(gw, beta, payment, queued, sent, father_message, an_leave, cuong_leave, beta_leave)


def at() -> datetime:
    return datetime.now(UTC)


def put_leave(
    school_class: SchoolClass,
    student: Student,
    on: date,
    reason: str,
    guardian: Guardian | None,
    status: LeaveStatus = LeaveStatus.PENDING,
) -> LeaveRequest:
    """A morning's leave request of `student`, asked by `guardian` (or entered by staff when None), committed."""
    request = LeaveRequest(
        school_id=school_class.school_id, student_id=student.id, class_id=school_class.id, starts_on=on, ends_on=on,
        slots="morning", reason=reason, status=status, guardian_id=guardian.id if guardian else None, created_at=at(),
    )  # fmt: skip
    db.session.add(request)
    db.session.commit()
    return request


def put_warning(
    school_class: SchoolClass, student: Student, rule: str, threshold: str, detail: dict[str, object]
) -> None:
    """An early warning that went about `student`, committed."""
    db.session.add(
        RiskWarning(
            school_id=school_class.school_id, student_id=student.id, class_id=school_class.id, rule=rule,
            threshold=threshold, detail=detail, fired_at=at(),
        )
    )  # fmt: skip
    db.session.commit()


def put_note(school_class: SchoolClass, student: Student, on: date, **texts: str) -> DailyNote:
    """A daily note of `student` for day `on`, committed."""
    note = DailyNote(school_id=school_class.school_id, class_id=school_class.id, student_id=student.id, on=on, **texts)
    db.session.add(note)
    db.session.commit()
    return note


def audit_about(target_type: str, target_id: int) -> list[AuditLog]:
    """The audit rows about one record."""
    return list(
        db.session.scalars(select(AuditLog).where(AuditLog.target_type == target_type, AuditLog.target_id == target_id))
    )
