"""Getting back into an account: setting a password from a link, and the resets a school admin (for its
staff) or the operator (for a school's admin) sends.

Every account's email gets the same link (`accounts.set_password`). Asking for a link oneself (a forgotten
password) is in `forgot`.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from contactbook.accounts.services import mail, tokens
from contactbook.audit import services as audit
from contactbook.auth.rules import Role, can_change_account, password_problems
from contactbook.auth.services import PasswordPolicyError, hash_password
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.models import AccountToken, Grant, School, TokenPurpose, User
from contactbook.models.user import new_session_token
from contactbook.schools.services import DelegationError, held_permissions
from contactbook.tenancy import school_scope


class ResetError(ValueError):
    """A reset that cannot be sent; the message says why."""


def _link(token: str) -> str:
    from contactbook.family.services.signin import public_base

    return public_base() + url_for("accounts.set_password", token=token)


def link_email(user: User, link: str, purpose: TokenPurpose) -> tuple[str, str]:
    """The subject and body (Vietnamese) of the email that carries `link` to `user`."""
    with force_locale("vi"):
        if purpose == TokenPurpose.SETUP:
            subject = _("Set the password of your contact book account")
            hours = 72
        else:
            subject = _("Reset the password of your contact book account")
            hours = 1
        body = _(
            "Hello %(name)s,\n\nOpen this link to choose a new password for the account %(username)s:\n%(link)s\n\n"
            "The link works once and for %(hours)s hour(s). If you did not ask for it, ignore this email.",
            name=user.full_name,
            username=user.username,
            link=link,
            hours=hours,
        )
    return subject, body


def _send_link(user: User, token: str, purpose: TokenPurpose) -> None:
    assert user.email  # the callers check it
    subject, body = link_email(user, _link(token), purpose)
    mail.queue(user.email, subject, body)


@dataclass(frozen=True)
class LinkAccount:
    """Who a valid link is for (to show on the page): plain values, read under the link's school."""

    username: str
    full_name: str
    school_slug: str | None
    purpose: TokenPurpose


def _open(token: str, current_school_id: int | None) -> AccountToken | None:
    school_id = tokens.school_of(token)
    if current_school_id is not None and school_id != current_school_id:
        return None  # a link of another school (or a platform one) opened at a school's address
    row = tokens.open_token(token)
    if row is None or row.school_id != school_id or not row.user.active:
        return None
    return row


def check_link(token: str, current_school_id: int | None) -> LinkAccount | None:
    """The account a still-valid link is for, else None."""
    school_id = tokens.school_of(token)
    with school_scope(school_id) if school_id else nullcontext():
        row = _open(token, current_school_id)
        if row is None:
            return None
        user = row.user
        slug = user.school.slug if user.school else None
        return LinkAccount(user.username, user.full_name, slug, row.purpose)


def set_password(token: str, current_school_id: int | None, password: str) -> LinkAccount | None:
    """Set the password of the link's account, once: ends its sessions; None when the link is not valid.

    Raises PasswordPolicyError (nothing changed, the link still open) when the password breaks the policy.
    """
    school_id = tokens.school_of(token)
    with school_scope(school_id) if school_id else nullcontext():
        row = _open(token, current_school_id)
        if row is None:
            return None
        user = row.user
        problems = password_problems(password, user.username)
        if problems:
            raise PasswordPolicyError(problems)
        if not tokens.use(row):  # spent meanwhile by a concurrent request with the same link
            return None
        user.password_hash = hash_password(password)
        user.session_token = new_session_token()
        audit.record("password.set_by_link", actor=user, school_id=user.school_id, target=user, purpose=row.purpose)
        account = LinkAccount(user.username, user.full_name, user.school.slug if user.school else None, row.purpose)
        db.session.commit()
        return account


def reset_staff(school: School, actor: User, target: User) -> None:
    """A school's admin (who holds every permission the account holds) sends a staff member a reset link."""
    _reset(actor, school, target, by_operator=False)


def reset_school_admin(actor: User, school: School) -> str:
    """The operator sends a school's admin a reset link; the admin's email address is returned (to show)."""
    with school_scope(school.id):
        admin = db.session.scalar(
            select(User)
            .join(Grant, Grant.user_id == User.id)
            .where(User.school_id == school.id, Grant.kind == "role", Grant.name == Role.SCHOOL_ADMIN.value)
        )
        if admin is None:
            raise ResetError(N_("This school has no admin account."))
        return _reset(actor, school, admin, by_operator=True)


def _check_scope(actor: User, school: School, target: User, *, by_operator: bool) -> None:
    """Raise DelegationError unless `actor` may reset `target`'s password: the operator a school's admin (the
    caller found it); a school's admin another account of its school that holds no more than it holds."""
    if target.school_id != school.id or (not by_operator and actor.school_id != school.id):
        raise DelegationError(N_("This account is not of your school."))
    if by_operator:
        return
    if target.id == actor.id:
        raise DelegationError(N_("Change your own password from your account page."))
    if not can_change_account(held_permissions(actor), held_permissions(target)):
        raise DelegationError(N_("You cannot change an account that holds permissions you do not hold."))


def _reset(actor: User, school: School, target: User, *, by_operator: bool) -> str:
    """The one path of a reset sent by someone else: who may (scope, permissions), then the account's state
    (enabled, with an email address), then the link, its email and the audit row; the address is returned."""
    _check_scope(actor, school, target, by_operator=by_operator)  # in the caller's scope: the target as it found it
    with school_scope(school.id):
        if not target.active:
            raise ResetError(N_("The account is disabled: enable it first."))
        if not target.email:
            raise ResetError(N_("The account has no email address to send the link to."))
        token = tokens.issue(target, TokenPurpose.RESET)
        _send_link(target, token, TokenPurpose.RESET)
        details = {"by_operator": True} if by_operator else {}
        audit.record("password.reset_sent", actor=actor, school_id=school.id, target=target, **details)
        email = target.email
        db.session.commit()
        return email
