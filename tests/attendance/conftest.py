"""The delivery fixtures (fake Twilio, SMTP server, a real worker), shared with the messaging tests."""

from tests.messaging.conftest import (  # noqa: F401 (fixtures, found by name)
    _fake_twilio_process,
    _smtp_controller,
    delivery_worker,
    fake_twilio,
    smtp_server,
)
