"""Login throttling: each attempt is counted in Redis, atomically, before its password is checked.

Three fixed-window counters, each a single Redis INCR (the `limits` library's `hit`):
- per address: every login of one address (platform and every school together);
- per account and address: the failures that lock an account for that address only;
- per account across addresses: a higher ceiling, so a storm from one address cannot lock the
  account for everyone, while guesses spread over many addresses still stop.

An attempt is counted before it is verified, so a burst of parallel requests cannot all slip in before
the first one is counted; a successful login gives its counts back (successes do not count).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse, parse_many

from contactbook.extensions import limiter


@dataclass(frozen=True)
class Counted:
    """The counters one attempt was counted in (to give back if it succeeds)."""

    hits: tuple[tuple[RateLimitItem, tuple[str, ...]], ...]  # each a `Check`


Check = tuple[RateLimitItem, tuple[str, ...]]  # a limit and the keys of its counter


def _limit(setting: str) -> RateLimitItem:
    return parse(str(current_app.config[setting]))


def limits_of(setting: str) -> list[RateLimitItem]:
    """The limits a setting names, e.g. `5 per hour;10 per day`."""
    return list(parse_many(str(current_app.config[setting])))


def count(checks: Sequence[Check]) -> Counted | None:
    """Count one attempt in each counter, in order, stopping at the first one already full: None then."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return Counted(())
    counted: list[Check] = []
    for item, keys in checks:
        ok = limiter.limiter.hit(item, *keys)
        counted.append((item, keys))
        if not ok:
            return None
    return Counted(tuple(counted))


def count_attempt(school_slug: str | None, username: str, address: str) -> Counted | None:
    """Count a login attempt; None if a limit is already reached (refuse it without checking)."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return Counted(())
    account = f"{school_slug or '-'}:{username}"
    # In this order, and stopping at the first refusal: attempts refused for one address never
    # reach the account's all-addresses counter, so they cannot lock it for anyone else.
    return count(
        (
            (_limit("LOGIN_LIMIT_PER_ADDRESS"), ("login-address", address)),
            (_limit("LOGIN_LIMIT_PER_ACCOUNT"), ("login-account-address", account, address)),
            (_limit("LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES"), ("login-account", account)),
        )
    )


def give_back(counted: Counted) -> None:
    """Undo the counts of an attempt that succeeded."""
    for item, keys in counted.hits:
        limiter.limiter.hit(item, *keys, cost=-1)
