"""A live server and a headless Chromium for tests that drive the app through a real browser.

The browser is Debian's Chromium (`/usr/bin/chromium`, installed by CI), driven by Playwright; no
browser is downloaded. A missing Chromium fails the test with a clear message instead of skipping it.
The network is closed, so Chromium is started without any background traffic.

The browser talks to the app over HTTP in another thread, so its data must be committed for real:
mark such tests `@pytest.mark.committed` and use `committed_db` (see tests/conftest.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, sync_playwright
from werkzeug.serving import make_server

from tests.messaging.conftest import (
    AUTH_TOKEN,
    DeliveryWorker,
    FakeTwilio,
    SmtpServer,
    delivery_settings,
    free_port,
    start_fake_twilio,
    worker_env,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A school's own address (`<slug>.<BASE_DOMAIN>`, contactbook.test in the tests) reaches the live server.
    "--host-resolver-rules=MAP *.contactbook.test 127.0.0.1",
]
# Teachers mostly use phones: a common phone's CSS viewport.
PHONE: ViewportSize = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000
WEBHOOK = "/webhooks/twilio/status"
CALLBACK_DELAY = 1.0  # seconds before each of a message's status callbacks


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The session app served over HTTP on a free local port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless; fails (never skips) when it is not installed."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium is required for the browser tests but {CHROMIUM} is missing: "
            "install Debian's package (apt-get install chromium), as CI does.",
            pytrace=False,
        )
    browser = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=60_000
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def browser_page(chromium: Browser) -> Iterator[Page]:
    """A fresh browser context per test (own cookies): Vietnamese, phone-sized, touch."""
    context = chromium.new_context(
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


# --- Delivery: a fake Twilio posting callbacks to the live server, and a real worker ----------------


@pytest.fixture
def callback_url(app: Flask, live_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The live server's webhook, and the app checking signatures against it (restored afterwards)."""
    url = live_server + WEBHOOK
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setitem(app.config, "TWILIO_STATUS_CALLBACK_URL", url)
    return url


@pytest.fixture
def calling_back_twilio(callback_url: str) -> Iterator[FakeTwilio]:
    """A fake Twilio of its own, posting signed callbacks (queued, sent, delivered) to each message's callback
    URL: the live server's webhook, where the worker points them (`sms_worker`)."""
    fake = start_fake_twilio(callbacks=True)
    try:
        # As Twilio's, the reports come after the API's answer: 1 s apart, so "delivered" arrives after
        # the page has seen every message "sent" (it must keep asking).
        fake.configure(callback_delay=CALLBACK_DELAY)
        yield fake
    finally:
        fake.process.terminate()
        fake.process.wait(timeout=10)


@pytest.fixture
def sms_worker(urls: dict[str, str], calling_back_twilio: FakeTwilio, callback_url: str) -> Iterator[DeliveryWorker]:
    """A real Celery worker sending SMS through the fake Twilio (nobody here has email: no SMTP needed)."""
    unused_smtp = SmtpServer("127.0.0.1", free_port())
    settings = delivery_settings(
        calling_back_twilio, unused_smtp, TWILIO_STATUS_CALLBACK_URL=callback_url, EMAIL_PROVIDER="console"
    )
    worker = DeliveryWorker(worker_env(urls, settings))
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
