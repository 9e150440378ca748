"""The delivery fixtures (fake Twilio, SMTP server, a real delivery worker) for the early warnings' end-to-end test."""

from tests.messaging.conftest import (  # noqa: F401 (fixtures)
    _fake_twilio_process,
    _smtp_controller,
    celery_client,
    delivery_worker,
    fake_twilio,
    smtp_server,
)
