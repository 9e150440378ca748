"""What a page about a notice or a publication may tell its reader about who gets messages (pure functions).

A teacher must never learn whether a family subscribes (nobody is pressed to pay). So the message counts,
their split by channel or status, the cost and the "nobody subscribes" warning are shown in full only to
staff who may see subscriptions (`subscriptions.manage`). Everyone else sees, for an audience of at least
`MIN_AUDIENCE_FOR_TOTALS` students, the total number of messages alone; for a smaller one, no count at all.
"""

from __future__ import annotations

import enum
from collections.abc import Collection

from contactbook.auth.rules import Permission

MIN_AUDIENCE_FOR_TOTALS = 10
# Below this many families concerned, how many have not read a notice (the families concerned beside those
# who read it) would point at who has not: staff then see how many have read, alone.
MIN_FAMILIES_FOR_READ_TOTAL = 10


class Disclosure(enum.Enum):
    FULL = "full"  # counts per channel and status, failures by name, the cost
    TOTALS = "totals"  # the number of messages in all, nothing split
    NONE = "none"  # nothing that depends on who subscribes

    @property
    def full(self) -> bool:
        return self is Disclosure.FULL

    @property
    def totals(self) -> bool:
        """Whether the reader sees at least the total number of messages."""
        return self is not Disclosure.NONE


def disclosure(permissions: Collection[Permission], audience_size: int) -> Disclosure:
    """How much a reader holding `permissions` may see of the messages owed to `audience_size` students."""
    if Permission.SUBSCRIPTIONS_MANAGE in permissions:
        return Disclosure.FULL
    return Disclosure.TOTALS if audience_size >= MIN_AUDIENCE_FOR_TOTALS else Disclosure.NONE


def shows_families_concerned(families: int) -> bool:
    """Whether a notice's read count may stand beside the number of families it concerns."""
    return families >= MIN_FAMILIES_FOR_READ_TOTAL
