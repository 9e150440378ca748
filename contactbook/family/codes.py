"""The one-time secrets a family signs in with: a 6-digit code by SMS, a long token in an emailed link.

Stored as HMAC-SHA256 keyed with a key derived from SECRET_KEY, not argon2. A 6-digit code has only a
million values: a slow hash would not stop anyone holding a copy of the table from trying them all (an
hour of argon2 on one machine), while the key, which never sits in the database, does; and the check
stays a few microseconds, so a burst of sign-in attempts cannot tie up the web's two cores the way
argon2's deliberate cost would. Guessing online is stopped by the limits and the 5-try lock
(`contactbook.family.services.signin`). The hash is bound to the channel and the address, so a row's hash
cannot be moved onto another number.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app

CODE_DIGITS = 6
# The stored hash of a sign-in asked for an unknown number or address: nothing was sent, no code opens it.
NEVER_MATCHES = "-"
_PURPOSE = b"contactbook.family.sign-in"


def new_code() -> str:
    """A random 6-digit code, leading zeros kept."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_token() -> str:
    """A random secret for an emailed link (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def _key() -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, _PURPOSE, hashlib.sha256).digest()  # not the key that signs sessions


def secret_hash(channel: str, address: str, secret: str) -> str:
    """The stored form of `secret` sent by `channel` to `address`."""
    message = "\x00".join((channel, address, secret)).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def matches(stored: str, channel: str, address: str, secret: str) -> bool:
    """Whether `secret` is the one stored (in constant time; never for `NEVER_MATCHES`)."""
    return hmac.compare_digest(stored, secret_hash(channel, address, secret))


def plain_code(typed: str) -> str | None:
    """The 6 ASCII digits of a typed code (spaces and dashes dropped), or None if it is not one."""
    digits = "".join(typed.split()).replace("-", "")
    if len(digits) == CODE_DIGITS and digits.isascii() and digits.isdigit():
        return digits
    return None
