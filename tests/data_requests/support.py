"""A family with something in every section of its copy, another family beside it, and the same number in a
second school: the world the copy and erasure tests read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from contactbook.extensions import db
from contactbook.grading import services as grading
from contactbook.models import (
    AuditLog,
    Guardian,
    Message,
    MessageStatus,
    Payment,
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
    asked(MOTHER_PHONE, gw.people.school.id, Kind.COPY)
    asked(FATHER_PHONE, gw.people.school.id, Kind.COPY)
    return DataWorld(gw, beta, payment, queued, sent, father_message)


def audit_about(target_type: str, target_id: int) -> list[AuditLog]:
    """The audit rows about one record."""
    return list(
        db.session.scalars(select(AuditLog).where(AuditLog.target_type == target_type, AuditLog.target_id == target_id))
    )
