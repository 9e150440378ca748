"""A family's session: who it is, which guardian records (of any school) it speaks for.

The session is separate from staff sessions: it lives under its own key, a staff login neither opens
nor closes it, and `family_required` admits only it. The members (school, guardian) are looked up once,
when the family signs in, by its verified number or address: that is the one read across schools the
portal makes, under the delivery role; every page then reads each school's rows under that school's
own scope (`contactbook.family.children`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, session
from sqlalchemy import ColumnElement, func, or_, select

from contactbook.auth.access import FAMILY_SESSION_KEY, family_only
from contactbook.extensions import db
from contactbook.models import Family, Guardian
from contactbook.tenancy import delivery_scope, school_scope

SESSION_KEY = FAMILY_SESSION_KEY


@dataclass(frozen=True)
class FamilyMember:
    """One guardian record of the family, in one school."""

    school_id: int
    guardian_id: int


@dataclass(frozen=True)
class SignedInFamily:
    """The family of the current session."""

    id: int
    phone: str | None
    email: str | None
    members: tuple[FamilyMember, ...]

    @property
    def school_ids(self) -> list[int]:
        """The schools the family has a guardian record in, in a stable order."""
        return sorted({member.school_id for member in self.members})

    def guardian_ids(self, school_id: int) -> list[int]:
        """The family's guardian records in `school_id`."""
        return sorted(member.guardian_id for member in self.members if member.school_id == school_id)


def _holding(phone: str | None, email: str | None) -> list[ColumnElement[bool]]:
    """The conditions a guardian record meets when it holds the family's verified number or address."""
    matches: list[ColumnElement[bool]] = []
    if phone:
        matches.append(Guardian.phone == phone)
    if email:
        matches.append(func.lower(Guardian.email) == email.lower())
    return matches


def members_of(family: Family) -> tuple[FamilyMember, ...]:
    """Every guardian record, in every school, with the family's number or address."""
    matches = _holding(family.phone, family.email)
    if not matches:
        return ()
    with delivery_scope():  # the portal's one read across schools, by the verified number or address
        rows = db.session.execute(
            select(Guardian.school_id, Guardian.id).where(or_(*matches)).order_by(Guardian.school_id, Guardian.id)
        ).all()
    return tuple(FamilyMember(school_id, guardian_id) for school_id, guardian_id in rows)


def held_guardian_ids(family: SignedInFamily, school_id: int) -> list[int]:
    """The family's guardian records in `school_id` that still hold its number or address (a record the school
    has since given another number is no longer the family's), read under the school's scope."""
    ids = family.guardian_ids(school_id)
    matches = _holding(family.phone, family.email)
    if not ids or not matches:
        return []
    with school_scope(school_id):
        held = db.session.scalars(
            select(Guardian.id).where(Guardian.school_id == school_id, Guardian.id.in_(ids), or_(*matches))
        )
        return sorted(held)


def session_data(family: Family) -> dict[str, Any]:
    """What the session keeps of a family that has just proved its number or address."""
    return {
        "id": family.id,
        "phone": family.phone,
        "email": family.email,
        "members": [[member.school_id, member.guardian_id] for member in members_of(family)],
    }


def open_family_session(family: Family) -> None:
    """Sign `family` in (in this browser) in a new session: nothing from before survives but the language
    (a staff login in the same browser ends, as a staff login ends a family's session)."""
    data = session_data(family)
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session[SESSION_KEY] = data
    session.permanent = True
    g.pop("_family", None)


def close_family_session() -> None:
    """Sign the family out; a staff login in the same browser is left as it is."""
    session.pop(SESSION_KEY, None)
    g.pop("_family", None)


def current_family() -> SignedInFamily | None:
    """The family signed in in this browser, if any."""
    if "_family" in g:
        return g._family
    data = session.get(SESSION_KEY)
    family = None
    if isinstance(data, dict) and isinstance(data.get("id"), int):
        family = SignedInFamily(
            id=data["id"],
            phone=data.get("phone"),
            email=data.get("email"),
            members=tuple(FamilyMember(int(s), int(gid)) for s, gid in data.get("members", [])),
        )
    g._family = family
    return family


def signed_in_family() -> SignedInFamily:
    """The family of a view behind `family_required`."""
    family = current_family()
    assert family is not None  # the access hook let the request in
    return family


# A family page: only a signed-in family; anyone else is sent to the family sign-in page.
family_required = family_only
