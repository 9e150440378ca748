"""Emails to accounts and schools' contacts (set-up and reset links, invitations, decisions, reminders).

Like families' messages, each email is a row before anything is sent (`AccountEmail`), written in the
transaction of what caused it and sent after its commit by the `accounts.send_emails` task (nudged after
the commit; the beat sweep sends whatever a lost nudge left). A temporary failure is tried again later, a
permanent one is final, and so is one that may have been sent (never twice). `dedupe_key` makes an
email that must go once go once. A row without an address yet (a forgotten-password request, `forgot`) is
not sent until its address is written in.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contactbook.extensions import db
from contactbook.messaging.providers import AmbiguousFailure, PermanentFailure, ProviderFailure, email_provider
from contactbook.messaging.services.outbox import nudge_after_commit
from contactbook.models import AccountEmail, AccountEmailStatus
from contactbook.models.base import utcnow

SEND_TASK = "accounts.send_emails"
MAX_ATTEMPTS = 8


def queue(to: str, subject: str, body: str, *, dedupe_key: str | None = None) -> bool:
    """Write an email to send after the caller's commit; False when `dedupe_key` was already queued."""
    if dedupe_key is not None:
        if db.session.scalar(select(AccountEmail.id).where(AccountEmail.dedupe_key == dedupe_key)) is not None:
            return False
        try:
            with db.session.begin_nested():
                db.session.add(AccountEmail(to_address=to, subject=subject[:200], body=body, dedupe_key=dedupe_key))
        except IntegrityError:  # written meanwhile by a concurrent run
            return False
    else:
        db.session.add(AccountEmail(to_address=to, subject=subject[:200], body=body))
        db.session.flush()
    nudge_after_commit(SEND_TASK)
    return True


def send_due(limit: int = 200) -> dict[str, int]:
    """Send the queued emails that are due, each once; commit after each (a crash resends at most one)."""
    provider = email_provider(current_app._get_current_object())  # type: ignore[attr-defined]
    counts = {"sent": 0, "retry": 0, "failed": 0}
    ids = list(
        db.session.scalars(
            select(AccountEmail.id)
            .where(
                AccountEmail.status == AccountEmailStatus.QUEUED,
                AccountEmail.next_attempt_at <= utcnow(),
                AccountEmail.to_address != "",
            )
            .order_by(AccountEmail.id)
            .limit(limit)
        )
    )
    for email_id in ids:
        email = db.session.scalar(
            select(AccountEmail)
            .where(
                AccountEmail.id == email_id,
                AccountEmail.status == AccountEmailStatus.QUEUED,
                AccountEmail.to_address != "",
            )
            .with_for_update(skip_locked=True)
        )
        if email is None:  # sent meanwhile by another worker
            db.session.commit()
            continue
        email.attempts += 1
        try:
            provider.send_email(email.to_address, email.subject, email.body)
        except (PermanentFailure, AmbiguousFailure) as exc:  # refused, or perhaps sent: never sent again
            email.status, email.error = AccountEmailStatus.FAILED, str(exc)[:300]
            counts["failed"] += 1
        except ProviderFailure as exc:
            email.error = str(exc)[:300]
            if email.attempts >= MAX_ATTEMPTS:
                email.status = AccountEmailStatus.FAILED
                counts["failed"] += 1
            else:
                email.next_attempt_at = utcnow() + timedelta(seconds=30 * 2**email.attempts)
                counts["retry"] += 1
        else:
            email.status, email.sent_at, email.error = AccountEmailStatus.SENT, utcnow(), None
            counts["sent"] += 1
        db.session.commit()
    return counts
