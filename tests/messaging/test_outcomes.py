"""One retry decision: a send's result and the failure's kind alone decide what becomes of a message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contactbook.messaging.outcomes import MAX_ATTEMPTS, outcome_of
from contactbook.messaging.providers.base import AmbiguousFailure, PermanentFailure, SendResult, TemporaryFailure
from contactbook.messaging.vocabulary import FailureKind
from contactbook.models import MessageStatus

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def test_an_accepted_message_is_sent_with_the_providers_reference() -> None:
    outcome = outcome_of(SendResult("SM123"), channel="sms", attempts=1, now=NOW)
    assert (outcome.status, outcome.provider_ref, outcome.kind, outcome.reason) == (
        MessageStatus.SENT,
        "SM123",
        None,
        None,
    )


def test_a_permanent_refusal_fails_at_once_with_its_code() -> None:
    outcome = outcome_of(PermanentFailure("invalid number", 21211), channel="sms", attempts=1, now=NOW)
    assert (outcome.status, outcome.kind, outcome.code) == (MessageStatus.FAILED, FailureKind.PERMANENT, "21211")
    assert outcome.next_attempt_at is None
    assert outcome.reason is not None and "invalid number" in outcome.reason


def test_a_temporary_failure_goes_back_to_the_queue_later() -> None:
    outcome = outcome_of(TemporaryFailure("Twilio HTTP 503", 503), channel="sms", attempts=2, now=NOW)
    assert (outcome.status, outcome.kind, outcome.code) == (MessageStatus.QUEUED, FailureKind.TEMPORARY, "503")
    assert outcome.next_attempt_at is not None and outcome.next_attempt_at > NOW


def test_temporary_failures_give_up_after_the_last_attempt_and_stay_temporary() -> None:
    outcome = outcome_of(TemporaryFailure("SMTP 451", 451), channel="email", attempts=MAX_ATTEMPTS, now=NOW)
    assert (outcome.status, outcome.kind) == (MessageStatus.FAILED, FailureKind.TEMPORARY)
    assert outcome.reason is not None and outcome.reason.startswith(f"gave up after {MAX_ATTEMPTS} attempts")


def test_an_sms_that_may_have_gone_is_ambiguous_never_retried() -> None:
    outcome = outcome_of(AmbiguousFailure("no answer in time"), channel="sms", attempts=1, now=NOW)
    assert (outcome.status, outcome.kind, outcome.next_attempt_at) == (
        MessageStatus.AMBIGUOUS,
        FailureKind.AMBIGUOUS,
        None,
    )


def test_an_email_cut_during_data_is_tried_again() -> None:
    outcome = outcome_of(AmbiguousFailure("dropped during DATA"), channel="email", attempts=1, now=NOW)
    assert (outcome.status, outcome.kind) == (MessageStatus.QUEUED, FailureKind.TEMPORARY)


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_an_unforeseen_error_is_treated_as_temporary(channel: str) -> None:
    outcome = outcome_of(RuntimeError("boom"), channel=channel, attempts=1, now=NOW)
    assert (outcome.status, outcome.kind) == (MessageStatus.QUEUED, FailureKind.TEMPORARY)
    assert outcome.reason is not None and "boom" in outcome.reason
