"""When a message may go: quiet hours and the digest hour in the school's time zone (pure functions)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def is_quiet(hour: int, quiet_end_hour: int, quiet_start_hour: int) -> bool:
    """Whether the local `hour` falls in the quiet hours, from start to end (21 to 7 wraps midnight)."""
    if quiet_start_hour <= quiet_end_hour:
        return quiet_start_hour <= hour < quiet_end_hour
    return hour >= quiet_start_hour or hour < quiet_end_hour


def next_allowed(at: datetime, zone: ZoneInfo, quiet_end_hour: int, quiet_start_hour: int, urgent: bool) -> datetime:
    """`at` if a message may go then, else the next moment the quiet hours end (urgent goes at any time)."""
    if urgent:
        return at
    local = at.astimezone(zone)
    if not is_quiet(local.hour, quiet_end_hour, quiet_start_hour):
        return at
    day = local.date() if local.hour < quiet_end_hour else local.date() + timedelta(days=1)
    return datetime.combine(day, time(quiet_end_hour), tzinfo=zone).astimezone(at.tzinfo)


def next_digest_time(at: datetime, zone: ZoneInfo, digest_hour: int) -> datetime:
    """Today's digest time (the school's digest hour, local) if still ahead, else tomorrow's."""
    local = at.astimezone(zone)
    day = local.date() if local.hour < digest_hour else local.date() + timedelta(days=1)
    return datetime.combine(day, time(digest_hour), tzinfo=zone).astimezone(at.tzinfo)
