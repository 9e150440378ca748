"""Display names of roles and permissions (translated; Vietnamese by default)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from contactbook.auth.rules import Permission, Role

ROLE_LABELS: dict[str, LazyString] = {
    Role.SCHOOL_ADMIN: _l("School admin"),
    Role.PRINCIPAL: _l("Principal"),
    Role.ACCOUNTANT: _l("Accountant"),
    Role.TEACHER: _l("Subject teacher"),
    Role.HOMEROOM_TEACHER: _l("Homeroom teacher"),
}

PERMISSION_LABELS: dict[str, LazyString] = {
    Permission.STAFF_VIEW: _l("View staff accounts"),
    Permission.STAFF_MANAGE: _l("Create and disable staff accounts"),
    Permission.ROLES_GRANT: _l("Grant roles and permissions"),
    Permission.AUDIT_VIEW: _l("View the audit log"),
    Permission.SETTINGS_MANAGE: _l("Manage school settings"),
    Permission.ROSTER_VIEW: _l("View the classes one teaches or leads, and their students"),
    Permission.ROSTER_VIEW_ALL: _l("View every class and student of the school"),
    Permission.ROSTER_IMPORT: _l("Import rosters"),
    Permission.GRADES_ENTER: _l("Enter grades"),
    Permission.NOTICES_SEND: _l("Send notices"),
    Permission.ATTENDANCE_RECORD: _l("Record attendance"),
    Permission.SUBSCRIPTIONS_MANAGE: _l("Manage subscriptions"),
    Permission.PAYMENTS_RECORD: _l("Record payments"),
    Permission.REPORTS_VIEW: _l("View reports"),
    Permission.DATA_REQUESTS_MANAGE: _l("Answer families' requests for a copy or the erasure of their data"),
}


# The accounts above the schools, named like the roles (the demo logins list them together).
PLATFORM_ACCOUNT_LABELS: dict[str, LazyString] = {
    "platform operator": _l("Platform operator"),
    "authority officer": _l("Authority officer"),
}


def account_label(name: str) -> str:
    """A school role's or a platform account's display name."""
    return str(PLATFORM_ACCOUNT_LABELS.get(name) or ROLE_LABELS.get(name, name))


def role_label(name: str) -> str:
    return str(ROLE_LABELS.get(name, name))


def permission_label(name: str) -> str:
    return str(PERMISSION_LABELS.get(name, name))
