"""Composing a notice: its recipients, its cost, and — in the same transaction — its outbox messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import insert, select

from contactbook.audit import services as audit
from contactbook.auth.rules import N_
from contactbook.extensions import db
from contactbook.messaging.render import render_message
from contactbook.messaging.text import sms_segments, to_gsm
from contactbook.messaging.timing import next_allowed, next_digest_time
from contactbook.models import (
    Enrolment,
    EnrolmentStatus,
    Guardian,
    Message,
    MessageStatus,
    Notice,
    School,
    SchoolClass,
    Student,
    StudentGuardian,
    Subscription,
    SubscriptionStatus,
    User,
)
from contactbook.models.base import utcnow
from contactbook.roster.services import current_year
from contactbook.subscriptions.rules import Category, Channel
from contactbook.subscriptions.services import eligibility_for_many, settings_of

NOTICE_CATEGORIES = (Category.GENERAL, Category.EVENT, Category.FEE, Category.EMERGENCY, Category.CLOSURE)
EXPIRY = timedelta(hours=48)


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
class Recipient:
    guardian: Guardian
    student: Student
    channel: Channel
    digest: bool


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


def _recipients(school: School, student_ids: list[int], category: str, at: datetime) -> list[Recipient]:
    pairs = db.session.execute(
        select(StudentGuardian.guardian_id, StudentGuardian.student_id).where(
            StudentGuardian.school_id == school.id, StudentGuardian.student_id.in_(student_ids)
        )
    ).all()
    channels = eligibility_for_many(school, [(g, s) for g, s in pairs], category, at)
    guardians = {g.id: g for g in db.session.scalars(select(Guardian).where(Guardian.id.in_({g for g, _ in pairs})))}
    students = {s.id: s for s in db.session.scalars(select(Student).where(Student.id.in_(student_ids)))}
    digest_pairs = set(
        db.session.execute(
            select(Subscription.guardian_id, Subscription.student_id).where(
                Subscription.school_id == school.id,
                Subscription.status == SubscriptionStatus.ACTIVE,
                Subscription.digest.is_(True),
                Subscription.student_id.in_(student_ids),
            )
        ).all()
    )
    result = []
    for guardian_id, student_id in pairs:
        for channel in sorted(channels.get((guardian_id, student_id), ())):
            result.append(
                Recipient(
                    guardians[guardian_id], students[student_id], channel, (guardian_id, student_id) in digest_pairs
                )
            )
    return result


def _given_name(full_name: str) -> str:
    return full_name.split()[-1] if full_name.split() else full_name


def _sms_text(school: School, title: str, body: str, student_name: str, unaccented: bool) -> str:
    context = {"school": school.name, "student": _given_name(student_name), "title": title, "body": body}
    return render_message("notice", "vi", context, unaccented=unaccented)


def _email_text(school: School, title: str, body: str, student_name: str, guardian_name: str = "") -> str:
    # The email template addresses the guardian and names the school and the student in full.
    context = {
        "school": school.name,
        "title": title,
        "body": body,
        "guardian": guardian_name or "Quý phụ huynh",
        "school_name": school.name,
        "student": student_name,
    }
    return render_message("email_notice", "vi", context, unaccented=False)


def preview_notice(
    school: School, *, title: str, body: str, category: str, audience: Audience, unaccented: bool | None = None
) -> Preview:
    """Recipients by channel, SMS segments and cost of a notice, without writing anything."""
    settings = settings_of(school)
    unaccented = settings.sms_unaccented if unaccented is None else unaccented
    recipients = _recipients(school, audience_students(school, audience), category, utcnow())
    sms, email = _sms_text(school, title, body, "Lan", unaccented), _email_text(school, title, body, "Lan")
    encoding, segments = sms_segments(sms)
    preview = Preview(sms_text=sms, email_text=email, encoding=encoding, segments=segments)
    preview.unaccented_text = to_gsm(sms)
    for recipient in recipients:
        preview.recipients[recipient.channel.value] = preview.recipients.get(recipient.channel.value, 0) + 1
        if recipient.channel == Channel.SMS:
            text = _sms_text(school, title, body, recipient.student.full_name, unaccented)
            preview.total_segments += sms_segments(text)[1]
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
) -> Notice:
    """Record the notice and one outbox message per eligible guardian and channel, in one commit.

    The caller nudges the workers after this returns (commit, then enqueue).
    """
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
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    notice = Notice(
        school_id=school.id,
        author_id=author.id if author else None,
        title=title,
        body=body,
        category=category,
        urgent=urgent,
        audience=audience.as_json(),
        send_at=send_at,
        created_at=now,
    )
    db.session.add(notice)
    db.session.flush()
    start = max(send_at or now, now)
    rows: list[dict[str, Any]] = []
    # An SMS depends only on the child's given name: render each distinct one once (10,000 recipients
    # share a few hundred names); emails name the guardian and are rendered per recipient.
    sms_texts: dict[str, tuple[str, int]] = {}
    for recipient in _recipients(school, students, category, now):
        is_sms = recipient.channel == Channel.SMS
        if is_sms:
            given = _given_name(recipient.student.full_name)
            if given not in sms_texts:
                sms = _sms_text(school, title, body, recipient.student.full_name, settings.sms_unaccented)
                sms_texts[given] = (sms, sms_segments(sms)[1])
            text, segments = sms_texts[given]
        else:
            text = _email_text(school, title, body, recipient.student.full_name, recipient.guardian.full_name)
            segments = 0
        digest = recipient.digest and not urgent
        due = next_digest_time(start, zone) if digest else start
        rows.append(
            {
                "school_id": school.id,
                "notice_id": notice.id,
                "kind": "notice",
                "category": category,
                "urgent": urgent,
                "guardian_id": recipient.guardian.id,
                "student_id": recipient.student.id,
                "channel": recipient.channel.value,
                "to_address": recipient.guardian.phone if is_sms else recipient.guardian.email,
                "subject": None if is_sms else title,
                "body": text,
                "dedupe_key": f"notice:{notice.id}:{recipient.guardian.id}:{recipient.student.id}:{recipient.channel}",
                "status": MessageStatus.QUEUED,
                "digest": digest,
                "attempts": 0,
                "next_attempt_at": next_allowed(due, zone, settings.quiet_end_hour, settings.quiet_start_hour, urgent),
                "expires_at": due + EXPIRY,
                "segments": segments,
                "cost": segments * settings.sms_segment_price,
                "created_at": now,
            }
        )
    if rows:
        db.session.execute(insert(Message), rows)
    audit.record("notice.created", actor=author, school_id=school.id, target=notice, messages=len(rows), urgent=urgent)
    db.session.commit()
    return notice
