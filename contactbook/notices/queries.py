"""What the notice pages show: the notices a staff member may open, their messages' progress, the bill.

Read only: nothing here writes or commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from contactbook.extensions import db
from contactbook.messaging.timing import next_allowed
from contactbook.models import (
    Guardian,
    Message,
    MessageStatus,
    Notice,
    NoticeRead,
    NoticeStudent,
    School,
    SchoolClass,
    Student,
    StudentGuardian,
    User,
)
from contactbook.models.base import utcnow
from contactbook.notices.rules import Disclosure, shows_families_concerned
from contactbook.notices.services import Audience, NoticeError, audience_students, retryable
from contactbook.subscriptions.services import settings_of

PAGE_SIZE = 50
MAX_LISTED_FAILURES = 200
IN_FLIGHT = frozenset({MessageStatus.QUEUED, MessageStatus.CLAIMED, MessageStatus.SENDING})
PROBLEMS = (MessageStatus.FAILED, MessageStatus.UNDELIVERED, MessageStatus.AMBIGUOUS)
NOT_SENT = (MessageStatus.SKIPPED, MessageStatus.EXPIRED)
# What the provider may bill: accepted messages, and those that may have reached it.
BILLED = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.AMBIGUOUS)


def notices_of(school: School, user: User, *, sees_all: bool) -> Select[tuple[Notice]]:
    """The notices `user` may open: all of the school's with `roster.view_all`, else its own."""
    query = select(Notice).where(Notice.school_id == school.id)
    if not sees_all:
        query = query.where(Notice.author_id == user.id)
    return query


def may_open(notice: Notice, user: User, *, sees_all: bool) -> bool:
    """Whether `user` may see and manage `notice`: one of its own school's, written by it or seen with `sees_all`."""
    return notice.school_id == user.school_id and (sees_all or notice.author_id == user.id)


def audience_size(school: School, notice: Notice) -> int:
    """How many students the notice was written to (counted now for notices that did not record it)."""
    size = notice.audience.get("size")
    if isinstance(size, int):
        return size
    kind, ids = notice.audience.get("kind", ""), notice.audience.get("ids", [])
    try:
        return len(audience_students(school, Audience(kind, tuple(ids))))
    except NoticeError:
        return 0


def sending_starts(
    school: School, start: datetime, urgent: bool, zone: ZoneInfo, now: datetime | None = None
) -> datetime | None:
    """When messages due at `start` may first go, if that is still ahead (quiet hours, a chosen time); else None.

    It depends on the school's quiet hours and the notice only, never on who gets a message.
    """
    settings = settings_of(school)
    goes_at = next_allowed(start, zone, settings.quiet_end_hour, settings.quiet_start_hour, urgent)
    return goes_at if goes_at > (now or utcnow()) else None


@dataclass
class NoticePage:
    notices: list[Notice]
    counts: dict[int, dict[str, int]]
    page: int
    has_next: bool


def notice_page(school: School, user: User, *, sees_all: bool, page: int) -> NoticePage:
    """One page of the notices `user` may open, newest first, with their messages counted per status."""
    page = max(page, 1)
    rows = list(
        db.session.scalars(
            notices_of(school, user, sees_all=sees_all)
            .options(selectinload(Notice.author))
            .order_by(Notice.created_at.desc(), Notice.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    notices = rows[:PAGE_SIZE]
    return NoticePage(notices, counts_of(n.id for n in notices), page, len(rows) > PAGE_SIZE)


def counts_of(notice_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Messages per status of each notice (every status present, zero when none)."""
    ids = list(notice_ids)
    counts: dict[int, dict[str, int]] = {i: dict.fromkeys(MessageStatus, 0) for i in ids}
    if ids:
        for notice_id, status, n in db.session.execute(
            select(Message.notice_id, Message.status, func.count())
            .where(Message.notice_id.in_(ids))
            .group_by(Message.notice_id, Message.status)
        ):
            counts[notice_id][MessageStatus(status)] = int(n)
    return {i: {str(status): n for status, n in c.items()} for i, c in counts.items()}


@dataclass
class Progress:
    """A notice's messages per status, for the progress page and its JSON."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def in_flight(self) -> int:
        return sum(self.counts[status] for status in IN_FLIGHT)

    @property
    def done(self) -> bool:
        return self.in_flight == 0

    def as_json(self, seen: Disclosure = Disclosure.FULL) -> dict[str, object]:
        """The counts as `seen` allows: all of them, the total alone, or nothing."""
        if seen.full:
            counts = {"counts": self.counts, "total": self.total, "in_flight": self.in_flight, "done": self.done}
            return {"disclosure": seen.value, **counts}
        if seen.totals:
            return {"disclosure": seen.value, "total": self.total, "done": self.done}
        return {"disclosure": seen.value}


def progress_of(notice: Notice) -> Progress:
    """The notice's messages per status, every status present."""
    rows = db.session.execute(
        select(Message.status, func.count()).where(Message.notice_id == notice.id).group_by(Message.status)
    ).all()
    return Progress({str(status): 0 for status in MessageStatus} | {status.value: int(n) for status, n in rows})


@dataclass
class Problem:
    message: Message
    guardian_name: str


def problems_of(notice: Notice) -> list[Problem]:
    """The notice's failed, undelivered and uncertain messages with their reasons (the first ones)."""
    rows = db.session.execute(
        select(Message, Guardian.full_name)
        .join(Guardian, Guardian.id == Message.guardian_id)
        .where(Message.notice_id == notice.id, Message.status.in_(PROBLEMS))
        .order_by(Message.id)
        .limit(MAX_LISTED_FAILURES)
    ).all()
    return [Problem(message, name) for message, name in rows]


def not_sent_reasons(notice: Notice) -> list[tuple[str, str, int]]:
    """(status, reason, how many) for the notice's skipped and expired messages, commonest first."""
    rows = db.session.execute(
        select(Message.status, Message.error, func.count())
        .where(Message.notice_id == notice.id, Message.status.in_(NOT_SENT))
        .group_by(Message.status, Message.error)
    ).all()
    reasons = [(str(status), error or "", int(n)) for status, error, n in rows]
    return sorted(reasons, key=lambda r: (-r[2], r[0], r[1]))


def retryable_count(notice: Notice) -> int:
    """How many of the notice's failures the retry button would send again."""
    return int(db.session.scalar(select(func.count()).select_from(Message).where(retryable(notice))) or 0)


def month_sms_cost(school: School, zone: ZoneInfo, now: datetime | None = None) -> int:
    """What the school's SMS cost since the first of this month (local time), in đồng."""
    local = (now or utcnow()).astimezone(zone)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    total = db.session.scalar(
        select(func.coalesce(func.sum(Message.cost), 0)).where(
            Message.school_id == school.id,
            Message.channel == "sms",
            Message.status.in_(BILLED),
            func.coalesce(Message.sent_at, Message.created_at) >= start,
        )
    )
    return int(total or 0)


def audience_names(notices: Iterable[Notice], shown: int = 5) -> dict[int, list[str]]:
    """What each notice's audience names, for display: grade levels, class names, or the first students' names."""
    notices = list(notices)
    wanted: dict[str, set[int]] = {"classes": set(), "students": set()}
    for notice in notices:
        kind = notice.audience.get("kind", "")
        if kind in wanted:
            wanted[kind].update(notice.audience.get("ids", [])[:shown])
    names = {
        "classes": dict(
            db.session.execute(select(SchoolClass.id, SchoolClass.name).where(SchoolClass.id.in_(wanted["classes"])))
            .tuples()
            .all()
        ),
        "students": dict(
            db.session.execute(select(Student.id, Student.full_name).where(Student.id.in_(wanted["students"])))
            .tuples()
            .all()
        ),
    }
    result: dict[int, list[str]] = {}
    for notice in notices:
        kind, ids = notice.audience.get("kind", ""), list(notice.audience.get("ids", []))
        if kind == "grades":
            result[notice.id] = [str(grade) for grade in ids]
        elif kind in names:
            found = [names[kind][i] for i in ids[:shown] if i in names[kind]]
            result[notice.id] = found + (["…"] if len(ids) > shown else [])
        else:
            result[notice.id] = []
    return result


@dataclass(frozen=True)
class Reads:
    """How many of the families a notice concerns said they have read it (never who has or has not)."""

    read: int
    families: int

    @property
    def families_shown(self) -> bool:
        """Whether the number of families concerned may be shown (from 10: fewer would point at who has not read)."""
        return shows_families_concerned(self.families)


def reads_of(notice: Notice) -> Reads:
    """The families concerned (guardian records of the notice's students), and how many said they have read it."""
    concerned = (
        select(StudentGuardian.guardian_id)
        .join(NoticeStudent, NoticeStudent.student_id == StudentGuardian.student_id)
        .where(NoticeStudent.notice_id == notice.id, StudentGuardian.school_id == notice.school_id)
        .distinct()
    )
    families = db.session.scalar(select(func.count()).select_from(concerned.subquery()))
    read = db.session.scalar(
        select(func.count(NoticeRead.id)).where(
            NoticeRead.notice_id == notice.id, NoticeRead.guardian_id.in_(concerned)
        )
    )
    return Reads(int(read or 0), int(families or 0))
