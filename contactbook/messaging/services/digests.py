"""The daily digest's rows: one message a day per guardian and channel, gathering that day's items about all
of the guardian's children. Statements only, in the caller's transaction.

An item (a notice or a score for a guardian who chose the digest) is written like any message but with
`digest=True`, its line for the digest as its body and no cost of its own, pointing (`digest_id`) to the
digest message of its guardian, channel and school-local day. That digest message (kind "digest", key
`digest:<guardian>:<channel>:<day>`, due at the school's digest hour) is written with the day's first item
and found again by its key for the next ones. Workers claim the digest, never its items; it is composed
from them when it is sent (`contactbook.messaging.services.composing`).

One digest a day: an item joins a digest only while that digest is still `queued`, decided under a lock
on the digest row that a worker's claim respects. Once a worker has taken the day's digest, a later item of
that day (its transaction began before the digest hour and committed after) joins the next day's digest.
Which route an item takes, instant or digest, is the guardian's choice when the item is written.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select, update

from contactbook.extensions import among, conflict_insert, db
from contactbook.messaging.timing import next_allowed
from contactbook.models import Message, MessageStatus, ServiceSettings

KIND = "digest"
CHUNK = 500  # digest rows per insert statement (SQLite takes at most 32,766 parameters)
DAYS_AHEAD = 31  # how far a late item may be pushed before something is badly wrong


def key(guardian_id: int, channel: str, day: date) -> str:
    """The dedupe key of a guardian's digest on a channel for a school-local day."""
    return f"{KIND}:{guardian_id}:{channel}:{day.isoformat()}"


def digest_time(day: date, zone: ZoneInfo, digest_hour: int) -> datetime:
    """The moment of the digest hour on a school-local day, in UTC."""
    return datetime.combine(day, time(digest_hour), tzinfo=zone).astimezone(UTC)


def _due(day: date, zone: ZoneInfo, settings: ServiceSettings) -> datetime:
    """When the day's digest may go: its hour, or the end of the quiet hours if its hour lies in them."""
    at = digest_time(day, zone, settings.digest_hour)
    return next_allowed(at, zone, settings.quiet_end_hour, settings.quiet_start_hour, False)


def attach(
    items: list[dict[str, Any]],
    *,
    school_id: int,
    settings: ServiceSettings,
    zone: ZoneInfo,
    now: datetime,
    expiry: timedelta,
) -> None:
    """Point each item row (its `digest_on` set to its day) at the digest of its guardian, channel and day,
    writing the digests that do not exist yet; an item whose day's digest is already taken moves to the next day."""
    pending = items
    for _ in range(DAYS_AHEAD):
        if not pending:
            return
        wanted: dict[str, dict[str, Any]] = {}
        for row in pending:
            day = row["digest_on"]
            wanted.setdefault(
                key(row["guardian_id"], row["channel"], day),
                {
                    "school_id": school_id,
                    "notice_id": None,
                    "kind": KIND,
                    "category": KIND,
                    "urgent": False,
                    "guardian_id": row["guardian_id"],
                    "student_id": None,
                    "channel": row["channel"],
                    "to_address": row["to_address"],
                    "subject": None,
                    "body": "",  # composed when it is sent
                    "dedupe_key": key(row["guardian_id"], row["channel"], day),
                    "status": MessageStatus.QUEUED,
                    "digest": False,
                    "digest_id": None,
                    "digest_on": day,
                    "subscription_id": None,
                    "attempts": 0,
                    "next_attempt_at": _due(day, zone, settings),
                    "expires_at": digest_time(day, zone, settings.digest_hour) + expiry,
                    "segments": 0,
                    "cost": 0,
                    "created_at": now,
                },
            )
        ids = _upsert([wanted[k] for k in sorted(wanted)])
        later = []
        for row in pending:
            digest_id = ids.get(key(row["guardian_id"], row["channel"], row["digest_on"]))
            if digest_id is None:
                row["digest_on"] += timedelta(days=1)
                later.append(row)
            else:
                row["digest_id"] = digest_id
                row["next_attempt_at"] = digest_time(row["digest_on"], zone, settings.digest_hour)
        pending = later
    raise RuntimeError(f"no digest still open within {DAYS_AHEAD} days for {len(pending)} items")


def _upsert(rows: list[dict[str, Any]]) -> dict[str, int]:
    """The ids, by key, of the digests still `queued`: those written now, and those that exist (share-locked
    until the commit, so no worker claims them before it sees the new items). A digest a worker has taken,
    or is taking, is left out. Rows in key order: two writers and the settings change wait for each other
    in the same order, so they never deadlock; workers never wait for a writer (they claim with SKIP LOCKED,
    and a writer locks no digest a worker holds)."""
    table = cast(Table, Message.__table__)
    found: dict[str, int] = {}
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        inserted = (
            conflict_insert(table)
            .values(chunk)
            .on_conflict_do_nothing(index_elements=[table.c.dedupe_key])
            .returning(table.c.id, table.c.dedupe_key)
        )
        for digest_id, dedupe_key in db.session.execute(inserted):
            found[dedupe_key] = digest_id
        existing = [row["dedupe_key"] for row in chunk if row["dedupe_key"] not in found]
        if existing:
            still_open = (
                select(Message.id, Message.dedupe_key)
                .where(among(Message.dedupe_key, existing), Message.status == MessageStatus.QUEUED)
                .order_by(Message.dedupe_key)
                .with_for_update(read=True)
            )
            for digest_id, dedupe_key in db.session.execute(still_open):
                found[dedupe_key] = digest_id
    return found


def reschedule(school_id: int, settings: ServiceSettings, zone: ZoneInfo) -> int:
    """Move the school's digests not yet sent (nor tried) to its digest hour as now set, on their own day (a
    time already past makes them due at once). Returns how many moved."""
    rows = db.session.execute(
        select(Message.id, Message.digest_on)
        .where(
            Message.school_id == school_id,
            Message.kind == KIND,
            Message.status == MessageStatus.QUEUED,
            Message.attempts == 0,
        )
        .order_by(Message.dedupe_key)  # locked in the order writers lock them (see `_upsert`)
        .with_for_update()
    ).tuples()
    by_day: dict[date, list[int]] = defaultdict(list)
    for digest_id, day in rows:
        if day is not None:
            by_day[day].append(digest_id)
    for day, ids in by_day.items():
        db.session.execute(
            update(Message)
            .where(among(Message.id, ids), Message.status == MessageStatus.QUEUED)
            .values(next_attempt_at=_due(day, zone, settings))
            .execution_options(synchronize_session=False)
        )
    return sum(len(ids) for ids in by_day.values())
