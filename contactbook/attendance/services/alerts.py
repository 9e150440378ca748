"""The families' side of marking a class: an absence alert, and the "đã có mặt" follow-up when it was wrong.

Both are written to the outbox in the transaction of the marks they are about (`marking.mark_class`), and
both are urgent: quiet hours do not hold them back. An alert goes to every guardian and channel that
`recipients()` finds eligible for attendance (with the school's free essentials, every family with a usable
contact); a follow-up only to the guardians and channels its alert was written to, and not to those whose
alert had not gone yet: that alert is withdrawn instead (skipped, with the reason).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update

from contactbook.extensions import among, db
from contactbook.messaging.render import personalised
from contactbook.messaging.services.outbox import Outbox, Recipient, recipients
from contactbook.messaging.text import sms_segments
from contactbook.messaging.vocabulary import Category, Channel
from contactbook.models import Message, MessageStatus, School
from contactbook.subscriptions.eligibility import settings_of

KIND = "attendance"
FOLLOW_UP_KIND = "attendance_present"
# An alert in one of these never reached its family: no follow-up for it.
NOT_REACHED = frozenset({MessageStatus.SKIPPED, MessageStatus.EXPIRED, MessageStatus.FAILED, MessageStatus.UNDELIVERED})
WITHDRAWN = "the absence was corrected to present before the alert was sent"


@dataclass(frozen=True)
class Absence:
    """A student to alert the families of: absent, with permission (`excused`) or not."""

    student_id: int
    excused: bool


@dataclass(frozen=True)
class Arrival:
    """A student whose alerted absence was corrected to present (or late) the same day."""

    student_id: int
    late: bool
    alerted_at: datetime


def alert_prefix(student_id: int, on: date, slot: str) -> str:
    """The start of the dedupe key of every alert about one student's slot of a day."""
    return f"{KIND}:{student_id}:{on.isoformat()}:{slot}:"


def _stamp(now: datetime) -> str:
    return str(int(now.timestamp() * 1_000_000))


class _Texts:
    """A message kind's SMS and email text, rendered once per flag (excused, late) and filled in per student."""

    def __init__(self, school: School, kind: str, flag: str, on: date, slot: str) -> None:
        self.unaccented = settings_of(school).sms_unaccented
        self.school, self.kind, self.flag, self.on, self.slot = school, kind, flag, on, slot
        self.cache: dict[tuple[bool, bool], Callable[[dict[str, str]], str]] = {}

    def text(self, channel: Channel, flag: bool, student: str) -> tuple[str, int]:
        sms = channel == Channel.SMS
        if (sms, flag) not in self.cache:
            context = {"school": self.school.name, "day": self.on, "slot": self.slot, self.flag: flag}
            unaccented = self.unaccented and sms
            self.cache[(sms, flag)] = personalised(self.kind, "vi", context, ["student"], unaccented=unaccented)
        body = self.cache[(sms, flag)]({"student": student})
        return body, sms_segments(body)[1] if sms else 0


def write_alerts(school: School, on: date, slot: str, absences: list[Absence], now: datetime) -> set[int]:
    """One urgent `attendance` message per eligible guardian, student and channel; the students whose families
    were written to (a student without an eligible guardian is left out)."""
    if not absences:
        return set()
    excused = {a.student_id: a.excused for a in absences}
    texts = _Texts(school, KIND, "excused", on, slot)
    outbox = Outbox(school, kind=KIND, category=Category.ATTENDANCE, urgent=True, now=now)
    stamp = _stamp(now)
    told: set[int] = set()
    for recipient in recipients(school, sorted(excused), Category.ATTENDANCE, now):
        told.add(recipient.student_id)
        body, segments = texts.text(recipient.channel, excused[recipient.student_id], recipient.student_name)
        outbox.add(
            recipient,
            key=f"{alert_prefix(recipient.student_id, on, slot)}{stamp}:{recipient.guardian_id}:{recipient.channel}",
            body=body,
            subject=f"Điểm danh: {recipient.student_name} vắng ngày {on:%d/%m/%Y}",
            segments=segments,
        )
    outbox.write()
    return told


def write_follow_ups(
    school: School, on: date, slot: str, arrivals: list[Arrival], names: dict[int, str], now: datetime
) -> int:
    """A short urgent `attendance_present` message to each guardian and channel its alert went to; how many.

    An alert still waiting in the outbox is withdrawn instead: the family then hears nothing at all.
    """
    if not arrivals:
        return 0
    by_student = {a.student_id: a for a in arrivals}
    rows = db.session.execute(
        select(
            Message.id, Message.student_id, Message.guardian_id, Message.channel, Message.to_address,
            Message.status, Message.dedupe_key, Message.created_at,
        ).where(
            Message.school_id == school.id,
            Message.kind == KIND,
            among(Message.student_id, sorted(by_student)),
            Message.created_at >= min(a.alerted_at for a in arrivals),
        )
    ).all()  # fmt: skip
    alerts = [
        row
        for row in rows
        if row.student_id in by_student
        and row.dedupe_key.startswith(alert_prefix(row.student_id, on, slot))
        and row.created_at >= by_student[row.student_id].alerted_at
    ]
    waiting = [row.id for row in alerts if row.status == MessageStatus.QUEUED]
    withdrawn: set[int] = set()
    if waiting:
        # Only rows no worker has claimed yet: a claimed alert is on its way, and gets its follow-up.
        withdrawn = set(
            db.session.scalars(
                update(Message)
                .where(among(Message.id, waiting), Message.status == MessageStatus.QUEUED)
                .values(status=MessageStatus.SKIPPED, error=WITHDRAWN)
                .returning(Message.id)
                .execution_options(synchronize_session=False)
            )
        )
    texts = _Texts(school, FOLLOW_UP_KIND, "late", on, slot)
    outbox = Outbox(school, kind=FOLLOW_UP_KIND, category=Category.ATTENDANCE, urgent=True, now=now)
    stamp = _stamp(now)
    for row in alerts:
        if row.id in withdrawn or row.status in NOT_REACHED:
            continue
        arrival, name = by_student[row.student_id], names.get(row.student_id, "")
        channel = Channel(row.channel)
        recipient = Recipient(row.guardian_id, "", row.student_id, name, row.to_address, channel, digest=False)
        body, segments = texts.text(channel, arrival.late, name)
        outbox.add(
            recipient,
            key=f"{FOLLOW_UP_KIND}:{row.id}:{stamp}",
            body=body,
            subject=f"Điểm danh: {name} đã có mặt ngày {on:%d/%m/%Y}",
            segments=segments,
        )
    return outbox.write()
