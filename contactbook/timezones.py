"""The schools' time zone (Asia/Ho_Chi_Minh, the TIMEZONE setting): every school-local day and hour comes from here.

The server runs on UTC, and from 17:00 UTC it is already the next day in Vietnam; so a "today" taken from
`date.today()` would be a day behind for seven hours of every day.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from contactbook.models.base import utcnow


def school_zone() -> ZoneInfo:
    """The time zone the schools live in (configuration TIMEZONE)."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def school_today(at: datetime | None = None) -> date:
    """The school-local date at the moment `at` (default: now)."""
    return (at or utcnow()).astimezone(school_zone()).date()
