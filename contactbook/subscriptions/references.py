"""The reference a family writes on its bank transfer, so the school can match the money to the family."""

from __future__ import annotations

from contactbook.models import Subscription
from contactbook.subscriptions import vietqr


def payment_reference(subscription: Subscription) -> str:
    """The family's transfer reference at its school ("SLL 42"): the one its VietQR code carries and the
    school's account page for the family shows (`vietqr.payment_reference`)."""
    return vietqr.payment_reference(subscription.guardian_id)
