"""The words of messaging: by which channel a message goes, and what it is about."""

from __future__ import annotations

import enum


class Channel(enum.StrEnum):
    SMS = "sms"
    EMAIL = "email"


class Category(enum.StrEnum):
    """What a message is about. Grades go under the 'grades' purposes, everything else under 'notices'."""

    GRADES = "grades"
    ATTENDANCE = "attendance"
    GENERAL = "general"
    EVENT = "event"
    FEE = "fee"
    EMERGENCY = "emergency"
    CLOSURE = "closure"
