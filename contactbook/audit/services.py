"""Writing audit rows, in the unit of work of the service that makes the change: saved or dropped with it.

Only services record (tests/test_module_homes.py), and a service call is one unit of work that commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request

from contactbook.extensions import db
from contactbook.models import AuditLog, User


@dataclass(frozen=True)
class FamilyActor:
    """A family acting in its portal: no staff account, so the row names its family account instead."""

    family_id: int


# Who made a change: a staff account, a family in its portal, or nobody (the system).
Actor = User | FamilyActor | None


def staff_id(actor: Actor) -> int | None:
    """The staff account behind `actor`, if it is one (a family or the system has none)."""
    return actor.id if isinstance(actor, User) else None


def record(
    action: str,
    *,
    actor: Actor,
    school_id: int | None,
    target: Any | None = None,
    **details: Any,
) -> AuditLog:
    """Add an audit row for `action` to the current session (committed with the change it records)."""
    if isinstance(actor, FamilyActor):
        details = {**details, "by_family": actor.family_id}
    entry = AuditLog(
        action=action,
        actor_id=staff_id(actor),
        school_id=school_id,
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        details=details,
        ip_address=(request.remote_addr if has_request_context() else None),
    )
    db.session.add(entry)
    return entry
