"""The reference a family writes on its bank transfer, so the school can match the money to the subscription."""

from __future__ import annotations

from contactbook.models import Subscription

PREFIX = "SLL"  # Sổ liên lạc


def payment_reference(subscription: Subscription) -> str:
    """A short reference unique to the family (guardian record) and the subscription: "SLL123G45".

    Letters and digits only, so that every bank keeps it intact in the transfer's description.
    """
    return f"{PREFIX}{subscription.id}G{subscription.guardian_id}"
