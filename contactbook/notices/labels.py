"""How notices and their messages are shown: names of coded values (translated; Vietnamese by default)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from contactbook.messaging.vocabulary import FailureKind
from contactbook.models import MessageStatus

AUDIENCE_LABELS: dict[str, LazyString] = {
    "school": _l("The whole school"),
    "grades": _l("Grade levels"),
    "classes": _l("Classes"),
    "students": _l("Chosen students"),
}

# In the order the progress page lists them: waiting, under way, done, not sent.
MESSAGE_STATUS_LABELS: dict[str, LazyString] = {
    MessageStatus.QUEUED: _l("Waiting to be sent"),
    MessageStatus.CLAIMED: _l("Being prepared"),
    MessageStatus.SENDING: _l("Being sent"),
    MessageStatus.SENT: _l("Sent"),
    MessageStatus.DELIVERED: _l("Delivered"),
    MessageStatus.UNDELIVERED: _l("Not delivered by the carrier"),
    MessageStatus.FAILED: _l("Failed"),
    MessageStatus.SKIPPED: _l("Skipped"),
    MessageStatus.EXPIRED: _l("Expired"),
    MessageStatus.AMBIGUOUS: _l("Unknown (may have been sent)"),
    MessageStatus.DIGESTED: _l("Gathered into the daily digest"),
}

CHANNEL_LABELS: dict[str, LazyString] = {"sms": _l("SMS"), "email": _l("Email")}

# What a failure's kind means to the sender: whether "send again" will try it.
FAILURE_KIND_LABELS: dict[str, LazyString] = {
    FailureKind.TEMPORARY: _l("Temporary: can be sent again"),
    FailureKind.PERMANENT: _l("Refused for good: not sent again"),
    FailureKind.AMBIGUOUS: _l("May have been sent: not sent again"),
}


def audience_label(kind: str) -> str:
    return str(AUDIENCE_LABELS.get(kind, kind))


def message_status_label(status: str) -> str:
    return str(MESSAGE_STATUS_LABELS.get(status, status))


def channel_label(channel: str) -> str:
    return str(CHANNEL_LABELS.get(channel, channel))


def failure_kind_label(kind: str | None) -> str:
    return str(FAILURE_KIND_LABELS[kind]) if kind in FAILURE_KIND_LABELS else "—"
