"""The platform fee a school owes for the website service, per school year: recorded by the operator, audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from contactbook.audit import services as audit
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.models import PlatformFee, School, User
from contactbook.models.base import utcnow
from contactbook.tenancy import school_scope

MAX_FEE = 1_000_000_000  # đồng: far above any yearly fee, well within an INTEGER column
_SCHOOL_YEAR = re.compile(r"^([0-9]{4})-([0-9]{4})$")
FIRST_YEAR, LAST_YEAR = 2000, 2100


class FeeError(ValueError):
    """A platform fee that cannot be recorded; the message (an English id) says why, `field` about which input."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class FeeInput:
    school_year: str
    amount: int
    invoiced_on: date | None
    paid_on: date | None
    note: str = ""


def valid_school_year(text: str) -> bool:
    """Whether `text` names a school year: "2026-2027" (two consecutive years, ASCII digits)."""
    match = _SCHOOL_YEAR.match(text)
    if match is None:
        return False
    first, second = int(match[1]), int(match[2])
    return FIRST_YEAR <= first <= LAST_YEAR and second == first + 1


def fee_problem(data: FeeInput) -> FeeError | None:
    """Why `data` cannot be recorded, or None."""
    if not valid_school_year(data.school_year):
        return FeeError(N_("Write the school year as two consecutive years, for example 2026-2027."), "school_year")
    if not 0 < data.amount <= MAX_FEE:
        return FeeError(N_("The amount must be more than 0 đ and not too large."), "amount")
    if data.paid_on is not None and data.invoiced_on is None:
        return FeeError(N_("A fee is paid after it is invoiced: write the invoice date too."), "invoiced_on")
    if data.paid_on is not None and data.invoiced_on is not None and data.paid_on < data.invoiced_on:
        return FeeError(N_("The payment date cannot be before the invoice date."), "paid_on")
    return None


def fees_of(school: School) -> list[PlatformFee]:
    """The school's platform fees, latest year first (read under the school's scope)."""
    with school_scope(school.id):
        return list(
            db.session.scalars(
                select(PlatformFee).where(PlatformFee.school_id == school.id).order_by(PlatformFee.school_year.desc())
            )
        )


def record_fee(actor: User, school: School, data: FeeInput) -> PlatformFee:
    """Set the school's fee for the year (amount, invoiced on, paid on), creating or changing its row; audited."""
    problem = fee_problem(data)
    if problem is not None:
        raise problem
    actor_id = actor.id  # read before the school's scope, which does not see platform accounts
    with school_scope(school.id):
        fee = db.session.scalars(
            select(PlatformFee).where(PlatformFee.school_id == school.id, PlatformFee.school_year == data.school_year)
        ).first()
        if fee is None:
            fee = PlatformFee(school_id=school.id, school_year=data.school_year, details={})
            db.session.add(fee)
        fee.amount = data.amount
        fee.invoiced_on = data.invoiced_on
        fee.paid_on = data.paid_on
        fee.details = {**(fee.details or {}), "note": data.note} if data.note else dict(fee.details or {})
        fee.changed_by_id = actor_id
        fee.changed_at = utcnow()
        db.session.flush()
        audit.record(
            "platform_fee.recorded",
            actor=actor,
            school_id=school.id,
            target=fee,
            school_year=data.school_year,
            amount=data.amount,
            invoiced_on=data.invoiced_on.isoformat() if data.invoiced_on else None,
            paid_on=data.paid_on.isoformat() if data.paid_on else None,
        )
        db.session.commit()
    return fee
