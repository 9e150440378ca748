"""Composing a notice: its recipients, its cost, and — in the same transaction — its outbox messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, func, select
from sqlalchemy.exc import IntegrityError

from contactbook.audit import services as audit
from contactbook.extensions import conflict_insert, db, insert_many
from contactbook.i18n import N_
from contactbook.messaging.outcomes import worth_another_try
from contactbook.messaging.render import personalised, render_message
from contactbook.messaging.services import claiming
from contactbook.messaging.services.outbox import Outbox, recipients
from contactbook.messaging.text import sms_segments, to_gsm
from contactbook.messaging.vocabulary import Category, Channel
from contactbook.models import (
    Enrolment,
    EnrolmentStatus,
    Message,
    Notice,
    NoticeRead,
    NoticeStudent,
    School,
    SchoolClass,
    StudentGuardian,
    User,
)
from contactbook.models.base import utcnow
from contactbook.roster.rules import given_name
from contactbook.roster.services import current_year
from contactbook.subscriptions.services import settings_of

NOTICE_CATEGORIES = (Category.GENERAL, Category.EVENT, Category.FEE, Category.EMERGENCY, Category.CLOSURE)


class NoticeError(ValueError):
    """A notice the rules refuse; the message (an English message id) says why."""


@dataclass(frozen=True)
class Audience:
    """Who a notice is for: the whole school, grade levels, classes, or chosen students."""

    kind: str  # school | grades | classes | students
    ids: tuple[int, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "ids": list(self.ids)}


def audience_students(school: School, audience: Audience) -> list[int]:
    """The ids of the students actively enrolled this year that the audience covers."""
    year = current_year(school)
    if year is None:
        return []
    query = (
        select(Enrolment.student_id)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .where(
            Enrolment.school_id == school.id,
            Enrolment.school_year_id == year.id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
    )
    if audience.kind == "grades":
        query = query.where(SchoolClass.grade_level.in_(audience.ids))
    elif audience.kind == "classes":
        query = query.where(SchoolClass.id.in_(audience.ids))
    elif audience.kind == "students":
        query = query.where(Enrolment.student_id.in_(audience.ids))
    elif audience.kind != "school":
        raise NoticeError(N_("Choose who the notice is for."))
    return sorted(set(db.session.scalars(query)))


@dataclass
class Preview:
    """What sending would do: recipients per channel, the SMS text, its segments and the cost."""

    sms_text: str
    email_text: str
    encoding: str
    segments: int
    recipients: dict[str, int] = field(default_factory=dict)
    total_segments: int = 0
    cost: int = 0
    unaccented_text: str = ""

    @property
    def ucs2(self) -> bool:
        return self.encoding == "UCS-2"


def _sms_context(school: School, title: str, body: str) -> dict[str, str]:
    return {"school": school.name, "title": title, "body": body}


def _email_context(school: School, title: str, body: str) -> dict[str, str]:
    # The email template addresses the guardian and names the school and the student in full.
    return {"school": school.name, "title": title, "body": body, "school_name": school.name}


def _sms_text(school: School, title: str, body: str, student_name: str, unaccented: bool) -> str:
    context = {**_sms_context(school, title, body), "student": given_name(student_name)}
    return render_message("notice", "vi", context, unaccented=unaccented)


def _email_text(school: School, title: str, body: str, student_name: str, guardian_name: str = "") -> str:
    context = {**_email_context(school, title, body), "guardian": guardian_name or "Quý phụ huynh"}
    return render_message("email_notice", "vi", {**context, "student": student_name}, unaccented=False)


class _Texts:
    """Each recipient's SMS or email text and SMS segments, rendered once per notice (see `personalised`)."""

    def __init__(self, school: School, title: str, body: str, unaccented: bool) -> None:
        self._sms = personalised("notice", "vi", _sms_context(school, title, body), ["student"], unaccented=unaccented)
        self._email = personalised(
            "email_notice", "vi", _email_context(school, title, body), ["guardian", "student"], unaccented=False
        )
        self._sms_by_name: dict[str, tuple[str, int]] = {}

    def sms(self, student_name: str) -> tuple[str, int]:
        """The SMS about `student_name` and its segments; it depends only on the child's given name."""
        given = given_name(student_name)
        if given not in self._sms_by_name:
            text = self._sms({"student": given})
            self._sms_by_name[given] = (text, sms_segments(text)[1])
        return self._sms_by_name[given]

    def email(self, student_name: str, guardian_name: str) -> str:
        return self._email({"guardian": guardian_name or "Quý phụ huynh", "student": student_name})


def preview_notice(
    school: School, *, title: str, body: str, category: str, audience: Audience, unaccented: bool | None = None
) -> Preview:
    """Recipients by channel, SMS segments and cost of a notice, without writing anything."""
    settings = settings_of(school)
    unaccented = settings.sms_unaccented if unaccented is None else unaccented
    reached = recipients(school, audience_students(school, audience), category, utcnow())
    sms, email = _sms_text(school, title, body, "Lan", unaccented), _email_text(school, title, body, "Lan")
    encoding, segments = sms_segments(sms)
    preview = Preview(sms_text=sms, email_text=email, encoding=encoding, segments=segments)
    preview.unaccented_text = to_gsm(sms)
    texts = _Texts(school, title, body, unaccented)
    for recipient in reached:
        preview.recipients[recipient.channel.value] = preview.recipients.get(recipient.channel.value, 0) + 1
        if recipient.channel == Channel.SMS:
            preview.total_segments += texts.sms(recipient.student_name)[1]
    preview.cost = preview.total_segments * settings.sms_segment_price
    return preview


def create_notice(
    school: School,
    author: User | None,
    *,
    title: str,
    body: str,
    category: str,
    urgent: bool,
    audience: Audience,
    send_at: datetime | None = None,
    submission: str | None = None,
) -> Notice:
    """Record the notice and one outbox message per eligible guardian and channel, in one commit
    (which nudges the workers). A `submission` (the token of the preview confirmed) already used by a
    notice of the school gives that notice, and records nothing: a confirmation counts once."""
    if submission and (earlier := _submitted(school, submission)) is not None:
        return earlier
    title, body = " ".join(title.split()), body.strip()
    if not title or not body:
        raise NoticeError(N_("Write a title and a text."))
    if category not in {c.value for c in NOTICE_CATEGORIES}:
        raise NoticeError(N_("Choose a category."))
    now = utcnow()
    students = audience_students(school, audience)
    if not students:
        raise NoticeError(N_("Nobody is in this audience."))
    settings = settings_of(school)
    notice = Notice(
        school_id=school.id,
        author_id=author.id if author else None,
        title=title,
        body=body,
        category=category,
        urgent=urgent,
        # The audience's size when written: what the notice pages may show depends on it (see `rules`).
        audience=audience.as_json() | {"size": len(students)},
        send_at=send_at,
        created_at=now,
        submission=submission or None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(notice)
            db.session.flush()
    except IntegrityError:
        # The same confirmation, recorded meanwhile by a concurrent request.
        if submission and (earlier := _submitted(school, submission)) is not None:
            return earlier
        raise
    # Whom it concerns, kept as written: the families' portal shows it on these children's pages.
    insert_many(
        cast(Table, NoticeStudent.__table__),
        [{"school_id": school.id, "notice_id": notice.id, "student_id": student_id} for student_id in students],
    )
    outbox = Outbox(school, kind="notice", category=category, urgent=urgent, now=now)
    texts = _Texts(school, title, body, settings.sms_unaccented)
    line = render_message("digest_item", "vi", {"kind": "notice", "title": title, "body": body}, unaccented=False)
    for recipient in recipients(school, students, category, now):
        if recipient.channel == Channel.SMS:
            text, segments = texts.sms(recipient.student_name)
        else:
            text, segments = texts.email(recipient.student_name, recipient.guardian_name), 0
        outbox.add(
            recipient,
            key=f"notice:{notice.id}:{recipient.guardian_id}:{recipient.student_id}:{recipient.channel}",
            body=text,
            subject=title,
            segments=segments,
            start=send_at,
            notice_id=notice.id,
            line=line,
        )
    count = outbox.write()
    audit.record("notice.created", actor=author, school_id=school.id, target=notice, messages=count, urgent=urgent)
    db.session.commit()
    return notice


def _submitted(school: School, submission: str) -> Notice | None:
    """The school's notice confirmed from the preview `submission`, if there is one."""
    return db.session.scalars(
        select(Notice).where(Notice.school_id == school.id, Notice.submission == submission)
    ).one_or_none()


def retryable(notice: Notice) -> ColumnElement[bool]:
    """The notice's failed messages worth another try (the failure was temporary)."""
    return and_(Message.notice_id == notice.id, Message.school_id == notice.school_id, worth_another_try())


def retry_failed(school: School, actor: User | None, notice: Notice) -> int:
    """Queue the notice's temporarily failed messages again, due now, attempts kept; returns how many."""
    if notice.school_id != school.id:
        raise ValueError("the notice belongs to another school")
    count = claiming.requeue(retryable(notice), utcnow())
    audit.record("notice.retried", actor=actor, school_id=school.id, target=notice, messages=count)
    db.session.commit()
    return count


def out_to_families(now: datetime) -> ColumnElement[bool]:
    """The notices families may read by `now`: written, and due (a notice sent later is not out yet)."""
    return func.coalesce(Notice.send_at, Notice.created_at) <= now


def acknowledge(school_id: int, notice_id: int, student_id: int, guardian_ids: list[int]) -> bool:
    """Record that the family of `guardian_ids` (its records in the school) has read a notice about its child.

    False, and nothing written, unless the notice is out and concerns `student_id`, a child of one of these
    guardians. Once per guardian record and notice: pressing again, or on another child's page, changes nothing.
    """
    now = utcnow()
    linked = db.session.scalars(
        select(StudentGuardian.guardian_id)
        .join(NoticeStudent, NoticeStudent.student_id == StudentGuardian.student_id)
        .join(Notice, Notice.id == NoticeStudent.notice_id)
        .where(
            StudentGuardian.school_id == school_id,
            StudentGuardian.student_id == student_id,
            StudentGuardian.guardian_id.in_(guardian_ids),
            NoticeStudent.school_id == school_id,
            NoticeStudent.notice_id == notice_id,
            Notice.school_id == school_id,
            out_to_families(now),
        )
    ).all()
    if not linked:
        return False
    rows = [
        {"school_id": school_id, "notice_id": notice_id, "guardian_id": guardian_id, "read_at": now}
        for guardian_id in sorted(set(linked))
    ]
    db.session.execute(
        conflict_insert(NoticeRead)
        .values(rows)
        .on_conflict_do_nothing(index_elements=[NoticeRead.notice_id, NoticeRead.guardian_id])
    )
    db.session.commit()
    return True
