"""The sweep takes its stale times from the configuration (MESSAGE_STALE_CLAIM/SENDING_SECONDS)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from contactbook.extensions import db
from contactbook.messaging.services import delivery
from contactbook.models import Message, MessageStatus
from contactbook.models.base import utcnow
from tests.factories import World
from tests.messaging.factories import sms_message
from tests.roster.factories import ClassWorld, make_class_world


def _stamped(roster: ClassWorld, status: MessageStatus, age_seconds: float, key: str) -> Message:
    """A message left `status` by a worker `age_seconds` ago."""
    return sms_message(roster, key, status, claimed_at=utcnow() - timedelta(seconds=age_seconds))


def test_a_claim_older_than_the_configured_stale_time_is_requeued_a_younger_one_is_not(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MESSAGE_STALE_CLAIM_SECONDS", 5.0)  # far below the default 60
    roster = make_class_world(world.a)
    old = _stamped(roster, MessageStatus.CLAIMED, 10, "old-claim")
    young = _stamped(roster, MessageStatus.CLAIMED, 2, "young-claim")

    result = delivery.sweep()

    db.session.refresh(old)
    db.session.refresh(young)
    assert result["requeued"] == 1
    assert old.status == MessageStatus.QUEUED and old.claimed_at is None
    assert young.status == MessageStatus.CLAIMED


def test_a_send_older_than_the_configured_stale_time_is_flagged_a_younger_one_is_not(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MESSAGE_STALE_SENDING_SECONDS", 8.0)  # far below the default 120
    roster = make_class_world(world.a)
    old = _stamped(roster, MessageStatus.SENDING, 12, "old-send")
    young = _stamped(roster, MessageStatus.SENDING, 3, "young-send")

    result = delivery.sweep()

    db.session.refresh(old)
    db.session.refresh(young)
    assert result["flagged"] == 1
    assert old.status == MessageStatus.AMBIGUOUS
    assert young.status == MessageStatus.SENDING


def test_the_sweep_has_no_stale_times_of_its_own() -> None:
    assert not hasattr(delivery, "STALE_CLAIM") and not hasattr(delivery, "STALE_SENDING")
