"""Writing audit rows, in the unit of work of the service that makes the change: saved or dropped with it.

Only services record (tests/test_module_homes.py), and a service call is one unit of work that commits.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from contactbook.extensions import db
from contactbook.models import AuditLog, User


def record(
    action: str,
    *,
    actor: User | None,
    school_id: int | None,
    target: Any | None = None,
    **details: Any,
) -> AuditLog:
    """Add an audit row for `action` to the current session (committed with the change it records)."""
    entry = AuditLog(
        action=action,
        actor_id=actor.id if actor is not None else None,
        school_id=school_id,
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        details=details,
        ip_address=(request.remote_addr if has_request_context() else None),
    )
    db.session.add(entry)
    return entry
