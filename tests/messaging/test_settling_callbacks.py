"""A status report names its message by the id in its signed callback URL, and settles a message whose send
result was never written (the worker died, the database restarted) exactly as if it had been."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from flask import Flask
from twilio.request_validator import RequestValidator

from contactbook.extensions import db
from contactbook.messaging.outcomes import Outcome
from contactbook.messaging.providers.twilio import status_callback_for
from contactbook.messaging.services import claiming, record_status, sending
from contactbook.messaging.vocabulary import FailureKind
from contactbook.models import Message, MessageStatus
from contactbook.models.base import utcnow
from tests.factories import World
from tests.messaging.factories import sms_message
from tests.messaging.test_status_webhook import CALLBACK_URL, TOKEN, WEBHOOK, reloaded, signing  # noqa: F401
from tests.roster.factories import make_class_world
from tests.support import browser

PHONE = "+84912345678"  # the factory's recipient
pytestmark = pytest.mark.usefixtures("signing")  # the app checks signatures against CALLBACK_URL with TOKEN


def report(app: Flask, message_id: int, status: str, sid: str = "SM-1", **more: str) -> int:
    """Post a report for `message_id` as Twilio would: to the message's own callback URL, signed over it."""
    url = status_callback_for(CALLBACK_URL, message_id)
    params = {"MessageSid": sid, "MessageStatus": status, "To": PHONE, **more}
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    path = WEBHOOK + url.removeprefix(CALLBACK_URL)
    return browser(app).post(path, data=params, headers={"X-Twilio-Signature": signature}).status_code


def left_unrecorded(world: World, status: MessageStatus, key: str = "unrecorded") -> Message:
    """A message handed to the provider whose result was never written: `sending`, or flagged `ambiguous`."""
    flagged = status == MessageStatus.AMBIGUOUS
    return sms_message(
        make_class_world(world.a),
        key,
        status,
        attempts=1,
        claimed_at=utcnow() - timedelta(minutes=5),
        error=claiming.WORKER_STOPPED if flagged else None,
        failure_kind=FailureKind.AMBIGUOUS if flagged else None,
    )


@pytest.mark.parametrize("status", [MessageStatus.SENDING, MessageStatus.AMBIGUOUS])
def test_a_sent_report_settles_a_message_whose_result_was_never_written(
    app: Flask, world: World, status: MessageStatus
) -> None:
    message = left_unrecorded(world, status)

    assert report(app, message.id, "sent", sid="SM-settled") == 204

    settled = reloaded(message)
    assert (settled.status, settled.provider_ref) == (MessageStatus.SENT, "SM-settled")
    assert settled.sent_at is not None
    assert (settled.error, settled.failure_kind, settled.failure_code) == (None, None, None)


def test_a_delivered_report_settles_it_as_sent_then_delivered(app: Flask, world: World) -> None:
    message = left_unrecorded(world, MessageStatus.AMBIGUOUS)

    assert report(app, message.id, "delivered") == 204

    settled = reloaded(message)
    assert (settled.status, settled.provider_ref, settled.error) == (MessageStatus.DELIVERED, "SM-1", None)
    assert settled.sent_at is not None and settled.delivered_at is not None


def test_an_undelivered_report_settles_it_with_the_carrier_error(app: Flask, world: World) -> None:
    message = left_unrecorded(world, MessageStatus.AMBIGUOUS)

    assert report(app, message.id, "undelivered", ErrorCode="30003") == 204

    settled = reloaded(message)
    assert (settled.status, settled.provider_ref) == (MessageStatus.UNDELIVERED, "SM-1")
    assert (settled.error, settled.failure_kind, settled.failure_code) == (
        "carrier error 30003",
        FailureKind.PERMANENT,
        "30003",
    )


def test_reports_settle_once_never_backwards_and_replays_change_nothing(app: Flask, world: World) -> None:
    message = left_unrecorded(world, MessageStatus.SENDING)
    assert report(app, message.id, "delivered") == 204
    delivered_at = reloaded(message).delivered_at

    for status in ("sent", "delivered", "queued"):  # late, replayed, and one we do not record
        assert report(app, message.id, status) == 204

    after = reloaded(message)
    assert (after.status, after.delivered_at, after.provider_ref) == (MessageStatus.DELIVERED, delivered_at, "SM-1")


def test_the_message_id_cannot_be_changed_without_the_auth_token(app: Flask, world: World) -> None:
    message = left_unrecorded(world, MessageStatus.AMBIGUOUS)
    params = {"MessageSid": "SM-forged", "MessageStatus": "delivered", "To": PHONE}
    signed_for_another = RequestValidator(TOKEN).compute_signature(status_callback_for(CALLBACK_URL, 999), params)

    response = browser(app).post(
        f"{WEBHOOK}?m={message.id}", data=params, headers={"X-Twilio-Signature": signed_for_another}
    )

    assert response.status_code == 403
    assert reloaded(message).status == MessageStatus.AMBIGUOUS


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("no such message", MessageStatus.SENT),
        ("another provider reference", MessageStatus.SENT),
        ("another number", MessageStatus.AMBIGUOUS),
        ("never handed over", MessageStatus.QUEUED),
        ("skipped, never handed over", MessageStatus.SKIPPED),
    ],
)
def test_a_report_that_contradicts_the_record_is_logged_and_changes_nothing(
    app: Flask, world: World, caplog: pytest.LogCaptureFixture, case: str, expected: MessageStatus
) -> None:
    roster = make_class_world(world.a)
    message = sms_message(roster, "recorded", expected, provider_ref="SM-recorded" if expected == "sent" else None)
    message_id, more = message.id, {}
    if case == "no such message":
        message_id += 1000
    elif case == "another number":
        more = {"To": "+84900000000"}

    with caplog.at_level(logging.WARNING):
        assert report(app, message_id, "delivered", sid="SM-other", **more) == 204

    after = reloaded(message)
    assert (after.status, after.delivered_at) == (expected, None)
    assert any("SM-other" in record.getMessage() and "ignored" in record.getMessage() for record in caplog.records)


def test_the_worker_recording_its_result_after_the_report_does_not_undo_it(world: World) -> None:
    """The worker's write is conditional on the row still being `sending`/`ambiguous` with its stamp."""
    message = left_unrecorded(world, MessageStatus.SENDING)
    stamps: sending.Stamps = {message.id: message.claimed_at}
    assert record_status("SM-1", "delivered", None, message.id, PHONE) is True

    timed_out = Outcome(MessageStatus.AMBIGUOUS, "ambiguous: no answer", FailureKind.AMBIGUOUS)
    sending.record([message], {message.id: timed_out}, stamps, MessageStatus.SENDING)
    db.session.commit()

    assert (reloaded(message).status, reloaded(message).error) == (MessageStatus.DELIVERED, None)


def test_the_sweep_after_the_report_does_not_flag_the_settled_message(world: World) -> None:
    message = left_unrecorded(world, MessageStatus.SENDING)
    assert record_status("SM-1", "sent", None, message.id, PHONE) is True

    _, flagged = claiming.recover_stale(utcnow(), timedelta(seconds=1), timedelta(seconds=1))
    db.session.commit()

    assert flagged == 0
    assert reloaded(message).status == MessageStatus.SENT


def test_a_report_without_the_id_still_finds_its_message_by_reference(app: Flask, world: World) -> None:
    message = sms_message(make_class_world(world.a), "old-style", MessageStatus.SENT, provider_ref="SM-old")
    params = {"MessageSid": "SM-old", "MessageStatus": "delivered"}
    signature = RequestValidator(TOKEN).compute_signature(CALLBACK_URL, params)

    response = browser(app).post(WEBHOOK, data=params, headers={"X-Twilio-Signature": signature})

    assert response.status_code == 204
    assert reloaded(message).status == MessageStatus.DELIVERED
