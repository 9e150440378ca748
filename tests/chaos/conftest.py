"""The chaos tests use the delivery fixtures (fake Twilio, SMTP server, worker, data builder)."""

from tests.messaging.conftest import (  # noqa: F401 (fixtures)
    _fake_twilio_process,
    _smtp_controller,
    celery_client,
    delivery_worker,
    fake_twilio,
    smtp_server,
)
