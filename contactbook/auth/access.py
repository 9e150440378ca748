"""Who may open which page: every view declares a rule, and one hook enforces them all.

A view without a rule is refused (deny by default), and the authorization tests walk the URL map,
so a new route without a rule fails them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from flask import abort, current_app, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from contactbook.auth.rules import Permission, Role, effective_permissions
from contactbook.extensions import db
from contactbook.models import Grant, User

AccessKind = Literal["public", "school", "operator", "authority", "platform", "dev", "webhook", "family"]
F = TypeVar("F", bound=Callable[..., ResponseReturnValue])

# Flask's own static view is a bound method that cannot carry an attribute.
PUBLIC_ENDPOINTS = frozenset({"static"})


@dataclass(frozen=True)
class Access:
    """The rule a view declares: who may reach it, and which school permission it needs."""

    kind: AccessKind
    permission: Permission | None = None


def _declare(rule: Access) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        view.access = rule  # type: ignore[attr-defined]
        return view

    return decorate


public = _declare(Access("public"))
operator_only = _declare(Access("operator"))
authority_only = _declare(Access("authority"))
# Any platform account (an operator or an officer): its own account pages.
platform_account = _declare(Access("platform"))
dev_only = _declare(Access("dev"))
# A provider's callback: no session, the view itself checks the provider's signature (403 otherwise).
webhook = _declare(Access("webhook"))
# A family portal page: only a signed-in family (`contactbook.family.session`), never a staff session.
family_only = _declare(Access("family"))
FAMILY_SESSION_KEY = "family"


def school_member(permission: Permission | None = None) -> Callable[[F], F]:
    """Staff of the current school; with `permission`, only those who hold it."""
    return _declare(Access("school", permission))


def rule_for(endpoint: str) -> Access | None:
    """The rule declared by the view behind `endpoint`, if any."""
    if endpoint in PUBLIC_ENDPOINTS:
        return Access("public")
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access", None)


def school_user() -> User | None:
    """The logged-in user if it is staff of the current school, else None."""
    school = g.get("school")
    if school is None or not current_user.is_authenticated:
        return None
    user: User = current_user._get_current_object()
    return user if user.school_id == school.id else None


def staff_user() -> User:
    """The logged-in staff of the current school, for views behind a `school_member` rule."""
    user = school_user()
    assert user is not None  # the access hook let the request in: it is staff of this school
    return user


def sees_all(user: User) -> bool:
    """True when `user` may see every class of the school (`roster.view_all`), not only its own."""
    return Permission.ROSTER_VIEW_ALL in permissions_of(user)


def permissions_of(user: User) -> frozenset[Permission]:
    """Every permission `user` holds through roles and single grants (cached for the request)."""
    cache: dict[int, frozenset[Permission]] = g.setdefault("_permissions", {})
    if user.id not in cache:
        rows = db.session.execute(select(Grant.kind, Grant.name).where(Grant.user_id == user.id)).all()
        cache[user.id] = effective_permissions(
            (name for kind, name in rows if kind == "role"),
            (name for kind, name in rows if kind == "permission"),
        )
    return cache[user.id]


def roles_of(user: User) -> list[Role]:
    """The roles `user` holds, in the order of the Role enum."""
    names = set(db.session.scalars(select(Grant.name).where(Grant.user_id == user.id, Grant.kind == "role")))
    return [role for role in Role if role.value in names]


def has_permission(permission: Permission) -> bool:
    """Whether the current user holds `permission` in the current school."""
    user = school_user()
    return user is not None and permission in permissions_of(user)


def enforce_access() -> ResponseReturnValue | None:
    """`before_request` hook: apply the rule of the view being called."""
    if request.endpoint is None:
        return None  # routing failed: Flask answers 404 or 405 itself
    rule = rule_for(request.endpoint)
    if rule is None:
        abort(403)
    if rule.kind in ("public", "webhook"):
        return None
    if rule.kind == "family":
        if not isinstance(session.get(FAMILY_SESSION_KEY), dict):
            return redirect(url_for("family.sign_in", next=request.full_path.rstrip("?")))
        return None
    if rule.kind == "dev":
        if not current_app.config["DEV_PAGES"]:
            abort(404)
        if not current_user.is_authenticated:  # any signed-in account: staff of a school, operator, officer
            return redirect(url_for("auth.platform_login", next=request.full_path.rstrip("?")))
        return None
    if rule.kind == "school":
        user = school_user()
        if user is None:
            return redirect(url_for("auth.school_login", next=request.full_path.rstrip("?")))
        if rule.permission is not None and rule.permission not in permissions_of(user):
            abort(403)
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.platform_login", next=request.full_path.rstrip("?")))
    if rule.kind == "operator" and not current_user.is_platform_operator:
        abort(403)
    if rule.kind == "authority" and (current_user.authority_id is None or current_user.school_id is not None):
        abort(403)
    if rule.kind == "platform" and (
        current_user.school_id is not None or not (current_user.is_platform_operator or current_user.authority_id)
    ):
        abort(403)
    return None
