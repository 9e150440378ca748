"""Messages written directly with a chosen status, as delivery would have left them."""

from __future__ import annotations

from itertools import count

from contactbook.extensions import db
from contactbook.models import Guardian, Message, MessageStatus, Student
from contactbook.models.base import utcnow

_keys = count(1)


def message(guardian: Guardian, student: Student | None, channel: str, status: MessageStatus, body: str,
            kind: str = "score") -> Message:  # fmt: skip
    """A message to `guardian` about `student` in `status`."""
    row = Message(
        school_id=guardian.school_id,
        kind=kind,
        category="grades",
        guardian_id=guardian.id,
        student_id=student.id if student else None,
        channel=channel,
        to_address=guardian.phone or "x@example.vn",
        body=body,
        dedupe_key=f"test:{next(_keys)}:{utcnow().timestamp()}",
        status=status,
        next_attempt_at=utcnow(),
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.commit()
    return row
