"""The paid service's settings, plans and subscriptions with consent. Every change is audited here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from contactbook.audit import services as audit
from contactbook.extensions import among, db
from contactbook.i18n import N_
from contactbook.messaging.vocabulary import Channel
from contactbook.models import (
    Authority,
    Consent,
    ConsentPurpose,
    Guardian,
    Payment,
    PaymentKind,
    Plan,
    PlanPeriod,
    PriceCeiling,
    RenewalReminder,
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
from contactbook.subscriptions import rules
from contactbook.subscriptions.rules import DEFAULT_FREE_CATEGORIES, EligibilityFacts, SubscriptionFacts
from contactbook.tenancy import school_scope
from contactbook.timezones import school_today

# The most a school may set as the price of one SMS segment, in đồng (providers charge a few hundred).
MAX_SEGMENT_PRICE = 10_000


class SubscriptionError(ValueError):
    """A change the rules refuse; the message (an English message id) says why."""


def _check_school(school: School, subscription: Subscription) -> None:
    if subscription.school_id != school.id:
        raise SubscriptionError(N_("This subscription is not of this school."))


def settings_of(school: School) -> ServiceSettings:
    """The school's service settings (off, with the default free essentials, until changed); read only."""
    return db.session.get(ServiceSettings, school.id) or _default_settings(school)


def _default_settings(school: School) -> ServiceSettings:
    return ServiceSettings(
        school_id=school.id,
        enabled=False,
        free_categories=list(DEFAULT_FREE_CATEGORIES),
        allow_unpaid_start=True,
        unpaid_flag_days=14,
        reminder_days=7,
        quiet_end_hour=7,
        quiet_start_hour=21,
        digest_hour=18,
        sms_unaccented=True,
        sms_segment_price=300,
    )


def _settings_to_change(school: School) -> ServiceSettings:
    settings = db.session.get(ServiceSettings, school.id)
    if settings is None:
        settings = _default_settings(school)
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
    """Change the quiet hours, the digest hour and the price per SMS segment; checked again at send time."""
    if not all(0 <= hour <= 23 for hour in (quiet_start_hour, quiet_end_hour, digest_hour)):
        raise SubscriptionError(N_("An hour is from 00:00 to 23:00."))
    if quiet_start_hour == quiet_end_hour:
        raise SubscriptionError(N_("The quiet hours must start and end at different times."))
    if not 0 <= sms_segment_price <= MAX_SEGMENT_PRICE:
        raise SubscriptionError(N_("The price per SMS segment is from 0 to 10.000 đồng."))
    settings = _settings_to_change(school)
    settings.quiet_start_hour, settings.quiet_end_hour = quiet_start_hour, quiet_end_hour
    settings.digest_hour, settings.sms_segment_price = digest_hour, sms_segment_price
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


def net_paid(subscription_ids: Iterable[int]) -> dict[int, int]:
    """Payments less refunds for each subscription (those with none are left out)."""
    ids = list(subscription_ids)
    totals: dict[int, int] = defaultdict(int)
    if not ids:
        return totals
    rows = db.session.execute(
        select(Payment.subscription_id, Payment.kind, func.sum(Payment.amount))
        .where(among(Payment.subscription_id, ids))
        .group_by(Payment.subscription_id, Payment.kind)
    ).tuples()
    for subscription_id, kind, total in rows:
        if subscription_id is not None:
            totals[subscription_id] += int(total or 0) * (1 if kind == PaymentKind.PAYMENT else -1)
    return totals


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
    """Expire subscriptions past their end and queue renewal reminders; safe to run more than once a day.

    One school at a time, each under its own scope and in its own commit.
    """
    totals = {"expired": 0, "reminders": 0}
    for school_id in db.session.scalars(select(School.id).order_by(School.id)).all():
        with school_scope(school_id):
            for name, count in _run_daily_for(school_id, today).items():
                totals[name] += count
    return totals


def _run_daily_for(school_id: int, today: date) -> dict[str, int]:
    expired = list(
        db.session.scalars(
            select(Subscription).where(
                Subscription.school_id == school_id,
                Subscription.status == SubscriptionStatus.ACTIVE,
                Subscription.ends_on < today,
            )
        )
    )
    for subscription in expired:
        subscription.status = SubscriptionStatus.EXPIRED
        audit.record("subscription.expired", actor=None, school_id=subscription.school_id, target=subscription)
    reminders = 0
    later = aliased(Subscription)
    renewed = (
        select(later.id)
        .where(
            later.guardian_id == Subscription.guardian_id,
            later.student_id == Subscription.student_id,
            later.status == SubscriptionStatus.ACTIVE,
            later.starts_on > Subscription.ends_on,
        )
        .exists()
    )
    for subscription, settings in db.session.execute(
        select(Subscription, ServiceSettings)
        .join(ServiceSettings, ServiceSettings.school_id == Subscription.school_id)
        .outerjoin(RenewalReminder, RenewalReminder.subscription_id == Subscription.id)
        .where(
            Subscription.school_id == school_id,
            ServiceSettings.enabled.is_(True),  # no reminders to renew a service that is switched off
            Subscription.status == SubscriptionStatus.ACTIVE,
            Subscription.ends_on >= today,
            RenewalReminder.id.is_(None),
            ~renewed,  # already renewed for the next period
        )
    ):
        if (subscription.ends_on - today).days <= settings.reminder_days:
            db.session.add(
                RenewalReminder(
                    school_id=subscription.school_id,
                    subscription_id=subscription.id,
                    due_on=today,
                    details={"ends_on": subscription.ends_on.isoformat(), "guardian_id": subscription.guardian_id},
                )
            )
            reminders += 1
    db.session.commit()
    return {"expired": len(expired), "reminders": reminders}


def eligible_channels(guardian: Guardian, student: Student, category: str, at: datetime) -> frozenset[Channel]:
    """Which channels may carry a message of `category` to `guardian` about `student` at moment `at`."""
    school = db.session.get(School, guardian.school_id)
    assert school is not None
    pair = (guardian.id, student.id)
    return eligibility_for_many(school, [pair], category, at)[pair]


def eligibility_for_many(
    school: School, pairs: Iterable[tuple[int, int]], category: str, at: datetime
) -> dict[tuple[int, int], frozenset[Channel]]:
    """`eligible_channels` for many (guardian id, student id) pairs of one school, in a few queries."""
    wanted = set(pairs)
    if not wanted:
        return {}
    settings = settings_of(school)
    guardian_ids = {g for g, _ in wanted}
    # Plain rows, not ORM objects: a school-wide notice asks about every family at once.
    guardians = {
        row.id: row
        for row in db.session.execute(
            select(
                Guardian.id,
                Guardian.school_id,
                Guardian.phone,
                Guardian.email,
                Guardian.phone_unusable_at,
                Guardian.email_unusable_at,
            ).where(among(Guardian.id, guardian_ids))
        )
    }
    subscriptions = db.session.execute(
        select(
            Subscription.id,
            Subscription.guardian_id,
            Subscription.student_id,
            Subscription.starts_on,
            Subscription.ends_on,
            Subscription.status,
            Subscription.sms,
            Subscription.email,
            Subscription.exempt,
            Subscription.charge,
        ).where(Subscription.school_id == school.id, among(Subscription.guardian_id, guardian_ids))
    ).all()
    sub_ids = [s.id for s in subscriptions]
    purposes: dict[int, set[str]] = {}
    for subscription_id, purpose in db.session.execute(
        select(Consent.subscription_id, ConsentPurpose.purpose)
        .join(ConsentPurpose, ConsentPurpose.consent_id == Consent.id)
        .where(
            among(Consent.subscription_id, sub_ids),
            Consent.given_at <= at,
            or_(ConsentPurpose.withdrawn_at.is_(None), ConsentPurpose.withdrawn_at > at),
        )
    ):
        purposes.setdefault(subscription_id, set()).add(purpose)
    paid = {} if settings.allow_unpaid_start else net_paid(sub_ids)
    unpaid_ok, enabled = settings.allow_unpaid_start, settings.enabled
    by_pair: dict[tuple[int, int], list[SubscriptionFacts]] = {}
    for sub in subscriptions:
        by_pair.setdefault((sub.guardian_id, sub.student_id), []).append(
            SubscriptionFacts(
                starts_on=sub.starts_on,
                ends_on=sub.ends_on,
                active=sub.status == SubscriptionStatus.ACTIVE,
                sms=sub.sms,
                email=sub.email,
                paid_enough=sub.exempt or unpaid_ok or paid.get(sub.id, 0) >= sub.charge,
                purposes=frozenset(purposes.get(sub.id, ())),
            )
        )
    local_day = school_today(at)
    free_categories = frozenset(settings.free_categories)
    answers: dict[tuple[int, int], frozenset[Channel]] = {}
    for guardian_id, student_id in wanted:
        guardian = guardians.get(guardian_id)
        if guardian is None or guardian.school_id != school.id:
            answers[(guardian_id, student_id)] = frozenset()
            continue
        facts = EligibilityFacts(
            service_enabled=enabled,
            free_categories=free_categories,
            has_phone=bool(guardian.phone) and guardian.phone_unusable_at is None,
            has_email=bool(guardian.email) and guardian.email_unusable_at is None,
            subscriptions=tuple(by_pair.get((guardian_id, student_id), ())),
        )
        answers[(guardian_id, student_id)] = rules.eligible_channels(facts, category, local_day)
    return answers
