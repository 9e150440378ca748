"""The second step of signing in: after the right password, an account with two-factor sign-in is asked
for its code before the session is opened.

Between the steps the session holds only which account passed its password (its id, its session token,
its school), where to go next and when: nothing that opens a page. The step expires after five minutes,
and a changed password (new session token) ends it.
"""

from __future__ import annotations

import time

from flask import g, redirect, session, url_for
from flask.typing import ResponseReturnValue

from contactbook.extensions import db
from contactbook.models import User

PENDING_KEY = "pending_login"
STEP_SECONDS = 300


def ask(user: User, target: str) -> ResponseReturnValue:
    """Remember that `user` passed its password, and ask for the code."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session[PENDING_KEY] = {
        "user": user.id,
        "token": user.session_token,
        "school": user.school_id,
        "next": target,
        "at": int(time.time()),
    }
    if user.school_id is not None:
        return redirect(url_for("accounts.school_login_code"))
    return redirect(url_for("accounts.login_code"))


def pending_user() -> tuple[User, str] | None:
    """The account waiting for its code at this address (school or platform), and where it goes next."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("user"), int):
        return None
    if not isinstance(pending.get("at"), int) or time.time() - pending["at"] > STEP_SECONDS:
        return None
    school = g.get("school")
    if pending.get("school") != (school.id if school is not None else None):
        return None
    user = db.session.get(User, pending["user"])
    if user is None or not user.active or user.session_token != pending.get("token") or user.totp_enabled_at is None:
        return None
    if user.school_id != pending.get("school"):
        return None
    return user, str(pending.get("next") or "/")


def forget() -> None:
    session.pop(PENDING_KEY, None)
