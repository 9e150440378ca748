"""Roles, permissions and the delegation rule, as pure data and functions."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable

from contactbook.i18n import N_


class Permission(enum.StrEnum):
    """A single right inside one school. Roles are named bundles of these."""

    STAFF_VIEW = "staff.view"
    STAFF_MANAGE = "staff.manage"
    ROLES_GRANT = "roles.grant"
    AUDIT_VIEW = "audit.view"
    SETTINGS_MANAGE = "settings.manage"
    ROSTER_VIEW = "roster.view"
    ROSTER_VIEW_ALL = "roster.view_all"
    ROSTER_IMPORT = "roster.import"
    GRADES_ENTER = "grades.enter"
    NOTICES_SEND = "notices.send"
    ATTENDANCE_RECORD = "attendance.record"
    SUBSCRIPTIONS_MANAGE = "subscriptions.manage"
    PAYMENTS_RECORD = "payments.record"
    REPORTS_VIEW = "reports.view"
    DATA_REQUESTS_MANAGE = "data_requests.manage"


class Role(enum.StrEnum):
    SCHOOL_ADMIN = "school_admin"
    PRINCIPAL = "principal"
    ACCOUNTANT = "accountant"
    TEACHER = "teacher"
    HOMEROOM_TEACHER = "homeroom_teacher"


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.SCHOOL_ADMIN: frozenset(Permission),
    Role.PRINCIPAL: frozenset(
        {
            P.STAFF_VIEW,
            P.AUDIT_VIEW,
            P.ROSTER_VIEW,
            P.ROSTER_VIEW_ALL,
            P.NOTICES_SEND,
            P.REPORTS_VIEW,
            P.DATA_REQUESTS_MANAGE,
        }
    ),
    Role.ACCOUNTANT: frozenset(
        {P.ROSTER_VIEW, P.ROSTER_VIEW_ALL, P.SUBSCRIPTIONS_MANAGE, P.PAYMENTS_RECORD, P.REPORTS_VIEW}
    ),
    # A subject teacher marks its periods where the school takes attendance per period.
    Role.TEACHER: frozenset({P.ROSTER_VIEW, P.GRADES_ENTER, P.NOTICES_SEND, P.ATTENDANCE_RECORD}),
    Role.HOMEROOM_TEACHER: frozenset({P.ROSTER_VIEW, P.GRADES_ENTER, P.NOTICES_SEND, P.ATTENDANCE_RECORD}),
}

# The school admin role exists once per school, made with the school; nobody can grant it.
GRANTABLE_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.SCHOOL_ADMIN)


def effective_permissions(roles: Iterable[str], permissions: Iterable[str]) -> frozenset[Permission]:
    """Every permission that the given role and permission names add up to."""
    held: set[Permission] = set()
    for name in roles:
        held |= ROLE_PERMISSIONS.get(Role(name), frozenset())
    held |= {Permission(name) for name in permissions}
    return frozenset(held)


def can_grant_role(granter: frozenset[Permission], role: Role) -> bool:
    """A granter may hand out a role only if it holds the right to grant and every permission in it."""
    return role in GRANTABLE_ROLES and P.ROLES_GRANT in granter and ROLE_PERMISSIONS[role] <= granter


def can_grant_permission(granter: frozenset[Permission], permission: Permission) -> bool:
    """A granter may hand out a single permission only if it holds it and the right to grant."""
    return P.ROLES_GRANT in granter and permission in granter


def can_change_account(actor: frozenset[Permission], target: frozenset[Permission]) -> bool:
    """Disabling, re-enabling or resetting an account needs `staff.manage` and every permission it holds."""
    return P.STAFF_MANAGE in actor and target <= actor


COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "password123",
        "matkhau123",
        "abc1234567",
        "qwerty12345",
        "admin12345",
        "123456789a",
        "iloveyou123",
        "password1234",
        "0123456789",
        "a123456789",
    }
)
MIN_PASSWORD_LENGTH = 10


def password_problems(password: str, username: str = "") -> list[str]:
    """Why `password` breaks the policy (English message ids, translated for display); empty if fine."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(N_("at least 10 characters"))
    if not re.search(r"[^\W\d_]", password) or not re.search(r"\d", password):
        problems.append(N_("both letters and digits"))
    if username and username.lower() in password.lower():
        problems.append(N_("not containing the username"))
    if password.lower() in COMMON_PASSWORDS:
        problems.append(N_("not a commonly used password"))
    return problems
