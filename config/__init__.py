"""Settings from the environment, with defaults that run on one machine.

Every setting the application reads is listed in `SETTINGS`; the README documents each one.
`load_config()` returns a plain dict that `create_app` hands to Flask.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
DEFAULT_SECRET_KEY = "dev-only-secret-change-me"  # noqa: S105 (refused in production, see _derive)


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value: str) -> int:
    return int(value)


def _float(value: str) -> float:
    return float(value)


def _str(value: str) -> str:
    return value


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default and how to read it."""

    name: str
    default: str
    parse: Callable[[str], Any] = _str


SETTINGS: tuple[Setting, ...] = (
    Setting("APP_ENV", "development"),
    Setting("SECRET_KEY", DEFAULT_SECRET_KEY),
    Setting("DATABASE_URL", f"sqlite:///{INSTANCE / 'contactbook.db'}"),
    Setting("REDIS_URL", "redis://127.0.0.1:6379/0"),
    Setting("BASE_DOMAIN", "localhost"),
    Setting("PORTAL_URL", ""),
    Setting("DEFAULT_LOCALE", "vi"),
    Setting("TIMEZONE", "Asia/Ho_Chi_Minh"),
    Setting("DEV_PAGES", "false", _bool),
    Setting("SESSION_COOKIE_SECURE", "false", _bool),
    Setting("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
    Setting("LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES", "50 per 15 minutes"),
    Setting("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes"),
    Setting("FAMILY_SIGN_IN_LIMIT_PER_ADDRESS", "5 per hour;10 per day"),
    Setting("FAMILY_SIGN_IN_LIMIT_PER_CLIENT", "60 per 15 minutes"),
    Setting("PUBLIC_URL", ""),
    Setting("RATELIMIT_ENABLED", "true", _bool),
    Setting("ARGON2_TIME_COST", "3", _int),
    Setting("ARGON2_MEMORY_COST", "65536", _int),
    Setting("SMS_PROVIDER", "console"),
    Setting("EMAIL_PROVIDER", "console"),
    Setting("TWILIO_ACCOUNT_SID", ""),
    Setting("TWILIO_AUTH_TOKEN", ""),
    Setting("TWILIO_MESSAGING_SERVICE_SID", ""),
    Setting("TWILIO_BASE_URL", ""),
    Setting("TWILIO_STATUS_CALLBACK_URL", ""),
    Setting("TWILIO_VALIDITY_PERIOD", "3600", _int),
    Setting("SMS_CONCURRENCY", "64", _int),
    Setting("SMTP_HOST", "127.0.0.1"),
    Setting("SMTP_PORT", "25", _int),
    Setting("SMTP_USER", ""),
    Setting("SMTP_PASSWORD", ""),
    Setting("SMTP_STARTTLS", "false", _bool),
    Setting("SMTP_TIMEOUT", "10", _int),
    Setting("MAIL_FROM", "so-lien-lac@localhost"),
    Setting("PROXY_FIX", "false", _bool),
    Setting("SMS_RATE", "100", _float),
    Setting("TWILIO_TIMEOUT", "10", _float),
    Setting("MESSAGE_STALE_CLAIM_SECONDS", "60", _float),
    Setting("MESSAGE_STALE_SENDING_SECONDS", "120", _float),
    Setting("EMAIL_RATE", "50", _float),
    # How long before a preschool's digest hour its daily notes are gathered into that evening's messages.
    Setting("DAILY_NOTES_LEAD_MINUTES", "15", _int),
)


def _portal_url(base_domain: str) -> str:
    """The families' portal on the main domain, as messages to families name it (HTTPS beyond a dev machine)."""
    if base_domain == "localhost":
        return "http://localhost:5000/family/"
    return f"https://{base_domain}/family/"


class ConfigError(RuntimeError):
    """The settings cannot run the application safely."""


def load_config(environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Read every setting from `environ` (default: the process environment), then apply overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = env.get(setting.name, setting.default)
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{setting.name}={raw!r} is not valid: {exc}") from exc
    values.update(overrides or {})
    return _derive(values)


def _derive(values: dict[str, Any]) -> dict[str, Any]:
    """Turn our settings into the keys Flask and its extensions read, and check them."""
    production = values["APP_ENV"] == "production"
    if production and values["SECRET_KEY"] in ("", DEFAULT_SECRET_KEY):
        raise ConfigError("SECRET_KEY must be set to a long random value in production.")
    if production and values["DEV_PAGES"]:
        raise ConfigError("DEV_PAGES cannot be enabled in production.")
    database_url = values["DATABASE_URL"]
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://") :]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    values.update(
        PORTAL_URL=values.get("PORTAL_URL") or _portal_url(values["BASE_DOMAIN"]),
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        RATELIMIT_STORAGE_URI=values["REDIS_URL"],
        RATELIMIT_HEADERS_ENABLED=True,
        BABEL_DEFAULT_LOCALE=values["DEFAULT_LOCALE"],
        BABEL_DEFAULT_TIMEZONE=values["TIMEZONE"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,
        TESTING=values.get("TESTING", values["APP_ENV"] == "test"),
    )
    values.setdefault("WTF_CSRF_ENABLED", True)
    return values
