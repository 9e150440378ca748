"""Staff accounts and delegation inside one school. Every change is audited and committed here."""

from __future__ import annotations

from sqlalchemy import select

from contactbook.audit import services as audit
from contactbook.auth.rules import (
    Permission,
    Role,
    can_change_account,
    can_grant_permission,
    can_grant_role,
    effective_permissions,
    password_problems,
)
from contactbook.auth.services import PasswordPolicyError, hash_password
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.models import Grant, School, User
from contactbook.models.user import new_session_token


class DelegationError(ValueError):
    """A grant or revoke that the rules forbid; the message says why."""


class UnknownGrant(DelegationError):
    """A grant or revoke naming no role or permission there is (no page offers one: a forged form)."""


def username_taken(school: School | None, username: str) -> bool:
    """Whether `username` is already used in `school` (None: among platform accounts)."""
    query = select(User.id).where(User.username == username.strip().lower())
    query = query.where(User.school_id == school.id) if school else query.where(User.school_id.is_(None))
    return db.session.scalar(query) is not None


def new_user(
    *,
    school: School | None,
    username: str,
    full_name: str,
    password: str,
    email: str | None = None,
    authority_id: int | None = None,
    is_platform_operator: bool = False,
) -> User:
    """A new account, part of the unit of work of the service creating it (staff, a school's admin, an officer,
    an operator); only services call it (tests/test_module_homes.py)."""
    username = username.strip().lower()
    problems = password_problems(password, username)
    if problems:
        raise PasswordPolicyError(problems)
    if username_taken(school, username):
        raise DelegationError(N_("This username is already in use."))
    user = User(
        school_id=school.id if school else None,
        authority_id=authority_id,
        username=username,
        full_name=full_name.strip(),
        email=(email or "").strip().lower() or None,
        password_hash=hash_password(password),
        is_platform_operator=is_platform_operator,
        session_token=new_session_token(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def create_staff(
    school: School, actor: User, *, username: str, full_name: str, password: str, email: str | None
) -> User:
    """Create a staff account in `school` with no role yet."""
    user = new_user(school=school, username=username, full_name=full_name, password=password, email=email)
    audit.record("staff.created", actor=actor, school_id=school.id, target=user, username=user.username)
    db.session.commit()
    return user


def _check_target(actor: User, target: User) -> None:
    if target.id == actor.id:
        raise DelegationError(N_("You cannot change your own roles or permissions."))
    if any(g.kind == "role" and g.name == Role.SCHOOL_ADMIN for g in target.grants):
        raise DelegationError(N_("The school admin account's roles cannot be changed."))


def _check_name(kind: str, name: str) -> None:
    known = (
        {r.value for r in Role} if kind == "role" else {p.value for p in Permission} if kind == "permission" else set()
    )
    if name not in known:
        raise UnknownGrant(N_("There is no such role or permission."))


def _find_grant(target: User, kind: str, name: str) -> Grant | None:
    return next((g for g in target.grants if g.kind == kind and g.name == name), None)


def grant(
    school: School, actor: User, actor_permissions: frozenset[Permission], target: User, kind: str, name: str
) -> Grant:
    """Grant a role or single permission to `target`; only what `actor` holds itself can be granted."""
    _check_name(kind, name)
    _check_target(actor, target)
    if kind == "role" and name == Role.SCHOOL_ADMIN:
        raise DelegationError(N_("The school admin role belongs to the one account created with the school."))
    if kind == "role":
        if not can_grant_role(actor_permissions, Role(name)):
            raise DelegationError(N_("You cannot grant a role that includes permissions you do not hold."))
    elif not can_grant_permission(actor_permissions, Permission(name)):
        raise DelegationError(N_("You cannot grant a permission you do not hold."))
    existing = _find_grant(target, kind, name)
    if existing is not None:
        return existing
    row = Grant(user_id=target.id, school_id=school.id, kind=kind, name=name, granted_by_id=actor.id)
    target.grants.append(row)
    audit.record("grant", actor=actor, school_id=school.id, target=target, kind=kind, name=name)
    db.session.commit()
    return row


def revoke(
    school: School, actor: User, actor_permissions: frozenset[Permission], target: User, kind: str, name: str
) -> None:
    """Revoke a role or permission from `target`; the same rule as granting applies, and, as for disabling
    the account, the target may hold nothing the actor does not (a lesser account never strips a greater one)."""
    _check_name(kind, name)
    _check_target(actor, target)
    allowed = (
        can_grant_role(actor_permissions, Role(name))
        if kind == "role"
        else can_grant_permission(actor_permissions, Permission(name))
    )
    if not allowed:
        raise DelegationError(N_("You cannot revoke what you could not grant."))
    if not held_permissions(target) <= actor_permissions:
        raise DelegationError(N_("You cannot change an account that holds permissions you do not hold."))
    existing = _find_grant(target, kind, name)
    if existing is None:
        return
    target.grants.remove(existing)
    audit.record("revoke", actor=actor, school_id=school.id, target=target, kind=kind, name=name)
    db.session.commit()


def held_permissions(user: User) -> frozenset[Permission]:
    """Every permission `user` holds through its roles and single grants."""
    roles = [g.name for g in user.grants if g.kind == "role"]
    return effective_permissions(roles, [g.name for g in user.grants if g.kind == "permission"])


def set_active(school: School, actor: User, target: User, active: bool) -> None:
    """Disable or re-enable a staff account; only by one who holds all it holds. Disabling ends its sessions."""
    _check_target(actor, target)
    if not can_change_account(held_permissions(actor), held_permissions(target)):
        raise DelegationError(N_("You cannot change an account that holds permissions you do not hold."))
    if target.active == active:
        return
    target.active = active
    if not active:
        target.session_token = new_session_token()
    audit.record("staff.activated" if active else "staff.deactivated", actor=actor, school_id=school.id, target=target)
    db.session.commit()
