"""Authentication: password hashing, login checks and ending sessions. The only commits of auth."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select

from contactbook.accounts.services import tokens
from contactbook.audit import services as audit
from contactbook.auth import throttle
from contactbook.auth.rules import password_problems
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.inputs import MAX_ID
from contactbook.models import School, SchoolStatus, User
from contactbook.models.base import utcnow
from contactbook.models.user import new_session_token
from contactbook.tenancy import admit_account


class PasswordPolicyError(ValueError):
    """A new password breaks the policy; `problems` lists how."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _hasher() -> PasswordHasher:
    # argon2id (the library's default type); costs come from the settings so tests can lower them.
    return PasswordHasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
    )


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches the stored hash."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    cached: str | None = current_app.extensions.get("dummy_password_hash")
    if cached is None:
        cached = hash_password("not-a-real-password-0")
        current_app.extensions["dummy_password_hash"] = cached
    return cached


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    refused: bool = False  # too many attempts: the password was not even checked

    @property
    def ok(self) -> bool:
        return self.user is not None


def authenticate(school: School | None, username: str, password: str, address: str) -> LoginResult:
    """Check a login for `school` (None: platform accounts) from `address`; audit it, success or failure.

    The attempt is counted against the login limits before the password is checked, so a burst of
    parallel attempts reaches the check at most as often as the limit allows; refused ones are audited.
    """
    username = username.strip().lower()
    query = select(User).where(User.username == username)
    query = query.where(User.school_id == school.id) if school else query.where(User.school_id.is_(None))
    user = db.session.scalar(query)
    school_id = school.id if school else None
    counted = throttle.count_attempt(school.slug if school else None, username, address)
    if counted is None:
        audit.record("login.failed", actor=user, school_id=school_id, target=user, username=username, refused=True)
        db.session.commit()
        return LoginResult(None, refused=True)
    # Hash even for an unknown name, so the answer takes the same time whether the account exists.
    valid = verify_password(user.password_hash if user else _dummy_hash(), password)
    school_ok = school is None or school.status == SchoolStatus.ACTIVE
    if user is None or not valid or not user.active or not school_ok:
        audit.record("login.failed", actor=user, school_id=school_id, target=user, username=username)
        db.session.commit()
        return LoginResult(None)
    throttle.give_back(counted)
    user.last_login_at = utcnow()
    audit.record("login", actor=user, school_id=school_id, target=user)
    db.session.commit()
    return LoginResult(user)


def end_sessions(user: User) -> None:
    """Log `user` out everywhere: the session token in every cookie stops matching."""
    user.session_token = new_session_token()
    audit.record("logout", actor=user, school_id=user.school_id, target=user)
    db.session.commit()


def load_session_user(session_id: str) -> User | None:
    """The user of a session id `<user id>:<token>[:<school id>]`, if the token is still current."""
    user_id, _, rest = session_id.partition(":")
    token, _, school_id = rest.partition(":")
    if not _is_id(user_id) or not token or not (school_id == "" or _is_id(school_id)):
        return None
    if not admit_account(int(school_id) if school_id else None):
        return None  # another school's account, or a platform account, at a school's page
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    if user.school is not None and user.school.status != SchoolStatus.ACTIVE:
        return None
    return user


def _is_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= len(str(MAX_ID)) and 0 < int(value) <= MAX_ID


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one and the policy; ends other sessions."""
    if not verify_password(user.password_hash, current):
        raise PasswordPolicyError([N_("current password is wrong")])
    problems = password_problems(new, user.username)
    if problems:
        raise PasswordPolicyError(problems)
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()
    tokens.end_open_links(user.id)  # a set-up or reset link sent earlier no longer sets it
    audit.record("password.changed", actor=user, school_id=user.school_id, target=user)
    db.session.commit()
