"""Channel providers behind small interfaces, chosen by configuration.

Each process builds its providers once, on first use, and keeps them in `app.extensions`; a forked
worker builds its own rather than sharing its parent's connections.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import Flask

from contactbook.messaging.providers.base import (
    AmbiguousFailure,
    EmailProvider,
    PermanentFailure,
    ProviderFailure,
    SendResult,
    SmsProvider,
    TemporaryFailure,
)

EXTENSION_KEY = "contactbook.messaging.providers"
P = TypeVar("P")


def sms_provider(app: Flask) -> SmsProvider:
    """The SMS provider named by `SMS_PROVIDER` (console or twilio), built once per process."""
    return _cached(app, "sms", _build_sms_provider)


def email_provider(app: Flask) -> EmailProvider:
    """The email provider named by `EMAIL_PROVIDER` (console or smtp), built once per process."""
    return _cached(app, "email", _build_email_provider)


def _cached(app: Flask, channel: str, build: Callable[[Mapping[str, Any]], P]) -> P:
    cache: dict[str, Any] | None = app.extensions.get(EXTENSION_KEY)
    if cache is None or cache["pid"] != os.getpid():
        cache = app.extensions[EXTENSION_KEY] = {"pid": os.getpid()}
    if channel not in cache:
        cache[channel] = build(app.config)
    provider: P = cache[channel]
    return provider


def _build_sms_provider(config: Mapping[str, Any]) -> SmsProvider:
    name = config["SMS_PROVIDER"]
    if name == "console":
        from contactbook.messaging.providers.console import ConsoleSmsProvider

        return ConsoleSmsProvider(config["REDIS_URL"])
    if name == "twilio":
        from contactbook.messaging.providers.twilio import TwilioSmsProvider

        return TwilioSmsProvider(
            config["TWILIO_ACCOUNT_SID"],
            config["TWILIO_AUTH_TOKEN"],
            messaging_service_sid=config["TWILIO_MESSAGING_SERVICE_SID"],
            status_callback=config["TWILIO_STATUS_CALLBACK_URL"],
            validity_period=config["TWILIO_VALIDITY_PERIOD"],
            base_url=config["TWILIO_BASE_URL"],
            concurrency=config["SMS_CONCURRENCY"],
            timeout=config.get("TWILIO_TIMEOUT", 10.0),
        )
    raise ValueError(f"Unknown SMS_PROVIDER {name!r}")


def _build_email_provider(config: Mapping[str, Any]) -> EmailProvider:
    name = config["EMAIL_PROVIDER"]
    if name == "console":
        from contactbook.messaging.providers.console import ConsoleEmailProvider

        return ConsoleEmailProvider(config["REDIS_URL"])
    if name == "smtp":
        from contactbook.messaging.providers.smtp import SmtpEmailProvider

        return SmtpEmailProvider(
            config["SMTP_HOST"],
            config["SMTP_PORT"],
            user=config["SMTP_USER"],
            password=config["SMTP_PASSWORD"],
            starttls=config["SMTP_STARTTLS"],
            mail_from=config["MAIL_FROM"],
            timeout=config["SMTP_TIMEOUT"],
        )
    raise ValueError(f"Unknown EMAIL_PROVIDER {name!r}")


__all__ = [
    "AmbiguousFailure",
    "EmailProvider",
    "PermanentFailure",
    "ProviderFailure",
    "SendResult",
    "SmsProvider",
    "TemporaryFailure",
    "email_provider",
    "sms_provider",
]
