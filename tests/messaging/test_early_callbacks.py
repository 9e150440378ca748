"""A status report that arrives before the worker recorded the send result is not lost."""

from __future__ import annotations

from contactbook.extensions import db
from contactbook.messaging.services import record_early_statuses, record_status
from contactbook.models import Message, MessageStatus
from tests.factories import World
from tests.messaging.factories import sms_message
from tests.roster.factories import make_class_world


def _message(world: World, status: MessageStatus, provider_ref: str | None) -> Message:
    roster = make_class_world(world.a)
    return sms_message(roster, str(provider_ref), status, provider_ref=provider_ref)


def test_a_report_before_the_send_result_is_applied_when_the_result_is_recorded(world: World) -> None:
    message = _message(world, MessageStatus.SENDING, None)
    assert record_status("SM-early", "delivered", None) is False
    assert message.status == MessageStatus.SENDING

    message.provider_ref, message.status = "SM-early", MessageStatus.SENT
    db.session.commit()
    record_early_statuses(["SM-early"])

    db.session.refresh(message)
    assert message.status == MessageStatus.DELIVERED


def test_an_early_report_never_moves_a_status_backwards(world: World) -> None:
    message = _message(world, MessageStatus.SENDING, None)
    record_status("SM-late", "delivered", None)
    record_status("SM-late", "sent", None)  # an older report, arriving after

    message.provider_ref, message.status = "SM-late", MessageStatus.SENT
    db.session.commit()
    record_early_statuses(["SM-late"])

    db.session.refresh(message)
    assert message.status == MessageStatus.DELIVERED


def test_a_report_for_a_recorded_message_applies_at_once(world: World) -> None:
    message = _message(world, MessageStatus.SENT, "SM-known")
    assert record_status("SM-known", "delivered", None) is True
    db.session.refresh(message)
    assert message.status == MessageStatus.DELIVERED
