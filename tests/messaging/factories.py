"""A message row for tests that need one in the outbox without going through a notice."""

from __future__ import annotations

from typing import Any

from contactbook.extensions import db
from contactbook.models import Message, MessageStatus
from tests.roster.factories import ClassWorld


def sms_message(roster: ClassWorld, key: str, status: MessageStatus, **fields: Any) -> Message:
    """A general notice SMS to the class world's guardian, committed, with `fields` set on it."""
    message = Message(
        school_id=roster.guardian.school_id,
        kind="notice",
        category="general",
        guardian_id=roster.guardian.id,
        student_id=roster.student.id,
        channel="sms",
        to_address="+84912345678",
        body="THCS TB PHHS em An: hop phu huynh.",
        dedupe_key=f"test:{key}",
        status=status,
        **fields,
    )
    db.session.add(message)
    db.session.commit()
    return message
