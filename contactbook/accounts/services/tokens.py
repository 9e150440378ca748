"""Single-use, expiring links that let an account set its password (set-up after approval, reset).

The link carries `<school id>.<random>` (0 for a platform account); only its SHA-256 is stored (a 256-bit
random value needs no slow hash). The school id tells which school's rows to read it under (row-level
security); changing it changes the hash, so it names no other account.
Issuing a token ends every earlier open token of the same account and purpose, so only the newest link
works; using one marks it used in the same transaction that sets the password.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from contactbook.extensions import db
from contactbook.models import AccountToken, TokenPurpose, User
from contactbook.models.base import utcnow

# How long a link stays open.
LIFETIMES = {TokenPurpose.SETUP: timedelta(hours=72), TokenPurpose.RESET: timedelta(minutes=60)}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: User, purpose: TokenPurpose) -> str:
    """A new link token for `user` (flushed, not committed): the caller commits, then mails the link."""
    now = utcnow()
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    token = f"{user.school_id or 0}.{secrets.token_urlsafe(32)}"
    db.session.add(
        AccountToken(
            user_id=user.id,
            school_id=user.school_id,
            purpose=purpose,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    db.session.flush()
    return token


def school_of(token: str) -> int | None:
    """The school id a token names (None: a platform account's, or no token of ours)."""
    prefix, dot, _rest = token.partition(".")
    if not dot or not prefix.isascii() or not prefix.isdigit() or len(prefix) > 10:
        return None
    value = int(prefix)
    return value if 0 < value <= 2**31 - 1 else None


def open_token(token: str, purpose: TokenPurpose | None = None) -> AccountToken | None:
    """The unused, unexpired token row for `token` (of `purpose` when given), else None."""
    if not token or len(token) > 100:
        return None
    query = select(AccountToken).where(
        AccountToken.token_hash == token_hash(token),
        AccountToken.used_at.is_(None),
        AccountToken.expires_at > utcnow(),
    )
    if purpose is not None:
        query = query.where(AccountToken.purpose == purpose)
    return db.session.scalar(query)


def use(row: AccountToken) -> bool:
    """Spend `row` and every other open link of its account (a password set by one makes the others moot).

    False when a concurrent request spent it first: the caller then changes nothing. The conditional update
    is the lock (PostgreSQL makes the second one wait for the first's commit, then finds nothing to update).
    """
    now = utcnow()
    spent = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not spent.rowcount:  # type: ignore[attr-defined]
        return False
    end_open_links(row.user_id)
    db.session.refresh(row)
    return True


def end_open_links(user_id: int) -> None:
    """Close every unused link of an account (its password was just set or changed)."""
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user_id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
