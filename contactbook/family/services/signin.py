"""Signing a family in: a 6-digit code by SMS, or a one-time link by email, sent through the outbox.

- Asking: counted per client address and per number (or address) before anything else, known or not.
  A number that no guardian record of an active school holds gets a sign-in row whose hash no code
  matches (`codes.NEVER_MATCHES`) and no message: the page, the limits, the row, the commit and the
  workers' nudge are the same either way, so the answer does not say whether it is known; its time differs
  only by the message row a known number adds to the same transaction (a millisecond or so, well inside
  the jitter of a phone's network).
- A known number's code goes as an urgent `sign_in` message (category `Category.SIGN_IN`): free, to any
  family, subscribed or not, and it expires unsent with the code. It is written in the school of one of
  the family's guardian records (whose provider costs it is), under that school's row scope.
- Checking: only the latest sign-in of a number counts; it opens once, within 5 minutes, and the fifth
  wrong try locks it (each try is counted, atomically, before it is checked). Success finds or makes
  the `Family` of the number or address. The route then opens the family's session.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, request, url_for
from sqlalchemy import func, select, update

from contactbook.auth import throttle
from contactbook.extensions import conflict_insert, db
from contactbook.family import codes
from contactbook.inputs import MAX_ID
from contactbook.messaging.render import render_message
from contactbook.messaging.services.outbox import FamilyContact, Outbox, nudge_after_commit
from contactbook.messaging.text import sms_segments
from contactbook.messaging.vocabulary import Category, Channel
from contactbook.models import Family, FamilySignIn, Guardian, School, SchoolStatus
from contactbook.models.base import utcnow
from contactbook.tenancy import delivery_scope, school_scope

LIFETIME = timedelta(minutes=5)
MAX_WRONG = 5
KIND = "sign_in"  # the kind of the messages carrying codes and links
SUBJECTS = {"vi": "Đăng nhập Cổng phụ huynh Sổ liên lạc điện tử", "en": "Sign in to the contact book family portal"}
_HOST = re.compile(r"[a-z0-9.-]+(?::\d{1,5})?")
_LOOPBACK = frozenset({"localhost", "127.0.0.1"})


class Problem(enum.Enum):
    """Why a code or link did not sign the family in."""

    WRONG = "wrong"  # another try is allowed
    LOCKED = "locked"  # five wrong tries: ask for a new one
    EXPIRED = "expired"  # none asked for, too old, already used, or replaced by a newer one
    LIMITED = "limited"  # too many tries from this client address


@dataclass(frozen=True)
class Checked:
    """The outcome of a code or link: the family signed in, or why not."""

    family: Family | None
    problem: Problem | None = None
    tries_left: int = 0


def _client_checks(client: str) -> list[throttle.Check]:
    return [(item, ("family-sign-in-client", client)) for item in throttle.limits_of("FAMILY_SIGN_IN_LIMIT_PER_CLIENT")]


def _address_checks(channel: str, address: str) -> list[throttle.Check]:
    limits = throttle.limits_of("FAMILY_SIGN_IN_LIMIT_PER_ADDRESS")
    return [(item, ("family-sign-in-address", channel, address)) for item in limits]


def _recipient_of(channel: Channel, address: str) -> tuple[int, int] | None:
    """(school id, guardian id) of a guardian record of an active school with this number or address, if any;
    one whose contact the provider never refused first."""
    sms = channel == Channel.SMS
    column = Guardian.phone if sms else func.lower(Guardian.email)
    unusable = Guardian.phone_unusable_at if sms else Guardian.email_unusable_at
    with delivery_scope():  # who holds a number is the one question asked across schools
        row = db.session.execute(
            select(Guardian.school_id, Guardian.id)
            .join(School, School.id == Guardian.school_id)
            .where(column == address, School.status == SchoolStatus.ACTIVE)
            .order_by(unusable.is_not(None), Guardian.school_id, Guardian.id)
            .limit(1)
        ).first()
    return (row[0], row[1]) if row else None


def ask(channel: Channel, address: str, client: str, *, locale: str) -> bool:
    """Send a sign-in code (SMS) or link (email) to `address` if a school knows it (committed);
    False when a limit refuses the request (nothing written)."""
    if throttle.count([*_client_checks(client), *_address_checks(channel.value, address)]) is None:
        return False
    target = _recipient_of(channel, address)
    now = utcnow()
    secret = codes.new_code() if channel == Channel.SMS else codes.new_token()
    stored = codes.secret_hash(channel.value, address, secret) if target else codes.NEVER_MATCHES
    sign_in = FamilySignIn(
        channel=channel.value,
        address=address,
        secret_hash=stored,
        attempts=0,
        created_at=now,
        expires_at=now + LIFETIME,
    )
    db.session.add(sign_in)
    db.session.flush()
    if target is None:
        nudge_after_commit()  # as a known number's message does: the same work, the same time
    else:
        _write_message(sign_in, secret, target, locale)
    db.session.commit()
    return True


def _write_message(sign_in: FamilySignIn, secret: str, target: tuple[int, int], locale: str) -> None:
    school_id, guardian_id = target
    channel = Channel(sign_in.channel)
    minutes = int(LIFETIME.total_seconds() // 60)
    if channel == Channel.SMS:
        # Unaccented whatever the school's choice: one segment, and every brandname gateway accepts it.
        body = render_message("sign_in_code", locale, {"code": secret, "minutes": minutes}, unaccented=True)
    else:
        link = public_base() + url_for("family.email_link", token=f"{sign_in.id}.{secret}")
        body = render_message("sign_in_link", locale, {"link": link, "minutes": minutes}, unaccented=False)
    school = db.session.get(School, school_id)
    assert school is not None
    with school_scope(school_id):
        outbox = Outbox(school, kind=KIND, category=Category.SIGN_IN, urgent=True, now=sign_in.created_at)
        outbox.add(
            FamilyContact(guardian_id, sign_in.address, channel),
            key=f"{KIND}:{sign_in.id}",
            body=body,
            subject=SUBJECTS.get(locale, SUBJECTS["vi"]),
            segments=sms_segments(body)[1] if channel == Channel.SMS else 0,
            expires_at=sign_in.expires_at,
        )
        outbox.write()


def public_base() -> str:
    """Where links in emails point: PUBLIC_URL, else this request's own address when its host is ours
    (BASE_DOMAIN, a school's subdomain, a loopback address): never a host a stranger's request named."""
    configured = str(current_app.config["PUBLIC_URL"]).rstrip("/")
    if configured:
        return configured
    base = str(current_app.config["BASE_DOMAIN"]).lower().strip(".")
    host = request.host.lower()
    name = host.split(":")[0]
    if _HOST.fullmatch(host) and (name == base or name.endswith("." + base) or name in _LOOPBACK):
        return f"{request.scheme}://{host}"
    return f"https://{base}"


def _latest(channel: Channel, address: str) -> FamilySignIn | None:
    return db.session.scalar(
        select(FamilySignIn)
        .where(FamilySignIn.channel == channel.value, FamilySignIn.address == address)
        .order_by(FamilySignIn.created_at.desc(), FamilySignIn.id.desc())
        .limit(1)
    )


def check_code(phone: str, code: str, client: str) -> Checked:
    """Sign in with the code sent to `phone` (E.164) (committed)."""
    if throttle.count(_client_checks(client)) is None:
        return Checked(None, Problem.LIMITED)
    return _check(_latest(Channel.SMS, phone), Channel.SMS, code)


def _link_row(token: str) -> tuple[FamilySignIn | None, str]:
    """The email sign-in a link's token names (if it is one) and the token's secret."""
    ident, _, secret = token.partition(".")
    if not (ident.isascii() and ident.isdigit() and len(ident) <= 10 and 0 < int(ident) <= MAX_ID and secret):
        return None, ""
    row = db.session.get(FamilySignIn, int(ident))
    if row is None or row.channel != Channel.EMAIL.value or _latest(Channel.EMAIL, row.address) is not row:
        return None, ""
    return row, secret


def open_link_address(token: str) -> str | None:
    """The address an emailed link was sent to, if the link would sign in now (read only: nothing is used up)."""
    row, secret = _link_row(token)
    usable = (
        row is not None
        and row.used_at is None
        and row.expires_at > utcnow()
        and row.attempts < MAX_WRONG
        and codes.matches(row.secret_hash, row.channel, row.address, secret)
    )
    return row.address if usable and row is not None else None


def check_link(token: str, client: str) -> Checked:
    """Sign in with an emailed link's token (committed)."""
    if throttle.count(_client_checks(client)) is None:
        return Checked(None, Problem.LIMITED)
    row, secret = _link_row(token)
    return _check(row, Channel.EMAIL, secret)


def _check(row: FamilySignIn | None, channel: Channel, secret: str) -> Checked:
    now = utcnow()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return Checked(None, Problem.EXPIRED)
    if row.attempts >= MAX_WRONG:
        return Checked(None, Problem.LOCKED)
    stored, address = row.secret_hash, row.address
    # The try is counted before the secret is checked, in one statement: parallel guesses cannot all get in.
    tries = db.session.scalar(
        update(FamilySignIn)
        .where(FamilySignIn.id == row.id, FamilySignIn.attempts < MAX_WRONG, FamilySignIn.used_at.is_(None))
        .values(attempts=FamilySignIn.attempts + 1)
        .returning(FamilySignIn.attempts)
        .execution_options(synchronize_session=False)
    )
    if tries is None:  # parallel tries locked it, or one used it, meanwhile
        db.session.commit()
        return Checked(None, Problem.LOCKED)
    if not codes.matches(stored, channel.value, address, secret):
        db.session.commit()
        return Checked(None, Problem.WRONG if tries < MAX_WRONG else Problem.LOCKED, MAX_WRONG - tries)
    used = db.session.execute(
        update(FamilySignIn)
        .where(FamilySignIn.id == row.id, FamilySignIn.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not used.rowcount:  # type: ignore[attr-defined]
        db.session.commit()
        return Checked(None, Problem.EXPIRED)  # a parallel request used it first
    family = _family_of(channel, address)
    db.session.commit()
    return Checked(family)


def _family_of(channel: Channel, address: str) -> Family:
    """The family of a number or address just proved (made on its first sign-in), stamped as signed in now."""
    column = Family.phone if channel == Channel.SMS else Family.email
    now = utcnow()
    db.session.execute(
        conflict_insert(Family)
        .values({column.key: address, "created_at": now})
        .on_conflict_do_nothing(index_elements=[column.key])
    )
    family = db.session.scalar(select(Family).where(column == address))
    assert family is not None
    family.last_signed_in_at = now
    return family
