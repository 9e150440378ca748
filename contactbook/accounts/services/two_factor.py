"""Two-factor sign-in: a TOTP authenticator app (pyotp) and ten single-use recovery codes, and the platform
setting saying which accounts must use it.

The secret is stored once the account confirmed a first code from it; recovery codes are random and kept
only as SHA-256 hashes (50 random bits each, tried under the login throttle). Offered to every account;
required for the kinds the operator names in `PlatformSettings.two_factor_required_for`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import pyotp
import segno
from markupsafe import Markup
from sqlalchemy import delete, or_, select, update

from contactbook.audit import services as audit
from contactbook.auth.rules import Role
from contactbook.extensions import db
from contactbook.models import Grant, PlatformSettings, RecoveryCode, User
from contactbook.models.base import utcnow

ISSUER = "Contact book"
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)
# The kinds of account the setting may name, in display order.
KINDS = ("school_admin", "officer", "operator")


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The QR code of `uri` as an inline SVG."""
    svg = segno.make_qr(uri, error="m").svg_inline(omitsize=True, border=4, svgclass="totp-qr-code", lineclass=None)
    # Safe to mark: segno writes only the modules' path data and our fixed attributes, never the payload's text.
    return Markup(svg)  # noqa: S704


def _clean(code: str) -> str:
    return "".join(char for char in code.lower() if char.isalnum())[:32]


def code_valid(secret: str, code: str) -> bool:
    """Whether `code` is the secret's current 6-digit code (or the one just before or after)."""
    code = _clean(code)
    return len(code) == 6 and code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)


def _hash(code: str) -> str:
    return hashlib.sha256(_clean(code).encode()).hexdigest()


def _new_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, school_id=user.school_id, code_hash=_hash(raw)))
    return codes


def enrol(user: User, secret: str, code: str) -> list[str] | None:
    """Turn the second factor on with `secret` once `code` proves the app has it; the new recovery codes
    (shown once), or None when the code is wrong (nothing changed)."""
    if user.totp_enabled_at is not None or not code_valid(secret, code):
        return None
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    codes = _new_codes(user)
    audit.record("two_factor.enabled", actor=user, school_id=user.school_id, target=user)
    db.session.commit()
    return codes


def _step_of(secret: str, code: str) -> int | None:
    """The time step (30 s) whose code `code` is, among the current one and those just before and after."""
    code = _clean(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now(UTC))
    return next((step for step in (now - 1, now, now + 1) if hmac.compare_digest(totp.generate_otp(step), code)), None)


def verify(user: User, code: str) -> bool:
    """Whether `code` is the account's current code, not used at sign-in before (a code seen over a shoulder
    does not open a second session), or one of its unused recovery codes (then used up)."""
    if user.totp_secret is None or user.totp_enabled_at is None:
        return False
    step = _step_of(user.totp_secret, code)
    if step is not None:
        claimed = db.session.execute(
            update(User)
            .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return bool(claimed.rowcount)  # type: ignore[attr-defined]
    if len(_clean(code)) != 10:
        return False
    row = db.session.scalar(
        select(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code), RecoveryCode.used_at.is_(None))
        .with_for_update()
    )
    if row is None:
        return False
    row.used_at = utcnow()
    audit.record("two_factor.recovery_code_used", actor=user, school_id=user.school_id, target=user)
    db.session.commit()
    return True


def codes_left(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def regenerate(user: User, code: str) -> list[str] | None:
    """New recovery codes (the old ones stop working) after a valid code; None otherwise."""
    if not verify(user, code):
        return None
    codes = _new_codes(user)
    audit.record("two_factor.codes_regenerated", actor=user, school_id=user.school_id, target=user)
    db.session.commit()
    return codes


def disable(user: User, code: str) -> bool:
    """Turn the second factor off after a valid code, unless the account must use it."""
    if required(user) or not verify(user, code):
        return False
    user.totp_secret = None
    user.totp_enabled_at = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("two_factor.disabled", actor=user, school_id=user.school_id, target=user)
    db.session.commit()
    return True


# --- The platform setting --------------------------------------------------------------------------


def settings() -> PlatformSettings:
    """The platform's settings row (a blank one, not saved, before the operator first saves them)."""
    return db.session.get(PlatformSettings, 1) or PlatformSettings(id=1, two_factor_required_for=[])


def set_required_for(actor: User, kinds: list[str]) -> None:
    """Save which kinds of account must use the second factor (audited)."""
    chosen = [kind for kind in KINDS if kind in kinds]
    row = db.session.get(PlatformSettings, 1)
    if row is None:
        row = PlatformSettings(id=1)
        db.session.add(row)
    row.two_factor_required_for = chosen
    row.changed_at, row.changed_by_id = utcnow(), actor.id
    audit.record("platform.two_factor_required", actor=actor, school_id=None, kinds=chosen)
    db.session.commit()


def kinds_of(user: User) -> set[str]:
    """Which of the setting's kinds `user` is."""
    kinds = set()
    if user.is_platform_operator:
        kinds.add("operator")
    if user.school_id is None and user.authority_id is not None:
        kinds.add("officer")
    if user.school_id is not None:
        admin = db.session.scalar(
            select(Grant.id).where(
                Grant.user_id == user.id, Grant.kind == "role", Grant.name == Role.SCHOOL_ADMIN.value
            )
        )
        if admin is not None:
            kinds.add("school_admin")
    return kinds


def required(user: User) -> bool:
    """Whether the platform setting makes `user` use the second factor."""
    wanted = set(settings().two_factor_required_for or [])
    return bool(wanted and wanted & kinds_of(user))
