"""Signing a family in for a test, without the sign-in code (tests of the sign-in itself use the real flow)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.family.session import SESSION_KEY, session_data
from contactbook.models import Family


def family_for(phone: str | None = None, email: str | None = None) -> Family:
    """The family account of this number or address (made if new), flushed."""
    column = Family.phone if phone else Family.email
    value = phone or (email or "").lower()
    family = db.session.scalar(select(Family).where(column == value))
    if family is None:
        family = Family(phone=phone, email=(email.lower() if email else None))
        db.session.add(family)
        db.session.flush()
    return family


def sign_in_family(app: Flask, client: FlaskClient, phone: str | None = None, email: str | None = None) -> Family:
    """Sign `client` in as the family of `phone` (E.164) or `email`, as a proved sign-in would."""
    with app.app_context():
        family = family_for(phone, email)
        data = session_data(family)
        db.session.commit()  # kept, as a real sign-in keeps it (a savepoint of the test's transaction)
        db.session.refresh(family)  # loaded again, so that it can be read once this context is gone
    with client.session_transaction() as session:
        session[SESSION_KEY] = data
    return family
