"""The interfaces every channel provider implements (Twilio, SMTP, console; later ZNS, brandname).

A provider answers each message with a `SendResult` or one of three failures, and the caller's retry
policy decides from the failure's class alone:

- `TemporaryFailure`: nothing was delivered and trying again later is safe (HTTP 429/5xx, connection
  refused, SMTP 4xx).
- `PermanentFailure`: the provider refused this message for good (Twilio 21211, 21610, 21614, 21617,
  other 4xx; SMTP 5xx). Never retry; `unusable_contact` says the address itself is bad.
- `AmbiguousFailure`: the request left us but no answer came back (timeout, dropped connection), so the
  provider may have accepted it. Retrying could send twice.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol

from contactbook.messaging.vocabulary import FailureKind

# Twilio error codes that mean the phone number cannot receive our SMS (invalid, not mobile, opted out).
UNUSABLE_NUMBER_CODES = frozenset({21211, 21614, 21610})
# Twilio error codes that are never worth retrying (the message itself or the number is refused).
PERMANENT_TWILIO_CODES = UNUSABLE_NUMBER_CODES | {21617}


@dataclass(frozen=True)
class SendResult:
    """What a provider answered: its reference for the message."""

    provider_ref: str


class ProviderFailure(Exception):
    """A message the provider did not take; the subclass says whether trying again is safe.

    `code` is the provider's own code when it gave one (Twilio error code, SMTP reply code, HTTP status).
    """

    kind: FailureKind

    def __init__(self, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code

    def __str__(self) -> str:
        return f"{self.reason} (code {self.code})" if self.code is not None else self.reason


class TemporaryFailure(ProviderFailure):
    """Not delivered, and safe to try again later."""

    kind = FailureKind.TEMPORARY


class PermanentFailure(ProviderFailure):
    """Refused for good: never retry. `code` is the provider's (Twilio error code or SMTP reply code)."""

    kind = FailureKind.PERMANENT

    def __init__(self, reason: str, code: int | None = None, *, unusable_contact: bool | None = None) -> None:
        super().__init__(reason, code)
        self.unusable_contact = code in UNUSABLE_NUMBER_CODES if unusable_contact is None else unusable_contact


class AmbiguousFailure(ProviderFailure):
    """The request was sent but its outcome is unknown: the provider may have accepted it."""

    kind = FailureKind.AMBIGUOUS


def answered(results: list[SendResult | Exception]) -> Future[list[SendResult | Exception]]:
    """`results` as a future that has already come back (a provider that sends while it is called)."""
    future: Future[list[SendResult | Exception]] = Future()
    future.set_result(results)
    return future


class SmsProvider(Protocol):
    def submit_many(self, items: list[tuple[int, str, str]]) -> Future[list[SendResult | Exception]]:
        """`send_many` without waiting for the answers: delivery writes to the database meanwhile."""
        ...

    def send_many(self, items: list[tuple[int, str, str]]) -> list[SendResult | Exception]:
        """Hand `(message_id, to, body)` items over; one result or `ProviderFailure` per item, in order.

        The provider's status reports name the message by `message_id` (Twilio: in the status callback
        URL), so a report settles a message whose send result was never written.
        """
        ...


class EmailProvider(Protocol):
    def send_email(self, to: str, subject: str, text_body: str) -> SendResult:
        """Hand one email to the provider; raise a `ProviderFailure` on failure."""
        ...

    def send_many(self, items: list[tuple[str, str, str, str]]) -> list[SendResult | Exception]:
        """Hand `(message_key, to, subject, text_body)` items over; one result or failure per item, in order."""
        ...
