"""Channel providers behind small interfaces, chosen by configuration."""

from __future__ import annotations

from flask import Flask

from contactbook.messaging.providers.base import EmailProvider, SmsProvider
from contactbook.messaging.providers.console import ConsoleEmailProvider, ConsoleSmsProvider


def sms_provider(app: Flask) -> SmsProvider:
    """The SMS provider named by `SMS_PROVIDER`."""
    name = app.config["SMS_PROVIDER"]
    if name == "console":
        return ConsoleSmsProvider(app.config["REDIS_URL"])
    raise ValueError(f"Unknown SMS_PROVIDER {name!r}")


def email_provider(app: Flask) -> EmailProvider:
    """The email provider named by `EMAIL_PROVIDER`."""
    name = app.config["EMAIL_PROVIDER"]
    if name == "console":
        return ConsoleEmailProvider(app.config["REDIS_URL"])
    raise ValueError(f"Unknown EMAIL_PROVIDER {name!r}")


__all__ = ["EmailProvider", "SmsProvider", "email_provider", "sms_provider"]
