"""Helpers of the account tests: the emails sent, the links in them."""

from __future__ import annotations

import re

from sqlalchemy import select

from contactbook.accounts.services import forgot as forgotten
from contactbook.extensions import db
from contactbook.models import AccountEmail

LINK = re.compile(r"https?://[^/\s]+(/\S*account/password/[A-Za-z0-9_.-]+)")


def emails_to(address: str) -> list[AccountEmail]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(AccountEmail).where(AccountEmail.to_address == address).order_by(AccountEmail.id))
    )


def link_path(email: AccountEmail) -> str:
    """The path of the set-password link in `email`."""
    match = LINK.search(email.body)
    assert match, email.body
    return match.group(1)


def all_emails() -> int:
    """How many emails were written (a forgotten-password request not answered by one has no address)."""
    db.session.expire_all()
    return len(db.session.scalars(select(AccountEmail.id).where(AccountEmail.to_address != "")).all())


def answer_requests() -> dict[str, int]:
    """What the `accounts.answer_reset_requests` task does, here in the test's transaction."""
    return forgotten.answer_requests()
