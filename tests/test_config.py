"""Settings: defaults for one machine, what production refuses, and create_app with overrides."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from config import DEFAULT_SECRET_KEY, INSTANCE, ConfigError, load_config
from contactbook import create_app
from contactbook.extensions import db
from tests.conftest import app_settings as settings_for_tests

PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "x" * 48}


def test_defaults_use_sqlite_in_the_instance_folder_and_local_redis() -> None:
    config = load_config(environ={})
    assert config["APP_ENV"] == "development"
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{INSTANCE / 'contactbook.db'}"
    assert config["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert config["RATELIMIT_STORAGE_URI"] == config["REDIS_URL"]


def test_defaults_limit_failed_logins_per_account_and_per_address() -> None:
    config = load_config(environ={})
    assert config["RATELIMIT_ENABLED"] is True
    assert config["LOGIN_LIMIT_PER_ACCOUNT"] == "5 per 15 minutes"
    assert config["LOGIN_LIMIT_PER_ADDRESS"] == "30 per 15 minutes"


def test_defaults_keep_csrf_and_cookie_protections_on_and_dev_pages_off() -> None:
    config = load_config(environ={})
    assert config["WTF_CSRF_ENABLED"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["DEV_PAGES"] is False
    assert config["TESTING"] is False


def test_defaults_are_vietnamese_in_the_vietnam_timezone() -> None:
    config = load_config(environ={})
    assert config["BABEL_DEFAULT_LOCALE"] == "vi"
    assert config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Ho_Chi_Minh"


def test_environment_values_are_parsed_to_their_types() -> None:
    config = load_config(
        environ={"DEV_PAGES": "yes", "SESSION_COOKIE_SECURE": "1", "ARGON2_TIME_COST": "5", "RATELIMIT_ENABLED": "off"}
    )
    assert config["DEV_PAGES"] is True
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["ARGON2_TIME_COST"] == 5
    assert config["RATELIMIT_ENABLED"] is False


def test_an_unparsable_number_is_a_config_error_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="SMTP_PORT"):
        load_config(environ={"SMTP_PORT": "twenty-five"})


def test_overrides_win_over_the_environment() -> None:
    config = load_config(environ={"BASE_DOMAIN": "from-env.vn"}, overrides={"BASE_DOMAIN": "from-override.vn"})
    assert config["BASE_DOMAIN"] == "from-override.vn"


def test_app_env_test_turns_testing_on() -> None:
    assert load_config(environ={"APP_ENV": "test"})["TESTING"] is True


@pytest.mark.parametrize("secret", [DEFAULT_SECRET_KEY, ""], ids=["default", "empty"])
def test_production_refuses_the_default_or_empty_secret_key(secret: str) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(environ={"APP_ENV": "production", "SECRET_KEY": secret})


def test_production_refuses_dev_pages() -> None:
    with pytest.raises(ConfigError, match="DEV_PAGES"):
        load_config(environ={**PRODUCTION, "DEV_PAGES": "true"})


def test_production_starts_with_a_real_secret_key() -> None:
    config = load_config(environ=PRODUCTION)
    assert config["SECRET_KEY"] == PRODUCTION["SECRET_KEY"]
    assert config["TESTING"] is False


def test_create_app_refuses_production_with_the_default_secret_key() -> None:
    with pytest.raises(ConfigError):
        create_app({"APP_ENV": "production", "SECRET_KEY": DEFAULT_SECRET_KEY})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db.internal:5432/sll", "postgresql+psycopg://u:p@db.internal:5432/sll"),
        ("postgresql://u:p@db.internal:5432/sll", "postgresql+psycopg://u:p@db.internal:5432/sll"),
        ("postgresql+psycopg://u:p@db.internal/sll", "postgresql+psycopg://u:p@db.internal/sll"),
        ("sqlite:////var/lib/sll.db", "sqlite:////var/lib/sll.db"),
    ],
    ids=["heroku-style", "plain", "already-psycopg", "sqlite-untouched"],
)
def test_database_urls_are_normalised_to_the_psycopg_driver(given: str, expected: str) -> None:
    assert load_config(environ={"DATABASE_URL": given})["SQLALCHEMY_DATABASE_URI"] == expected


@pytest.fixture
def built_app(urls: dict[str, str]) -> Iterator[Flask]:
    """A second app with overrides. It keeps the test Redis: the limiter object is shared by every app."""
    application = create_app({**settings_for_tests(urls), "DEFAULT_LOCALE": "en", "BASE_DOMAIN": "so.example.vn"})
    yield application
    with application.app_context():
        db.engine.dispose()


def test_create_app_applies_overrides_to_its_config(built_app: Flask) -> None:
    assert built_app.config["BASE_DOMAIN"] == "so.example.vn"
    assert built_app.config["BABEL_DEFAULT_LOCALE"] == "en"


def test_create_app_registers_every_blueprint(built_app: Flask) -> None:
    endpoints = {rule.endpoint for rule in built_app.url_map.iter_rules()}
    assert {"auth.school_login", "schools.staff_grants", "platform.school_new", "audit.log", "dev.outbox"} <= endpoints


def test_created_app_serves_pages_with_the_overridden_settings(built_app: Flask) -> None:
    response = built_app.test_client().get("/login")
    assert response.status_code == 200
    assert '<html lang="en">' in response.get_data(as_text=True)
    assert built_app.test_client().get("/healthz").get_json() == {"status": "ok"}
