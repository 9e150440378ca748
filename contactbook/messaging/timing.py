"""When a message may go: quiet hours in the school's time zone (pure functions)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DIGEST_HOUR = 18


def next_allowed(at: datetime, zone: ZoneInfo, quiet_end_hour: int, quiet_start_hour: int, urgent: bool) -> datetime:
    """`at` if a message may go then, else the next moment the quiet hours end (urgent goes at any time)."""
    if urgent:
        return at
    local = at.astimezone(zone)
    if quiet_end_hour <= local.hour < quiet_start_hour:
        return at
    day = local.date() if local.hour < quiet_end_hour else local.date() + timedelta(days=1)
    return datetime.combine(day, time(quiet_end_hour), tzinfo=zone).astimezone(at.tzinfo)


def next_digest_time(at: datetime, zone: ZoneInfo) -> datetime:
    """Today's digest time (18:00 local) if still ahead, else tomorrow's."""
    local = at.astimezone(zone)
    day = local.date() if local.hour < DIGEST_HOUR else local.date() + timedelta(days=1)
    return datetime.combine(day, time(DIGEST_HOUR), tzinfo=zone).astimezone(at.tzinfo)
