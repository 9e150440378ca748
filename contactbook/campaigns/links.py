"""Invitation links: signed from the invitation's id (nothing secret is stored), absolute for emails."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.routing import BuildError

from contactbook.family.services.signin import public_base

SALT = "campaign-invitation"
# Where `accounts.set_password` lives (issue 14 plan), for an app built before that page is registered.
SET_PASSWORD_PATH = "/account/password/"  # noqa: S105 (a path, not a password)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def invitation_token(invitation_id: int) -> str:
    """The signed token of an invitation's link."""
    return str(_serializer().dumps(invitation_id))


def invitation_id_of(token: str) -> int | None:
    """The invitation id a token was signed for, or None for a forged or mangled token."""
    if not token or len(token) > 200:
        return None
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 2**31 - 1 else None


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute link for an email: from a request (`public_base`) or from a task (PUBLIC_URL, else BASE_DOMAIN)."""
    return _base() + current_app.url_map.bind("localhost").build(endpoint, values)


def _base() -> str:
    if has_request_context():
        return public_base()
    return str(current_app.config["PUBLIC_URL"]).rstrip("/") or f"https://{current_app.config['BASE_DOMAIN']}"


def registration_link(invitation_id: int) -> str:
    """The absolute link of an invitation's registration form."""
    return absolute_url("campaigns_public.register", invitation_token=invitation_token(invitation_id))


def setup_link(token: str) -> str:
    """The absolute link of the page where an account sets its password from a set-up token."""
    try:
        return absolute_url("accounts.set_password", token=token)
    except BuildError:
        return _base() + SET_PASSWORD_PATH + token
