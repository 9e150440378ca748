"""What became of a message, and the one place that decides whether a failed send is tried again."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_

from contactbook.messaging.providers.base import ProviderFailure, SendResult, TemporaryFailure
from contactbook.messaging.vocabulary import FailureKind
from contactbook.models import Message, MessageStatus

MAX_ATTEMPTS = 6
NO_LONGER_ELIGIBLE = "no longer eligible (opted out or consent withdrawn)"


@dataclass(frozen=True)
class Outcome:
    """A message's new status; `reason` says why it was not (or may not have been) sent."""

    status: MessageStatus
    reason: str | None = None
    kind: FailureKind | None = None  # for a failed send: whether it may be tried again
    code: str | None = None  # the provider's code for a failed send
    provider_ref: str | None = None
    next_attempt_at: datetime | None = None  # set when the message goes back to the queue


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with full jitter: up to 5 s, 10 s, 20 s … capped at 10 minutes."""
    ceiling = min(5 * 2 ** max(attempts - 1, 0), 600)
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 (jitter, not security)


def outcome_of(result: SendResult | Exception, *, channel: str, attempts: int, now: datetime) -> Outcome:
    """The outcome of the `attempts`-th send of a message: sent, or its failure's kind decides.

    Temporary failures go back to the queue with a backoff until MAX_ATTEMPTS, permanent ones fail at once,
    and an SMS that may have reached the provider is `ambiguous`, never resent. An ambiguous email (the
    connection dropped during DATA) is tried again: a second email is a lesser harm than none.
    """
    if isinstance(result, SendResult):
        return Outcome(MessageStatus.SENT, provider_ref=result.provider_ref)
    failure = result if isinstance(result, ProviderFailure) else TemporaryFailure(f"unexpected error: {result!r}")
    code = None if failure.code is None else str(failure.code)
    if failure.kind == FailureKind.PERMANENT:
        return Outcome(MessageStatus.FAILED, _reason("permanent", failure), FailureKind.PERMANENT, code)
    if failure.kind == FailureKind.AMBIGUOUS and channel == "sms":
        return Outcome(MessageStatus.AMBIGUOUS, _reason("ambiguous", failure), FailureKind.AMBIGUOUS, code)
    # Whatever else went wrong is tried again later, so it is temporary, and so is giving up on it.
    if attempts >= MAX_ATTEMPTS:
        reason = f"gave up after {attempts} attempts: {failure}"[:300]
        return Outcome(MessageStatus.FAILED, reason, FailureKind.TEMPORARY, code)
    retry_at = now + backoff(attempts)
    return Outcome(MessageStatus.QUEUED, _reason("temporary", failure), FailureKind.TEMPORARY, code, None, retry_at)


def _reason(prefix: str, failure: ProviderFailure) -> str:
    return f"{prefix}: {failure}"[:300]


def worth_another_try() -> ColumnElement[bool]:
    """Failed messages that may be sent again: their failure was temporary (the provider or network
    was away, or retries ran out). Permanent refusals would fail the same way; ambiguous ones may
    have gone already."""
    return and_(Message.status == MessageStatus.FAILED, Message.failure_kind == FailureKind.TEMPORARY)
