"""Driving the real family sign-in in tests: ask for a code or link, read what the outbox would send."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from contactbook.extensions import db
from contactbook.models import FamilySignIn, Message
from tests.factories import post

CODE = re.compile(r"\b(\d{6})\b")
LINK = re.compile(r"(https?://\S+/family/sign-in/link\?token=\S+)")


def ask_code(client: FlaskClient, phone: str) -> TestResponse:
    """Type `phone` on the sign-in page."""
    return post(client, "/family/sign-in", {"phone": phone})


def send_code(client: FlaskClient, phone: str, code: str, next_page: str = "") -> TestResponse:
    """Type `code` on the code page of `phone` (as the page posts it: the number in E.164)."""
    return post(client, "/family/sign-in", {"phone": phone, "code": code, "next": next_page})


def ask_link(client: FlaskClient, email: str) -> TestResponse:
    return post(client, "/family/sign-in", {"email": email})


def sign_in_messages() -> list[Message]:
    """Every sign-in message in the outbox, oldest first."""
    db.session.expire_all()
    return list(db.session.scalars(select(Message).where(Message.kind == "sign_in").order_by(Message.id)))


def last_code(phone: str) -> str:
    """The code of the latest SMS to `phone`."""
    sent = [m for m in sign_in_messages() if m.to_address == phone]
    assert sent, f"no sign-in SMS to {phone}"
    match = CODE.search(sent[-1].body)
    assert match, sent[-1].body
    return match.group(1)


def last_link(email: str) -> str:
    """The path and query of the link in the latest sign-in email to `email`."""
    sent = [m for m in sign_in_messages() if m.to_address == email]
    assert sent, f"no sign-in email to {email}"
    match = LINK.search(sent[-1].body)
    assert match, sent[-1].body
    return match.group(1)


def latest_sign_in(address: str) -> FamilySignIn:
    db.session.expire_all()
    row = db.session.scalar(
        select(FamilySignIn).where(FamilySignIn.address == address).order_by(FamilySignIn.id.desc()).limit(1)
    )
    assert row is not None
    return row


def wrong(code: str) -> str:
    """Another 6-digit code."""
    return f"{(int(code) + 1) % 10**6:06d}"
