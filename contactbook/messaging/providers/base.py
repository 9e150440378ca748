"""The interfaces every channel provider implements (Twilio, SMTP, console; later ZNS, brandname)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SendResult:
    """What a provider answered: its reference for the message."""

    provider_ref: str


class SmsProvider(Protocol):
    def send_sms(self, to: str, body: str) -> SendResult:
        """Hand one SMS to the provider; raise on failure."""
        ...


class EmailProvider(Protocol):
    def send_email(self, to: str, subject: str, text_body: str) -> SendResult:
        """Hand one email to the provider; raise on failure."""
        ...
