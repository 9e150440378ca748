"""Taking due messages for a worker, and taking back what a dead worker left. Statements only: the
units of work in `delivery` decide when they are committed.

A row left `claimed` by a dead worker never reached the provider, so it is queued again; a row left
`sending` may have reached it, so it is flagged `ambiguous` and never resent (a status callback may
still settle it: `callbacks`). Items of a daily digest are never claimed: their digest is (`digests`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, select, update

from contactbook.extensions import among, db
from contactbook.messaging.services.outbox import nudge_after_commit
from contactbook.messaging.vocabulary import FailureKind
from contactbook.models import Message, MessageStatus

BATCH = 500
WORKER_STOPPED = "the worker stopped while sending; not resent"


def _due(now: datetime) -> ColumnElement[bool]:
    """Queued messages whose time has come, other than the items that wait in a digest."""
    return and_(Message.status == MessageStatus.QUEUED, Message.next_attempt_at <= now, Message.digest_id.is_(None))


def claim_due(now: datetime, limit: int = BATCH) -> list[int]:
    """Mark up to `limit` due messages `claimed` for this worker; other workers skip the locked rows."""
    query = select(Message.id).where(_due(now)).order_by(Message.urgent.desc(), Message.next_attempt_at).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(query))
    if not ids:
        return []
    # Only the rows this statement moved are ours (without SKIP LOCKED, another worker may have won).
    return sorted(
        db.session.scalars(
            update(Message)
            .where(among(Message.id, ids), Message.status == MessageStatus.QUEUED)
            .values(status=MessageStatus.CLAIMED, claimed_at=now)
            .returning(Message.id)
            .execution_options(synchronize_session=False)
        )
    )


def recover_stale(now: datetime, stale_claim: timedelta, stale_sending: timedelta) -> tuple[int, int]:
    """Queue again the claims older than `stale_claim`; flag sends older than `stale_sending` ambiguous."""
    requeued = db.session.execute(
        update(Message)
        .where(Message.status == MessageStatus.CLAIMED, Message.claimed_at < now - stale_claim)
        .values(status=MessageStatus.QUEUED, claimed_at=None)
    ).rowcount  # type: ignore[attr-defined]
    flagged = db.session.execute(
        update(Message)
        .where(Message.status == MessageStatus.SENDING, Message.claimed_at < now - stale_sending)
        .values(status=MessageStatus.AMBIGUOUS, error=WORKER_STOPPED, failure_kind=FailureKind.AMBIGUOUS)
    ).rowcount  # type: ignore[attr-defined]
    return int(requeued or 0), int(flagged or 0)


def any_due(now: datetime) -> bool:
    """Whether a queued message is due now."""
    due = db.session.scalar(select(Message.id).where(_due(now)).limit(1))
    return due is not None


def requeue(where: ColumnElement[bool], now: datetime) -> int:
    """Queue the messages matching `where` again, due `now`, attempts kept (and nudge after the commit)."""
    count = int(
        db.session.execute(
            update(Message)
            .where(where)
            .values(status=MessageStatus.QUEUED, next_attempt_at=now, claimed_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        or 0
    )
    if count:
        nudge_after_commit()
    return count
