"""Twilio and SMTP providers against local fakes: what reaches the provider, and how each failure is sorted."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask
from twilio.request_validator import RequestValidator

from config import load_config
from contactbook.messaging.providers import email_provider, sms_provider
from contactbook.messaging.providers.base import AmbiguousFailure, PermanentFailure, SendResult, TemporaryFailure
from contactbook.messaging.providers.smtp import SmtpEmailProvider
from contactbook.messaging.providers.twilio import TwilioSmsProvider, status_callback_for

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"
SERVICE_SID = "MG" + "1" * 32
STATUS_CALLBACK = "https://contactbook.test/webhooks/twilio/status"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


# --- Twilio: the fake server in its own process, and a receiver for its status callbacks ---


class CallbackReceiver(ThreadingHTTPServer):
    """Records the status callbacks the fake Twilio posts: (signature header, form fields)."""

    daemon_threads = True

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str]]] = []
        self.paths: dict[str, list[str]] = {}  # the path and query each callback of a sid was posted to
        self.refuse: dict[str, int] = {}  # path -> how many of its next callbacks to answer 503 (no database)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.refuse.get(self.path, 0) > 0:
                    receiver.refuse[self.path] -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                form = dict(parse_qsl(body.decode(), keep_blank_values=True))
                receiver.received.append((self.headers.get("X-Twilio-Signature", ""), form))
                receiver.paths.setdefault(form["MessageSid"], []).append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server_port}"
        self.url = self.base + "/webhooks/twilio/status"

    def for_sid(self, sid: str) -> list[tuple[str, dict[str, str]]]:
        return [(signature, form) for signature, form in list(self.received) if form["MessageSid"] == sid]


@dataclass
class FakeTwilio:
    url: str

    def call(self, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.url + path, data=data)  # noqa: S310 (the local fake)
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            result: dict[str, Any] = json.load(response)
            return result

    def configure(self, **settings: Any) -> None:
        self.call("/_config", settings)

    def stats(self) -> dict[str, Any]:
        return self.call("/_stats")


@pytest.fixture(scope="module")
def callbacks() -> Iterator[CallbackReceiver]:
    receiver = CallbackReceiver()
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.shutdown()
    receiver.server_close()


def _run_fake(*options: str) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "contactbook.dev.fake_twilio", "--port", str(port), "--auth-token", AUTH_TOKEN]
    process = subprocess.Popen([*command, *options], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(url + "/_stats"), timeout=10)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def fake_twilio_url(callbacks: CallbackReceiver) -> Iterator[str]:
    """A fake posting every message's callbacks to the receiver (`--callback-url`)."""
    yield from _run_fake("--callback-url", callbacks.url)


@pytest.fixture(scope="module")
def calling_back_fake_url() -> Iterator[str]:
    """A fake posting each message's callbacks to the StatusCallback of its request (`--callbacks`), as Twilio."""
    yield from _run_fake("--callbacks")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (the local fake)
            return True
    except OSError:
        return False


@pytest.fixture
def fake(fake_twilio_url: str) -> FakeTwilio:
    server = FakeTwilio(fake_twilio_url)
    server.call("/_reset", {})
    return server


_MADE: list[TwilioSmsProvider] = []


@pytest.fixture(autouse=True)
def _close_providers() -> Iterator[None]:
    """Each provider keeps a loop and its connections for the process's life: close the tests' ones."""
    yield
    while _MADE:
        _MADE.pop().close()


def twilio(base_url: str, **overrides: Any) -> TwilioSmsProvider:
    settings: dict[str, Any] = {
        "messaging_service_sid": SERVICE_SID,
        "status_callback": STATUS_CALLBACK,
        "validity_period": 3600,
        "base_url": base_url,
        "concurrency": 8,
        "timeout": 2.0,
    }
    provider = TwilioSmsProvider(ACCOUNT_SID, AUTH_TOKEN, **{**settings, **overrides})
    _MADE.append(provider)
    return provider


def batch(count: int, body: str = "Lớp 6A1 nghỉ học ngày mai.") -> list[tuple[int, str, str]]:
    return [(i + 1, f"+8491234{i:04d}", f"{body} #{i}") for i in range(count)]


def test_a_batch_reaches_twilio_once_per_message_in_order(fake: FakeTwilio) -> None:
    items = batch(10)
    results = twilio(fake.url).send_many(items)

    assert all(isinstance(result, SendResult) and result.provider_ref.startswith("SM") for result in results)
    assert len({result.provider_ref for result in results if isinstance(result, SendResult)}) == 10
    stats = fake.stats()
    assert stats["total"] == 10 and stats["duplicates"] == {}
    assert stats["messages"] == {f"{to}|{body}": 1 for _, to, body in items}


def test_later_batches_reuse_the_connections_of_the_first(fake: FakeTwilio) -> None:
    provider = twilio(fake.url, concurrency=4)
    try:
        first, second = provider.send_many(batch(8)), provider.send_many(batch(8, body="Lịch thi học kỳ I."))
    finally:
        provider.close()

    assert all(isinstance(result, SendResult) for result in first + second)
    stats = fake.stats()
    assert stats["total"] == 16
    # At most 4 in flight, so at most 4 connections, reused by the second batch; 1 more is this request.
    assert stats["connections"] <= 4 + 1


def test_a_closed_provider_sends_again_on_a_new_loop(fake: FakeTwilio) -> None:
    provider = twilio(fake.url)
    assert isinstance(provider.send_many(batch(1))[0], SendResult)
    provider.close()
    assert isinstance(provider.send_many(batch(1, body="Sau khi đóng"))[0], SendResult)
    provider.close()
    assert fake.stats()["total"] == 2


def test_a_batch_can_be_sent_from_a_thread_already_running_a_loop(fake: FakeTwilio) -> None:
    provider = twilio(fake.url)

    async def host() -> list[Any]:  # a caller that drives its own event loop
        return provider.send_many(batch(3))

    results: list[Any] = []  # in a thread of its own: the test's thread may already run a loop (Playwright's)
    thread = threading.Thread(target=lambda: results.extend(asyncio.run(host())))
    thread.start()
    thread.join(timeout=30)
    assert len(results) == 3 and all(isinstance(result, SendResult) for result in results)
    assert fake.stats()["total"] == 3


def test_each_message_names_the_service_its_own_callback_url_and_the_validity_period(fake: FakeTwilio) -> None:
    items = batch(2)
    twilio(fake.url, validity_period=1800).send_many(items)

    callbacks = {params["To"]: params["StatusCallback"] for params in fake.stats()["recent"]}
    assert callbacks == {to: f"{STATUS_CALLBACK}?m={message_id}" for message_id, to, _ in items}
    for params in fake.stats()["recent"]:
        assert params["MessagingServiceSid"] == SERVICE_SID
        assert params["ValidityPeriod"] == "1800"
        assert "From" not in params


def test_a_callback_url_with_a_query_keeps_it_and_adds_the_message_id() -> None:
    assert status_callback_for("https://cb.test/status?school=7", 42) == "https://cb.test/status?school=7&m=42"


def test_a_sender_is_used_when_there_is_no_messaging_service(fake: FakeTwilio) -> None:
    twilio(fake.url, messaging_service_sid="", from_="TRUONGTHCS").send_many([(1, "+84912345678", "Họp phụ huynh")])

    (params,) = fake.stats()["recent"]
    assert params["From"] == "TRUONGTHCS" and "MessagingServiceSid" not in params


def test_refused_numbers_and_bodies_are_permanent_and_only_bad_numbers_are_unusable(fake: FakeTwilio) -> None:
    fake.configure(error_code_for={"+84900000001": 21211, "+84900000002": 21610, "+84900000003": 21614})
    items = [
        (1, "+84912345678", "Thông báo"),  # accepted
        (2, "+84900000001", "Thông báo"),  # invalid
        (3, "+84900000002", "Thông báo"),  # unsubscribed
        (4, "+84900000003", "Thông báo"),  # not a mobile
        (5, "+84912345679", "x" * 1601),  # too long
    ]
    results = twilio(fake.url).send_many(items)

    assert isinstance(results[0], SendResult)
    failures = results[1:]
    assert all(isinstance(failure, PermanentFailure) for failure in failures)
    assert [(f.code, f.unusable_contact) for f in failures if isinstance(f, PermanentFailure)] == [
        (21211, True),
        (21610, True),
        (21614, True),
        (21617, False),
    ]


@pytest.mark.parametrize("setting", ["fail_rate_429", "fail_rate_500"])
def test_rate_limits_and_server_errors_are_temporary(fake: FakeTwilio, setting: str) -> None:
    fake.configure(**{setting: 1.0})
    results = twilio(fake.url).send_many(batch(3))
    assert all(isinstance(result, TemporaryFailure) for result in results)


def test_a_request_without_an_answer_in_time_is_ambiguous(fake: FakeTwilio) -> None:
    fake.configure(timeout_rate=1.0, timeout_sleep=1.5)
    results = twilio(fake.url, timeout=0.3).send_many(batch(2))

    assert all(isinstance(result, AmbiguousFailure) for result in results)
    assert fake.stats()["accepted"] == 2, "the provider did take them: retrying would send twice"


def test_a_connection_dropped_after_sending_is_ambiguous(fake: FakeTwilio) -> None:
    fake.configure(disconnect_rate=1.0)
    results = twilio(fake.url).send_many(batch(2))
    assert all(isinstance(result, AmbiguousFailure) for result in results)


def test_a_refused_connection_is_temporary() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    results = twilio(closed).send_many(batch(2))
    assert all(isinstance(result, TemporaryFailure) for result in results)


def test_status_callbacks_are_signed_and_report_queued_sent_delivered(
    fake: FakeTwilio, callbacks: CallbackReceiver
) -> None:
    fake.configure(undelivered_for={"+84900000009": 30003})
    ok, undelivered = twilio(fake.url).send_many([(1, "+84912345678", "Chào"), (2, "+84900000009", "Chào")])
    assert isinstance(ok, SendResult) and isinstance(undelivered, SendResult)
    wait_until(
        lambda: len(callbacks.for_sid(ok.provider_ref)) == 3 and len(callbacks.for_sid(undelivered.provider_ref)) == 3
    )

    validator = RequestValidator(AUTH_TOKEN)
    for signature, form in callbacks.for_sid(ok.provider_ref) + callbacks.for_sid(undelivered.provider_ref):
        assert validator.validate(callbacks.url, form, signature)
        assert not validator.validate(callbacks.url, {**form, "MessageStatus": "delivered!"}, signature)
    assert [form["MessageStatus"] for _, form in callbacks.for_sid(ok.provider_ref)] == ["queued", "sent", "delivered"]
    final = callbacks.for_sid(undelivered.provider_ref)[-1][1]
    assert (final["MessageStatus"], final["ErrorCode"], final["To"]) == ("undelivered", "30003", "+84900000009")


def test_status_callbacks_can_come_twice_and_out_of_order(fake: FakeTwilio, callbacks: CallbackReceiver) -> None:
    fake.configure(callback_duplicate=1.0, callback_shuffle=1.0, seed=7)
    (result,) = twilio(fake.url).send_many([(1, "+84912345678", "Chào")])
    assert isinstance(result, SendResult)
    wait_until(lambda: len(callbacks.for_sid(result.provider_ref)) == 6)

    statuses = [form["MessageStatus"] for _, form in callbacks.for_sid(result.provider_ref)]
    assert sorted(statuses) == sorted(["queued", "sent", "delivered"] * 2)


def test_callbacks_go_to_each_messages_own_url_signed_over_the_whole_url(
    calling_back_fake_url: str, callbacks: CallbackReceiver
) -> None:
    fake = FakeTwilio(calling_back_fake_url)
    fake.call("/_reset", {})
    first, second = twilio(fake.url, status_callback=callbacks.url).send_many(batch(2))
    assert isinstance(first, SendResult) and isinstance(second, SendResult)
    wait_until(lambda: len(callbacks.for_sid(first.provider_ref)) == len(callbacks.for_sid(second.provider_ref)) == 3)

    validator = RequestValidator(AUTH_TOKEN)
    for message_id, result in ((1, first), (2, second)):
        assert set(callbacks.paths[result.provider_ref]) == {f"/webhooks/twilio/status?m={message_id}"}
        url = status_callback_for(callbacks.url, message_id)
        for signature, form in callbacks.for_sid(result.provider_ref):
            assert validator.validate(url, form, signature)
            assert not validator.validate(status_callback_for(callbacks.url, 3 - message_id), form, signature)


def test_a_callback_answered_503_is_posted_again_when_retries_are_on(
    calling_back_fake_url: str, callbacks: CallbackReceiver
) -> None:
    fake = FakeTwilio(calling_back_fake_url)
    fake.call("/_reset", {})
    fake.configure(callback_retries=3, callback_retry_delay=0.05)
    callbacks.refuse["/webhooks/twilio/status?m=7"] = 2
    (result,) = twilio(fake.url, status_callback=callbacks.url).send_many([(7, "+84912345678", "Họp phụ huynh")])
    assert isinstance(result, SendResult)
    wait_until(lambda: fake.stats()["callbacks_pending"] == 0)

    assert [form["MessageStatus"] for _, form in callbacks.for_sid(result.provider_ref)] == [
        "queued",
        "sent",
        "delivered",
    ]
    stats = fake.stats()
    assert (stats["callbacks_sent"], stats["callbacks_retried"], stats["callback_errors"]) == (3, 2, 0)


# --- SMTP: a real aiosmtpd server in this process ---


@dataclass
class RecordingHandler:
    """Accepts mail, counting connections; answers chosen codes for chosen recipients or drops the line."""

    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_replies: dict[str, str] = field(default_factory=dict)
    drop_at_mail: set[int] = field(default_factory=set)  # numbers of the MAIL commands to drop the line at
    drop_at_data: set[str] = field(default_factory=set)  # recipients whose DATA drops the line
    data_delay: float = 0.0
    peers: list[Any] = field(default_factory=list)
    delivered: list[Envelope] = field(default_factory=list)
    mails: int = 0

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.mails += 1
        if self.mails in self.drop_at_mail:
            _hang_up(server)
            return "421 gone"
        if session.peer not in self.peers:
            self.peers.append(session.peer)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(self.data_delay)
        (to,) = envelope.rcpt_tos
        if to in self.drop_at_data:
            _hang_up(server)
            return "451 gone"
        if to in self.data_replies:
            return self.data_replies[to]
        self.delivered.append(envelope)
        return "250 Message accepted"

    def parsed(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(envelope.original_content or b"", policy=email.policy.default)
            for envelope in self.delivered
        ]


def _hang_up(server: SMTP) -> None:
    assert server.transport is not None
    server.transport.close()


@pytest.fixture
def smtp_server() -> Iterator[tuple[RecordingHandler, int]]:
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def smtp(port: int, timeout: float = 2.0) -> SmtpEmailProvider:
    return SmtpEmailProvider(
        "127.0.0.1", port, mail_from="Trường THCS Lê Lợi <so-lien-lac@truong.test>", timeout=timeout
    )


def mails(count: int) -> list[tuple[str, str, str, str]]:
    return [
        (f"key-{i}", f"ph{i}@example.test", "Thông báo họp phụ huynh", f"Kính gửi phụ huynh em số {i}.")
        for i in range(count)
    ]


def test_a_batch_of_email_goes_over_one_connection(smtp_server: tuple[RecordingHandler, int]) -> None:
    handler, port = smtp_server
    results = smtp(port).send_many(mails(5))

    assert all(isinstance(result, SendResult) for result in results)
    assert len(handler.peers) == 1
    assert [envelope.rcpt_tos for envelope in handler.delivered] == [[f"ph{i}@example.test"] for i in range(5)]
    assert {envelope.mail_from for envelope in handler.delivered} == {"so-lien-lac@truong.test"}


def test_vietnamese_subject_and_body_arrive_intact(smtp_server: tuple[RecordingHandler, int]) -> None:
    handler, port = smtp_server
    result = smtp(port).send_email("ph@example.test", "Thông báo: lớp 6A1 nghỉ học", "Kính gửi quý phụ huynh,\nĐọc kỹ.")

    (message,) = handler.parsed()
    assert message["Subject"] == "Thông báo: lớp 6A1 nghỉ học"
    assert message["From"].addresses[0].display_name == "Trường THCS Lê Lợi"
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == "Kính gửi quý phụ huynh,\nĐọc kỹ.\n"
    assert message["Message-ID"] == result.provider_ref


def test_4xx_is_temporary_5xx_permanent_and_the_batch_goes_on(smtp_server: tuple[RecordingHandler, int]) -> None:
    handler, port = smtp_server
    handler.rcpt_replies = {
        "ph1@example.test": "450 4.2.1 Mailbox busy",
        "ph2@example.test": "550 5.1.1 No such user",
    }
    handler.data_replies = {"ph3@example.test": "554 5.7.1 Message refused"}
    results = smtp(port).send_many(mails(5))

    assert isinstance(results[0], SendResult) and isinstance(results[4], SendResult)
    assert isinstance(results[1], TemporaryFailure)
    assert isinstance(results[2], PermanentFailure) and (results[2].code, results[2].unusable_contact) == (550, True)
    assert isinstance(results[3], PermanentFailure) and (results[3].code, results[3].unusable_contact) == (554, False)
    assert len(handler.peers) == 1


def test_a_connection_dropped_before_data_is_reopened_and_the_message_sent(
    smtp_server: tuple[RecordingHandler, int],
) -> None:
    handler, port = smtp_server
    handler.drop_at_mail = {2}
    results = smtp(port).send_many(mails(3))

    assert all(isinstance(result, SendResult) for result in results)
    assert len(handler.delivered) == 3 and len(handler.peers) == 2


def test_a_connection_dropped_during_data_is_ambiguous(smtp_server: tuple[RecordingHandler, int]) -> None:
    handler, port = smtp_server
    handler.drop_at_data = {"ph1@example.test"}
    results = smtp(port).send_many(mails(3))

    assert isinstance(results[1], AmbiguousFailure)
    assert isinstance(results[0], SendResult) and isinstance(results[2], SendResult)


def test_a_server_that_stops_answering_times_out_as_ambiguous(smtp_server: tuple[RecordingHandler, int]) -> None:
    handler, port = smtp_server
    handler.data_delay = 1.0
    started = time.monotonic()
    (result,) = smtp(port, timeout=0.3).send_many(mails(1))
    assert isinstance(result, AmbiguousFailure)
    assert time.monotonic() - started < 1.0


def test_an_unreachable_smtp_server_fails_the_whole_batch_temporarily() -> None:
    results = smtp(free_port()).send_many(mails(3))
    assert len(results) == 3 and all(isinstance(result, TemporaryFailure) for result in results)


# --- Selection by configuration ---


def test_providers_are_chosen_by_settings_and_built_once() -> None:
    app = Flask(__name__)
    app.config.update(
        load_config(
            environ={},
            overrides={
                "SMS_PROVIDER": "twilio",
                "EMAIL_PROVIDER": "smtp",
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "TWILIO_MESSAGING_SERVICE_SID": SERVICE_SID,
                "SMS_CONCURRENCY": 16,
                "SMTP_TIMEOUT": 3,
            },
        )
    )
    sms = sms_provider(app)
    mail = email_provider(app)

    assert isinstance(sms, TwilioSmsProvider) and sms.concurrency == 16
    assert isinstance(mail, SmtpEmailProvider) and mail.timeout == 3
    assert sms_provider(app) is sms and email_provider(app) is mail
