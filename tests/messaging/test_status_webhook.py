"""The Twilio status webhook: bounded fields, and a report it cannot record is one Twilio retries."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from twilio.request_validator import RequestValidator

from contactbook import create_app
from contactbook.extensions import db
from contactbook.messaging.services import record_status
from contactbook.models import Message, MessageStatus
from tests.conftest import app_settings
from tests.factories import World
from tests.messaging.test_early_callbacks import _message
from tests.support import browser

TOKEN = "test-auth-token"
CALLBACK_URL = "https://contactbook.test/webhooks/twilio/status"
WEBHOOK = "/webhooks/twilio/status"


@pytest.fixture
def signing(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "TWILIO_STATUS_CALLBACK_URL", CALLBACK_URL)


def signed_post(app: Flask, params: dict[str, str]) -> tuple[int, dict[str, str], str]:
    signature = RequestValidator(TOKEN).compute_signature(CALLBACK_URL, params)
    response = browser(app).post(WEBHOOK, data=params, headers={"X-Twilio-Signature": signature})
    return response.status_code, dict(response.headers), response.get_data(as_text=True)


def reloaded(message: Message) -> Message:
    db.session.expire_all()
    found = db.session.get(Message, message.id)
    assert found is not None
    return found


def test_a_report_with_an_error_code_is_recorded(app: Flask, world: World, signing: None) -> None:
    message = _message(world, MessageStatus.SENT, "SM-normal")
    params = {"MessageSid": "SM-normal", "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert signed_post(app, params)[0] == 204
    assert (reloaded(message).status, reloaded(message).error) == (MessageStatus.UNDELIVERED, "carrier error 30003")


@pytest.mark.parametrize(
    "field", ["ErrorCode", "MessageSid", "MessageStatus"], ids=["error-code", "message-sid", "message-status"]
)
def test_an_over_long_field_is_refused_and_changes_nothing(app: Flask, world: World, signing: None, field: str) -> None:
    message = _message(world, MessageStatus.SENT, "SM-long")
    params = {"MessageSid": "SM-long", "MessageStatus": "undelivered", "ErrorCode": "30003", field: "9" * 5000}

    status, _, body = signed_post(app, params)

    assert status == 400
    assert field in body
    assert (reloaded(message).status, reloaded(message).error) == (MessageStatus.SENT, None)


def test_a_long_error_code_is_never_stored_past_its_column(world: World) -> None:
    """The recording itself bounds what it stores (PostgreSQL enforces the column's size)."""
    message = _message(world, MessageStatus.SENT, "SM-huge")
    assert record_status("SM-huge", "undelivered", "7" * 5000) is True
    error = reloaded(message).error
    assert error is not None
    assert len(error) == Message.error.type.length
    assert error.startswith("carrier error 777")


@pytest.fixture
def broken_app(urls: dict[str, str], tmp_path: Path) -> Iterator[Flask]:
    """The app with a database it cannot open (the same Redis: the limiter object is shared)."""
    settings = {
        **app_settings(urls),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-folder' / 'gone.db'}",
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_STATUS_CALLBACK_URL": CALLBACK_URL,
    }
    application = create_app(settings)
    yield application
    with application.app_context():
        db.engine.dispose()


def test_a_report_the_database_cannot_take_asks_twilio_to_retry_and_is_logged(
    broken_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    params = {"MessageSid": "SM-retry", "MessageStatus": "delivered"}
    with caplog.at_level(logging.ERROR):
        status, headers, _ = signed_post(broken_app, params)
    assert status == 503
    assert int(headers["Retry-After"]) > 0
    assert any("SM-retry" in record.getMessage() for record in caplog.records)
