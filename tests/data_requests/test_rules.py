"""The answer is due 2 working days after the request, counted in Vietnam's calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from contactbook.data_requests.rules import due_on, is_overdue, is_working_day

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


@pytest.mark.parametrize(
    ("asked", "due"),
    [
        (local(2026, 12, 7), date(2026, 12, 9)),  # Monday → Wednesday
        (local(2026, 12, 10), date(2026, 12, 14)),  # Thursday → Monday, over the weekend
        (local(2026, 12, 11, 16), date(2026, 12, 15)),  # Friday → Tuesday
        (local(2026, 12, 12), date(2026, 12, 15)),  # Saturday → Tuesday
        (local(2026, 12, 13, 23, 59), date(2026, 12, 15)),  # Sunday night → Tuesday
        (local(2026, 4, 29), date(2026, 5, 5)),  # Wednesday before the holidays 30/4 and 1/5 (Thu, Fri) → Tuesday
    ],
)
def test_the_answer_is_due_on_the_second_working_day_after_the_request(asked: datetime, due: date) -> None:
    assert due_on(asked.astimezone(UTC), VN) == due


def test_the_day_of_the_request_is_the_day_in_vietnam_not_in_utc() -> None:
    # 17:30 UTC on Thursday is already 00:30 on Friday in Vietnam: due on Tuesday, not Monday.
    thursday_utc = datetime(2026, 12, 10, 17, 30, tzinfo=UTC)
    assert due_on(thursday_utc, VN) == date(2026, 12, 15)
    assert due_on(datetime(2026, 12, 10, 16, 30, tzinfo=UTC), VN) == date(2026, 12, 14)


def test_weekends_and_fixed_public_holidays_are_not_working_days() -> None:
    assert [is_working_day(date(2026, 12, d)) for d in range(7, 14)] == [True] * 5 + [False] * 2
    assert not is_working_day(date(2026, 9, 2)) and not is_working_day(date(2027, 1, 1))


def test_a_request_is_overdue_only_after_its_last_day_and_while_unanswered() -> None:
    due = date(2026, 12, 9)
    assert not is_overdue(due, date(2026, 12, 9), None)
    assert is_overdue(due, date(2026, 12, 10), None)
    assert not is_overdue(due, date(2026, 12, 10), datetime(2026, 12, 10, tzinfo=UTC))
