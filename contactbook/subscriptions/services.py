"""The paid service's settings, plans and subscriptions with consent. Every change is audited here.

Reading the settings and deciding eligibility live in `contactbook.subscriptions.eligibility`
(`settings_of` and `net_paid` are imported here too, as other features call them through this module).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select, update

from contactbook.audit import services as audit
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.messaging import digests
from contactbook.models import (
    Authority,
    Consent,
    ConsentPurpose,
    Guardian,
    Plan,
    PlanPeriod,
    PriceCeiling,
    School,
    SchoolYear,
    ServiceSettings,
    Student,
    StudentGuardian,
    Subscription,
    SubscriptionStatus,
    User,
)
from contactbook.models.base import utcnow
from contactbook.subscriptions import renewals, rules
from contactbook.subscriptions.eligibility import default_settings, net_paid, settings_of
from contactbook.timezones import school_today, school_zone

# The most a school may set as the price of one SMS segment, in đồng (providers charge a few hundred).
MAX_SEGMENT_PRICE = 10_000


class SubscriptionError(ValueError):
    """A change the rules refuse; the message (an English message id) says why."""


def _check_school(school: School, subscription: Subscription) -> None:
    if subscription.school_id != school.id:
        raise SubscriptionError(N_("This subscription is not of this school."))


def _settings_to_change(school: School) -> ServiceSettings:
    settings = db.session.get(ServiceSettings, school.id)
    if settings is None:
        settings = default_settings(school)
        db.session.add(settings)
        db.session.flush()
    return settings


def set_service_enabled(school: School, actor: User, enabled: bool) -> ServiceSettings:
    """Switch the paid service on or off; off stops paid sending at once, subscriptions are kept (paused)."""
    settings = _settings_to_change(school)
    if settings.enabled != enabled:
        settings.enabled, settings.changed_at, settings.changed_by_id = enabled, utcnow(), actor.id
        audit.record("service.enabled" if enabled else "service.disabled", actor=actor, school_id=school.id)
    db.session.commit()
    return settings


def update_settings(
    school: School,
    actor: User,
    *,
    free_categories: Iterable[str],
    allow_unpaid_start: bool,
    unpaid_flag_days: int,
    reminder_days: int,
) -> ServiceSettings:
    """Change the free essentials, payment rules and reminder timing."""
    chosen = sorted(set(free_categories))
    if set(chosen) - {c.value for c in rules.ESSENTIAL_CHOICES}:
        raise SubscriptionError(N_("Unknown message category."))
    settings = _settings_to_change(school)
    settings.free_categories = chosen
    settings.allow_unpaid_start = allow_unpaid_start
    settings.unpaid_flag_days = unpaid_flag_days
    settings.reminder_days = reminder_days
    audit.record(
        "service.settings",
        actor=actor,
        school_id=school.id,
        free_categories=chosen,
        allow_unpaid_start=allow_unpaid_start,
        unpaid_flag_days=unpaid_flag_days,
        reminder_days=reminder_days,
    )
    db.session.commit()
    return settings


def update_delivery_settings(
    school: School,
    actor: User,
    *,
    quiet_start_hour: int,
    quiet_end_hour: int,
    digest_hour: int,
    sms_segment_price: int,
) -> ServiceSettings:
    """Change the quiet hours, the digest hour and the price per SMS segment. Quiet hours are checked again at
    send time; the digests not yet sent move to the new digest hour; the price applies to messages written,
    and digests composed, from now on."""
    if not all(0 <= hour <= 23 for hour in (quiet_start_hour, quiet_end_hour, digest_hour)):
        raise SubscriptionError(N_("An hour is from 00:00 to 23:00."))
    if quiet_start_hour == quiet_end_hour:
        raise SubscriptionError(N_("The quiet hours must start and end at different times."))
    if not 0 <= sms_segment_price <= MAX_SEGMENT_PRICE:
        raise SubscriptionError(N_("The price per SMS segment is from 0 to 10.000 đồng."))
    settings = _settings_to_change(school)
    hours = (settings.quiet_start_hour, settings.quiet_end_hour, settings.digest_hour)
    settings.quiet_start_hour, settings.quiet_end_hour = quiet_start_hour, quiet_end_hour
    settings.digest_hour, settings.sms_segment_price = digest_hour, sms_segment_price
    if hours != (quiet_start_hour, quiet_end_hour, digest_hour):
        # The digests not yet sent go at the new hour, today's included (at once if it has passed).
        digests.reschedule(school.id, settings, school_zone())
    audit.record(
        "service.delivery_settings",
        actor=actor,
        school_id=school.id,
        quiet_start_hour=quiet_start_hour,
        quiet_end_hour=quiet_end_hour,
        digest_hour=digest_hour,
        sms_segment_price=sms_segment_price,
    )
    db.session.commit()
    return settings


def price_ceiling(school: School, period: PlanPeriod) -> int | None:
    """The lowest ceiling that the school's authorities (its own and those above) set for `period`."""
    ids: list[int] = []
    authority: Authority | None = school.authority
    while authority is not None:
        ids.append(authority.id)
        authority = authority.parent
    return db.session.scalar(
        select(func.min(PriceCeiling.max_price)).where(
            PriceCeiling.authority_id.in_(ids), PriceCeiling.period == period
        )
    )


def set_price_ceiling(authority: Authority, actor: User, period: PlanPeriod, max_price: int | None) -> None:
    """An authority sets (or, with None, removes) the maximum price of plans of `period` below it."""
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
    if price <= 0:
        raise SubscriptionError(N_("The price must be a positive number of đồng."))
    if not (sms or email):
        raise SubscriptionError(N_("A plan includes SMS, email or both."))
    ceiling = price_ceiling(school, period)
    if ceiling is not None and price > ceiling:
        raise SubscriptionError(N_("The price is above the ceiling set by the education authority."))
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
    """Withdraw a plan from new subscriptions (running ones keep it), or offer it again."""
    if plan.school_id != school.id:
        raise SubscriptionError(N_("This plan is not offered."))
    plan.active = active
    audit.record("plan.activated" if active else "plan.withdrawn", actor=actor, school_id=school.id, target=plan)
    db.session.commit()


def period_bounds(school: School, period: PlanPeriod, start: date) -> tuple[date, date]:
    """The dates a subscription of `period` starting on `start` covers."""
    if period == PlanPeriod.MONTH:
        return start, rules.month_end(start)
    year = db.session.scalar(
        select(SchoolYear).where(
            SchoolYear.school_id == school.id, SchoolYear.starts_on <= start, SchoolYear.ends_on >= start
        )
    )
    if year is None:
        raise SubscriptionError(N_("No school year of the school covers the start date."))
    if period == PlanPeriod.SCHOOL_YEAR:
        return start, year.ends_on
    semester = next((s for s in year.semesters if s.starts_on <= start <= s.ends_on), None)
    if semester is None:
        raise SubscriptionError(N_("The start date falls between the two semesters."))
    return start, semester.ends_on


@dataclass(frozen=True)
class ConsentForm:
    """What a paper (or portal) consent form says."""

    given_by: str
    method: str
    purposes: frozenset[str]
    child_consent: bool
    given_on: date


def subscribe(
    school: School,
    actor: User | None,
    *,
    guardian: Guardian,
    student: Student,
    plan: Plan,
    sms: bool,
    email: bool,
    digest: bool,
    starts_on: date,
    consent: ConsentForm,
) -> Subscription:
    """Record a family's opt-in with its consent. Nobody is subscribed by default or without consent."""
    if not settings_of(school).enabled:
        raise SubscriptionError(N_("The paid service is switched off for this school."))
    if plan.school_id != school.id or not plan.active:
        raise SubscriptionError(N_("This plan is not offered."))
    linked = db.session.scalar(
        select(StudentGuardian.id).where(
            StudentGuardian.student_id == student.id, StudentGuardian.guardian_id == guardian.id
        )
    )
    if guardian.school_id != school.id or student.school_id != school.id or linked is None:
        raise SubscriptionError(N_("This person is not a guardian of this student."))
    if (sms and not plan.sms) or (email and not plan.email) or not (sms or email):
        raise SubscriptionError(N_("Choose channels that the plan includes."))
    if sms and not guardian.phone:
        raise SubscriptionError(N_("The guardian has no mobile phone number for SMS."))
    if email and not guardian.email:
        raise SubscriptionError(N_("The guardian has no email address."))
    problems = rules.check_purposes(consent.purposes, sms, email)
    if problems:
        raise SubscriptionError(problems[0])
    if not consent.given_by.strip():
        raise SubscriptionError(N_("Write who gave the consent."))
    child_needed = rules.needs_child_consent(student.date_of_birth, consent.given_on)
    if child_needed and not consent.child_consent:
        raise SubscriptionError(N_("The student is 7 or older: the child's own consent is needed too."))
    first, last = period_bounds(school, plan.period, starts_on)
    overlapping = db.session.scalar(
        select(Subscription.id).where(
            Subscription.guardian_id == guardian.id,
            Subscription.student_id == student.id,
            or_(
                and_(
                    Subscription.status == SubscriptionStatus.ACTIVE,
                    Subscription.starts_on <= last,
                    Subscription.ends_on >= first,
                ),
                # A cancelled or expired one from the same first day: the table holds one per day.
                Subscription.starts_on == first,
            ),
        )
    )
    if overlapping is not None:
        raise SubscriptionError(N_("This guardian already has a subscription for this student in that period."))
    subscription = Subscription(
        school_id=school.id,
        guardian_id=guardian.id,
        student_id=student.id,
        plan_id=plan.id,
        sms=sms,
        email=email,
        digest=digest or plan.digest_only,
        starts_on=first,
        ends_on=last,
        price=plan.price,
        charge=plan.price,
        status=SubscriptionStatus.ACTIVE,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(subscription)
    db.session.flush()
    record = Consent(
        school_id=school.id,
        subscription_id=subscription.id,
        given_by=consent.given_by.strip(),
        method=consent.method,
        given_at=utcnow(),
        child_consent=True if child_needed else None,
        recorded_by_id=actor.id if actor else None,
    )
    record.purposes = [ConsentPurpose(school_id=school.id, purpose=p) for p in sorted(consent.purposes)]
    db.session.add(record)
    db.session.flush()
    audit.record(
        "subscription.created",
        actor=actor,
        school_id=school.id,
        target=subscription,
        plan_id=plan.id,
        purposes=sorted(consent.purposes),
        child_consent=record.child_consent,
        method=consent.method,
    )
    db.session.commit()
    return subscription


def withdraw_purpose(school: School, actor: User | None, subscription: Subscription, purpose: str) -> None:
    """Withdraw consent for one purpose: sending for it stops at once."""
    _check_school(school, subscription)
    now = utcnow()
    changed = False
    for consent in subscription.consents:
        for row in consent.purposes:
            if row.purpose == purpose and row.withdrawn_at is None:
                row.withdrawn_at, changed = now, True
    if not changed:
        raise SubscriptionError(N_("There is no consent for this purpose to withdraw."))
    audit.record("consent.withdrawn", actor=actor, school_id=school.id, target=subscription, purpose=purpose)
    db.session.commit()


def set_digest(school: School, actor: User | None, subscription: Subscription, digest: bool) -> None:
    """Switch a running subscription between single messages and the daily digest, for what is written next.

    A message already written keeps the route chosen when it was written: an item waiting for today's digest
    still goes in it, and a message queued to go alone (held by the quiet hours, say) still goes alone.
    """
    _check_school(school, subscription)
    if subscription.status != SubscriptionStatus.ACTIVE:
        raise SubscriptionError(N_("This subscription is no longer running."))
    if not digest and subscription.plan.digest_only:
        raise SubscriptionError(N_("This plan sends only the daily digest."))
    if subscription.digest != digest:
        subscription.digest = digest
        action = "subscription.digest_chosen" if digest else "subscription.instant_chosen"
        audit.record(action, actor=actor, school_id=school.id, target=subscription)
    db.session.commit()


def paid_for(subscription: Subscription) -> int:
    """Payments for the subscription less refunds made for it."""
    return net_paid([subscription.id]).get(subscription.id, 0)


def opt_out_quote(subscription: Subscription, stop_on: date) -> rules.Refund:
    """What opting out from `stop_on` would cost and refund, before doing it."""
    return rules.pro_rata(
        subscription.charge, paid_for(subscription), subscription.starts_on, subscription.ends_on, stop_on
    )


def opt_out(
    school: School, actor: User | None, subscription: Subscription, stop_on: date, reason: str | None
) -> rules.Refund:
    """Stop a subscription from `stop_on`: consent is withdrawn, the charge becomes the used days' cost."""
    _check_school(school, subscription)
    if subscription.status != SubscriptionStatus.ACTIVE:
        raise SubscriptionError(N_("This subscription is no longer running."))
    if stop_on > school_today():
        # Opting out takes effect at once (consent is withdrawn now), so it cannot be dated later.
        raise SubscriptionError(N_("The opt-out date cannot be in the future."))
    quote = opt_out_quote(subscription, stop_on)
    now = utcnow()
    subscription.status = SubscriptionStatus.CANCELLED
    subscription.cancelled_on = stop_on
    subscription.cancel_reason = (reason or "").strip()[:200] or None
    subscription.charge = quote.used_charge
    for consent in subscription.consents:
        for row in consent.purposes:
            if row.withdrawn_at is None:
                row.withdrawn_at = now
    audit.record(
        "subscription.cancelled",
        actor=actor,
        school_id=school.id,
        target=subscription,
        stop_on=stop_on.isoformat(),
        used_charge=quote.used_charge,
        refund_owed=quote.refund,
        reason=subscription.cancel_reason,
    )
    db.session.commit()
    return quote


def set_exemption(school: School, actor: User, subscription: Subscription, reason: str | None) -> None:
    """Waive the fee (with a reason, such as a policy household), or, with None, charge it again."""
    _check_school(school, subscription)
    if reason is not None and not reason.strip():
        raise SubscriptionError(N_("Write the reason for the exemption."))
    subscription.exempt = reason is not None
    subscription.exemption_reason = reason.strip()[:200] if reason else None
    if subscription.status == SubscriptionStatus.ACTIVE:
        subscription.charge = 0 if subscription.exempt else subscription.price
    audit.record(
        "subscription.exempted" if subscription.exempt else "subscription.exemption_removed",
        actor=actor,
        school_id=school.id,
        target=subscription,
        reason=subscription.exemption_reason,
    )
    db.session.commit()


def run_daily(today: date) -> dict[str, int]:
    """Expire subscriptions past their end and remind the families whose subscription ends soon (one commit).

    Safe to run more than once a day, and on two workers at once: each expiry is recorded once, and each
    subscription gets one reminder, written with its outbox messages (`contactbook.subscriptions.renewals`).
    """
    expired = list(
        db.session.scalars(
            update(Subscription)
            .where(Subscription.status == SubscriptionStatus.ACTIVE, Subscription.ends_on < today)
            .values(status=SubscriptionStatus.EXPIRED)
            .returning(Subscription)  # only the rows this run changed: a concurrent run waits, then skips them
        )
    )
    for subscription in expired:
        audit.record("subscription.expired", actor=None, school_id=subscription.school_id, target=subscription)
    reminders = renewals.queue_reminders(today, utcnow())
    db.session.commit()
    return {"expired": len(expired), "reminders": reminders}
