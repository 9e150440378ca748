"""The current school year follows the school's calendar day, not the server's UTC day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contactbook import timezones
from contactbook.roster.services import current_year
from tests.factories import World
from tests.roster.factories import make_year


def test_current_year_uses_the_school_local_date(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    for first_year in (2024, 2025, 2026):
        make_year(world.a, first_year)  # 2025-2026 starts on 5 September 2025
    # 23:30 UTC on 4 September is 06:30 on 5 September in Vietnam: the new year has begun there.
    monkeypatch.setattr(timezones, "utcnow", lambda: datetime(2025, 9, 4, 23, 30, tzinfo=UTC))
    year = current_year(world.a.school)
    assert year is not None and year.name == "2025-2026"
    # 16:30 UTC is 23:30 on 4 September in Vietnam: not yet.
    monkeypatch.setattr(timezones, "utcnow", lambda: datetime(2025, 9, 4, 16, 30, tzinfo=UTC))
    year = current_year(world.a.school)
    assert year is not None and year.name != "2025-2026"
