"""A forgotten password: asking for a link oneself, at a school's address (its staff) or the platform's.

The answer is the same whether the account exists, and so is the work behind it: the request writes one
row, the same statements for any name, and commits. Whether the account exists is found after the answer,
by the `accounts.answer_reset_requests` task (nudged after the commit; the beat sweep answers whatever a
lost nudge left): it issues the link and writes the email into that row, or ends the row with the reason.
The row is an `AccountEmail` whose address is not known yet (empty), so nothing sends it before its account
is found. Asking is throttled per address and per account name, counted before anything is looked up.
"""

from __future__ import annotations

import json
import logging
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask import request as http_request
from limits import parse
from sqlalchemy import select

from contactbook.accounts.services import mail, tokens
from contactbook.accounts.services.recovery import link_email
from contactbook.audit import services as audit
from contactbook.auth import throttle
from contactbook.extensions import db
from contactbook.messaging.services.outbox import nudge_after_commit
from contactbook.models import AccountEmail, AccountEmailStatus, School, SchoolStatus, TokenPurpose, User
from contactbook.models.base import utcnow
from contactbook.tenancy import school_scope

# Asking for reset links: per address (every account together) and per account name (any address).
LIMIT_PER_ADDRESS = "10 per hour"
LIMIT_PER_ACCOUNT = "3 per hour"
ANSWER_TASK = "accounts.answer_reset_requests"
REQUEST = "password-reset-request"  # the subject of a request's row until its account is found
NOT_AN_ACCOUNT = "no active account with an email address"
TOO_LATE = "asked longer ago than a link lasts"
GONE = "asked at a school that is no longer active"
UNANSWERABLE = "could not be answered (see the worker's log)"

logger = logging.getLogger(__name__)


def count_request(school: School | None, username: str, address: str) -> bool:
    """Count one request for a reset link; False when a limit is reached (refuse it)."""
    account = f"{school.slug if school else '-'}:{username.strip().lower()}"
    return (
        throttle.count(
            (
                (parse(LIMIT_PER_ADDRESS), ("reset-address", address)),
                (parse(LIMIT_PER_ACCOUNT), ("reset-account", account)),
            )
        )
        is not None
    )


def request_reset(school: School | None, username: str) -> None:
    """Record a request for a reset link to the account `username` of `school` (None: platform accounts).

    The same row and statements whatever the name: the task finds the account after the answer, and emails
    it a link if it exists, is active and has an email address.
    """
    from contactbook.family.services.signin import public_base

    request = {
        "school_id": school.id if school is not None else None,
        "username": username.strip().lower(),
        "base": public_base(),  # where the link points: the address the request came to (when it is ours)
        "ip": http_request.remote_addr,  # for the audit row, written by the worker
    }
    # Never due as an email until its account is found (a worker of an older release, which knows nothing of
    # requests, leaves it alone too): answering it makes it due.
    never = datetime(9999, 12, 31, tzinfo=UTC)
    db.session.add(AccountEmail(to_address="", subject=REQUEST, body=json.dumps(request), next_attempt_at=never))
    nudge_after_commit(ANSWER_TASK)
    db.session.commit()


def answer_requests(limit: int = 200) -> dict[str, int]:
    """Answer the recorded requests, each once: a link and its email for an account that may have one, else
    the row ends with the reason. Commits after each (safe to run twice, and by two workers at once)."""
    counts = {"emailed": 0, "ended": 0}
    ids = list(db.session.scalars(select(AccountEmail.id).where(*_waiting()).order_by(AccountEmail.id).limit(limit)))
    for request_id in ids:
        row = _take(request_id)
        if row is None:  # answered meanwhile by another worker
            db.session.commit()
            continue
        try:
            counts["emailed" if _answer(row) else "ended"] += 1
        except Exception:  # one request that cannot be answered does not hold up the others
            db.session.rollback()
            logger.exception("password reset request %s could not be answered", request_id)
            row = _take(request_id)
            if row is None:
                db.session.commit()
                continue
            _end(row, UNANSWERABLE)
            counts["ended"] += 1
    return counts


def _take(request_id: int) -> AccountEmail | None:
    """The request's row, locked until the commit, if it still waits and no other worker holds it."""
    return db.session.scalar(
        select(AccountEmail).where(AccountEmail.id == request_id, *_waiting()).with_for_update(skip_locked=True)
    )


def _waiting() -> tuple[Any, ...]:
    return (
        AccountEmail.status == AccountEmailStatus.QUEUED,
        AccountEmail.to_address == "",
        AccountEmail.subject == REQUEST,
    )


def _answer(row: AccountEmail) -> bool:
    """Answer one request and commit: True when its account was emailed a link."""
    request = json.loads(row.body)
    school_id: int | None = request["school_id"]
    if row.created_at < utcnow() - tokens.LIFETIMES[TokenPurpose.RESET]:
        return _end(row, TOO_LATE)  # a worker long down: a link its asker has given up on is not sent
    school = db.session.get(School, school_id) if school_id is not None else None
    if school_id is not None and (school is None or school.status != SchoolStatus.ACTIVE):
        return _end(row, GONE)
    with school_scope(school_id) if school_id is not None else nullcontext():
        query = select(User).where(User.username == request["username"])
        query = query.where(User.school_id == school_id) if school_id else query.where(User.school_id.is_(None))
        user = db.session.scalar(query)
        if user is None or not user.active or not user.email:
            return _end(row, NOT_AN_ACCOUNT)
        token = tokens.issue(user, TokenPurpose.RESET)
        row.subject, row.body = link_email(user, _link(request["base"], token, school), TokenPurpose.RESET)
        row.to_address, row.next_attempt_at = user.email, utcnow()
        entry = audit.record("password.reset_requested", actor=None, school_id=user.school_id, target=user)
        entry.ip_address = request.get("ip")  # the asker's, not the worker's (which has none)
        nudge_after_commit(mail.SEND_TASK)
        db.session.commit()  # in the school's scope: the token and the audit row are that school's
        return True


def _end(row: AccountEmail, reason: str) -> bool:
    row.status, row.error, row.body = AccountEmailStatus.FAILED, reason, ""
    db.session.commit()
    return False


def _link(base: str, token: str, school: School | None) -> str:
    # As `url_for` builds it in the request: a school's link under its address.
    values = {"token": token} if school is None else {"token": token, "school_slug": school.slug}
    return base + current_app.url_map.bind("localhost").build("accounts.set_password", values)
