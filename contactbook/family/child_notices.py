"""The notices about a child, as its family reads them, and whether this family said it has read each.

Read only, under the child's school's row scope, by the child's id and the family's guardian records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from contactbook.extensions import db
from contactbook.family.children import Child
from contactbook.models import Notice, NoticeRead, NoticeStudent
from contactbook.models.base import utcnow
from contactbook.notices.services import out_to_families
from contactbook.tenancy import school_scope

PAGE_SIZE = 20


@dataclass(frozen=True)
class ChildNotice:
    """A notice on the child's page."""

    id: int
    title: str
    body: str
    category: str
    urgent: bool
    sent_at: datetime
    read_at: datetime | None  # when this family said it has read it


@dataclass(frozen=True)
class NoticePage:
    notices: list[ChildNotice]
    page: int
    has_next: bool


def notices_of(child: Child, page: int) -> NoticePage:
    """One page of the notices about `child` that are out, newest first, each with this family's read mark."""
    page = max(page, 1)
    sent_at = func.coalesce(Notice.send_at, Notice.created_at)
    with school_scope(child.school_id):
        rows = db.session.execute(
            select(Notice.id, Notice.title, Notice.body, Notice.category, Notice.urgent, sent_at.label("sent_at"))
            .join(NoticeStudent, NoticeStudent.notice_id == Notice.id)
            .where(
                NoticeStudent.school_id == child.school_id,
                NoticeStudent.student_id == child.student_id,
                Notice.school_id == child.school_id,
                out_to_families(utcnow()),
            )
            .order_by(sent_at.desc(), Notice.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        ).all()
        shown = rows[:PAGE_SIZE]
        reads: dict[int, datetime] = {}
        if shown and child.guardian_ids:
            reads = {
                notice_id: read_at
                for notice_id, read_at in db.session.execute(
                    select(NoticeRead.notice_id, func.min(NoticeRead.read_at))
                    .where(
                        NoticeRead.school_id == child.school_id,
                        NoticeRead.notice_id.in_([row.id for row in shown]),
                        NoticeRead.guardian_id.in_(child.guardian_ids),
                    )
                    .group_by(NoticeRead.notice_id)
                )
            }
    notices = [
        ChildNotice(row.id, row.title, row.body, row.category, row.urgent, row.sent_at, reads.get(row.id))
        for row in shown
    ]
    return NoticePage(notices, page, len(rows) > PAGE_SIZE)
