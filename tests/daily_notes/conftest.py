"""The delivery fixtures (fake Twilio, SMTP server, Celery client) for the daily notes' end-to-end tests."""

from __future__ import annotations

from tests.messaging.conftest import (  # noqa: F401 (fixtures)
    _fake_twilio_process,
    _smtp_controller,
    celery_client,
    fake_twilio,
    smtp_server,
)
