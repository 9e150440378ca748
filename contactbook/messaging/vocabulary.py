"""The words of messaging: by which channel a message goes, what it is about, and how a send failed."""

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
    # A family's one-time sign-in code or link for the portal: free, to any family, never held (see
    # `contactbook.family.services.signin`). Never a school's choice, so not among the essentials a school sets.
    SIGN_IN = "sign_in"
    # An answer to a family's own request (a leave request's decision), to the guardian who asked by one usable
    # contact: free, subscribed or not, so never checked against subscriptions (quiet hours still hold it).
    REPLY = "reply"


class FailureKind(enum.StrEnum):
    """How a send failed, which alone decides whether it may be tried again."""

    TEMPORARY = "temporary"  # nothing was delivered; trying again later is safe
    PERMANENT = "permanent"  # refused for good (bad number, opted out, rejected content): never again
    AMBIGUOUS = "ambiguous"  # the request left but no answer came: it may have gone, never resent
