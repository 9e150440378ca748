"""Plans of the paid service and the price ceilings authorities set above them."""

from __future__ import annotations

from sqlalchemy import func, select

from contactbook.audit import services as audit
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.models import (
    Authority,
    Plan,
    PlanPeriod,
    PriceCeiling,
    RegistrationCampaign,
    RegistrationStatus,
    School,
    SchoolRegistration,
    User,
)
from contactbook.subscriptions.rules import SubscriptionError
from contactbook.subscriptions.services.payments import MAX_AMOUNT

# The terms of a registration campaign that cap a period's plans (a semester plan has no ceiling there).
CAMPAIGN_CEILINGS = {
    PlanPeriod.MONTH: RegistrationCampaign.max_price_month,
    PlanPeriod.SCHOOL_YEAR: RegistrationCampaign.max_price_year,
}


def price_ceiling(school: School, period: PlanPeriod) -> int | None:
    """The lowest ceiling for `period` that the school's authorities (its own and those above) set, or that the
    campaign through which the school registered offered in its terms."""
    ids: list[int] = []
    authority: Authority | None = school.authority
    while authority is not None:
        ids.append(authority.id)
        authority = authority.parent
    ceilings = [
        db.session.scalar(
            select(func.min(PriceCeiling.max_price)).where(
                PriceCeiling.authority_id.in_(ids), PriceCeiling.period == period
            )
        )
    ]
    if period in CAMPAIGN_CEILINGS:
        ceilings.append(
            db.session.scalar(
                select(func.min(CAMPAIGN_CEILINGS[period]))
                .join(SchoolRegistration, SchoolRegistration.campaign_id == RegistrationCampaign.id)
                .where(
                    SchoolRegistration.created_school_id == school.id,
                    SchoolRegistration.status == RegistrationStatus.APPROVED,
                )
            )
        )
    return min((ceiling for ceiling in ceilings if ceiling is not None), default=None)


def set_price_ceiling(authority: Authority, actor: User, period: PlanPeriod, max_price: int | None) -> None:
    """An authority sets (or, with None, removes) the maximum price of plans of `period` below it: a positive
    number of đồng."""
    if max_price is not None and not 0 < max_price <= MAX_AMOUNT:
        raise SubscriptionError(N_("The amount must be a positive number of đồng."), field="max_price")
    row = db.session.scalar(
        select(PriceCeiling).where(PriceCeiling.authority_id == authority.id, PriceCeiling.period == period)
    )
    if max_price is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(PriceCeiling(authority_id=authority.id, period=period, max_price=max_price))
    else:
        row.max_price = max_price
    audit.record(
        "price_ceiling.set", actor=actor, school_id=None, target=authority, period=period.value, max_price=max_price
    )
    db.session.commit()


def check_within_ceiling(school: School, period: PlanPeriod, price: int) -> None:
    """Refuse a price above the ceiling the school's authorities set now for `period` (a ceiling lowered after a
    plan was published binds the plan's new subscriptions too)."""
    ceiling = price_ceiling(school, period)
    if ceiling is not None and price > ceiling:
        raise SubscriptionError(N_("The price is above the ceiling set by the education authority."))


def create_plan(
    school: School,
    actor: User,
    *,
    name: str,
    price: int,
    period: PlanPeriod,
    sms: bool,
    email: bool,
    digest_only: bool,
) -> Plan:
    """Publish a plan; its price must be positive and within the authority's ceiling."""
    if not " ".join(name.split()):
        raise SubscriptionError(N_("Write the name of the plan."), field="name")
    if price <= 0:
        raise SubscriptionError(N_("The price must be a positive number of đồng."))
    if price > MAX_AMOUNT:
        raise SubscriptionError(N_("The price is too large."), field="price")
    if not (sms or email):
        raise SubscriptionError(N_("A plan includes SMS, email or both."))
    check_within_ceiling(school, period, price)
    plan = Plan(
        school_id=school.id,
        name=" ".join(name.split()),
        price=price,
        period=period,
        sms=sms,
        email=email,
        digest_only=digest_only,
        active=True,
    )
    db.session.add(plan)
    db.session.flush()
    audit.record("plan.created", actor=actor, school_id=school.id, target=plan, name=plan.name, price=price)
    db.session.commit()
    return plan


def set_plan_active(school: School, actor: User, plan: Plan, active: bool) -> None:
    """Withdraw a plan from new subscriptions (running ones keep it), or offer it again (within the ceiling)."""
    if plan.school_id != school.id:
        raise SubscriptionError(N_("This plan is not offered."))
    if active:
        check_within_ceiling(school, plan.period, plan.price)
    plan.active = active
    audit.record("plan.activated" if active else "plan.withdrawn", actor=actor, school_id=school.id, target=plan)
    db.session.commit()
