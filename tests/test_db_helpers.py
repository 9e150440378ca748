"""`among` and `insert_many`: the query helpers that keep a school-wide notice fast, on either database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from sqlalchemy import Table, func, select

from contactbook.extensions import among, db, insert_many
from contactbook.models import Guardian, Message, MessageStatus
from tests.factories import World

GUARDIANS = cast(Table, Guardian.__table__)
MESSAGES = cast(Table, Message.__table__)
HANOI = timezone(timedelta(hours=7))


def guardians(world: World, count: int) -> list[int]:
    now = datetime.now(UTC)
    rows = [
        {"school_id": world.a.school.id, "full_name": f"Phụ huynh {i}", "phone": f"+8491{i:07d}", "created_at": now}
        for i in range(count)
    ]
    insert_many(GUARDIANS, rows)
    return list(db.session.scalars(select(Guardian.id).where(Guardian.school_id == world.a.school.id)))


def test_among_finds_exactly_the_given_ids_even_thousands_of_them(world: World) -> None:
    ids = sorted(guardians(world, 3000))
    wanted = [*ids[::3], 0, -5]  # ids that exist and two that cannot
    found = set(db.session.scalars(select(Guardian.id).where(among(Guardian.id, wanted))))
    assert found == set(ids[::3])
    assert db.session.scalar(select(func.count()).where(among(Guardian.id, []))) == 0


def test_insert_many_writes_every_row_with_the_column_types_conversions(world: World) -> None:
    guardian = guardians(world, 1)[0]
    local = datetime(2026, 12, 1, 8, 30, tzinfo=HANOI)

    def message(i: int, status: MessageStatus) -> dict[str, Any]:
        return {
            "school_id": world.a.school.id, "notice_id": None, "kind": "notice", "category": "general",
            "urgent": False, "guardian_id": guardian, "student_id": None, "channel": "sms",
            "to_address": "+84912345678", "subject": None, "body": f"Tin nhắn {i}", "dedupe_key": f"helpers:{i}",
            "status": status, "digest": False, "attempts": 0, "next_attempt_at": local, "expires_at": None,
            "segments": 1, "cost": 800, "created_at": local,
        }  # fmt: skip

    insert_many(MESSAGES, [message(0, MessageStatus.QUEUED), message(1, MessageStatus.SKIPPED)])
    rows = db.session.execute(
        select(Message.status, Message.next_attempt_at, Message.body)
        .where(Message.dedupe_key.like("helpers:%"))
        .order_by(Message.dedupe_key)
    ).all()
    assert [(r.status, r.body) for r in rows] == [
        (MessageStatus.QUEUED, "Tin nhắn 0"),
        (MessageStatus.SKIPPED, "Tin nhắn 1"),
    ]
    assert rows[0].next_attempt_at == datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
    stored = db.session.scalar(select(func.count()).select_from(MESSAGES).where(MESSAGES.c.status == "skipped"))
    assert stored == 1  # the enum's value, not its name, is what the column holds


def test_insert_many_refuses_rows_that_leave_out_a_defaulted_column(world: World) -> None:
    row = {"school_id": world.a.school.id, "full_name": "Không có ngày tạo", "phone": None}
    with pytest.raises(ValueError, match="created_at"):
        insert_many(GUARDIANS, [row])
    assert db.session.scalar(select(func.count()).where(Guardian.full_name == "Không có ngày tạo")) == 0
