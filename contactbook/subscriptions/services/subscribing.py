"""A family's subscription: opt-in with consent, withdrawal, opt-out with its refund, exemption, single messages
or the daily digest, and the daily run (expiry and renewal reminders)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select, update

from contactbook.audit import services as audit
from contactbook.audit.services import Actor
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.models import (
    Consent,
    ConsentPurpose,
    Guardian,
    Plan,
    PlanPeriod,
    School,
    SchoolYear,
    Student,
    StudentGuardian,
    Subscription,
    SubscriptionStatus,
    User,
)
from contactbook.models.base import utcnow
from contactbook.subscriptions import rules
from contactbook.subscriptions.eligibility import settings_of
from contactbook.subscriptions.rules import SubscriptionError
from contactbook.subscriptions.services import renewals, welcome
from contactbook.subscriptions.services.payments import paid_for
from contactbook.subscriptions.services.plans import check_within_ceiling
from contactbook.tenancy import school_scope
from contactbook.timezones import school_today


def _check_school(school: School, subscription: Subscription) -> None:
    if subscription.school_id != school.id:
        raise SubscriptionError(N_("This subscription is not of this school."))


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
    child_consent: bool  # the child's own consent, asked from age 7 (see `child_consent_needed`)


def child_consent_needed(student: Student, starts_on: date) -> bool:
    """Whether a subscription of `student` from `starts_on` needs the child's own consent too: the child is 7
    or older today, or will be on the first day of the service."""
    return rules.needs_child_consent(student.date_of_birth, rules.consent_age_day(starts_on, school_today()))


def check_subscription(
    school: School,
    *,
    guardian: Guardian,
    student: Student,
    plan: Plan,
    sms: bool,
    email: bool,
    starts_on: date,
    consent: ConsentForm,
) -> tuple[date, date, bool]:
    """Raise the first reason the rules refuse this opt-in (nothing is written); else its first and last day,
    and whether the child's own consent is part of it. The portal asks before its confirmation step."""
    if not settings_of(school).enabled:
        raise SubscriptionError(N_("The paid service is switched off for this school."))
    if not rules.starts_in_window(starts_on, school_today()):
        raise SubscriptionError(N_("Choose a start date within a year of today."), field="starts_on")
    if plan.school_id != school.id or not plan.active:
        raise SubscriptionError(N_("This plan is not offered."))
    check_within_ceiling(school, plan.period, plan.price)
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
    child_needed = child_consent_needed(student, starts_on)
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
    return first, last, child_needed


def subscribe(
    school: School,
    actor: Actor,
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
    """Record a family's opt-in with its consent, starting within a year of today. Nobody is subscribed by
    default or without consent. A guardian's first subscription by SMS also queues the welcome SMS that says
    where the portal is (`welcome`)."""
    first, last, child_needed = check_subscription(
        school,
        guardian=guardian,
        student=student,
        plan=plan,
        sms=sms,
        email=email,
        starts_on=starts_on,
        consent=consent,
    )
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
        created_by_id=audit.staff_id(actor),
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
        recorded_by_id=audit.staff_id(actor),
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
    welcome.queue_welcome(school, subscription, utcnow())
    db.session.commit()
    return subscription


def withdraw_purpose(school: School, actor: Actor, subscription: Subscription, purpose: str) -> None:
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


def check_stop_day(subscription: Subscription, stop_on: date) -> None:
    """Refuse a stop day outside the subscription's period: a family stops from one of its days."""
    if not subscription.starts_on <= stop_on <= subscription.ends_on:
        message = N_("Choose a day from %(first)s to %(last)s.")
        raise SubscriptionError(message, field="stop_on", first=subscription.starts_on, last=subscription.ends_on)


def opt_out_quote(subscription: Subscription, stop_on: date) -> rules.Refund:
    """What opting out from `stop_on` (a day of the subscription's period) would cost and refund, before doing it."""
    check_stop_day(subscription, stop_on)
    return rules.pro_rata(
        subscription.charge, paid_for(subscription), subscription.starts_on, subscription.ends_on, stop_on
    )


def opt_out(
    school: School, actor: Actor, subscription: Subscription, stop_on: date, reason: str | None
) -> rules.Refund:
    """Stop a running subscription from `stop_on`, a day of its period not after today (or its first day, when it
    has not started yet): consent is withdrawn, the charge becomes the used days' cost."""
    _check_school(school, subscription)
    if subscription.status != SubscriptionStatus.ACTIVE:
        raise SubscriptionError(N_("This subscription is no longer running."))
    check_stop_day(subscription, stop_on)
    if stop_on > max(school_today(), subscription.starts_on):
        # Opting out takes effect at once (consent is withdrawn now), so it cannot be dated later; one not yet
        # started stops from its first day (nothing used, everything paid owed back).
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


def set_digest(school: School, actor: Actor, subscription: Subscription, digest: bool) -> None:
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


def _full_charge(subscription: Subscription) -> int:
    """What the subscription charges without an exemption: its price, or the used days' cost once opted out."""
    if subscription.status == SubscriptionStatus.CANCELLED and subscription.cancelled_on is not None:
        return rules.pro_rata(
            subscription.price, 0, subscription.starts_on, subscription.ends_on, subscription.cancelled_on
        ).used_charge
    return subscription.price


def set_exemption(school: School, actor: User, subscription: Subscription, reason: str | None) -> None:
    """Waive the fee (with a reason, such as a policy household), or, with None, charge it again; for a subscription
    already stopped, the fee is the used days' cost."""
    _check_school(school, subscription)
    if reason is not None and not reason.strip():
        raise SubscriptionError(N_("Write the reason for the exemption."))
    subscription.exempt = reason is not None
    subscription.exemption_reason = reason.strip()[:200] if reason else None
    subscription.charge = 0 if subscription.exempt else _full_charge(subscription)
    audit.record(
        "subscription.exempted" if subscription.exempt else "subscription.exemption_removed",
        actor=actor,
        school_id=school.id,
        target=subscription,
        reason=subscription.exemption_reason,
    )
    db.session.commit()


def run_daily(today: date) -> dict[str, int]:
    """Expire subscriptions past their end and remind the families whose subscription ends soon; safe to run more
    than once a day, and on two workers at once.

    One school at a time, each under its own scope and in its own commit: each expiry is recorded once, and
    each subscription gets one reminder, written with its outbox messages (`renewals`).
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
            update(Subscription)
            .where(
                Subscription.school_id == school_id,
                Subscription.status == SubscriptionStatus.ACTIVE,
                Subscription.ends_on < today,
            )
            .values(status=SubscriptionStatus.EXPIRED)
            .returning(Subscription)  # only the rows this run changed: a concurrent run waits, then skips them
        )
    )
    for subscription in expired:
        audit.record("subscription.expired", actor=None, school_id=subscription.school_id, target=subscription)
    school = db.session.get(School, school_id)
    assert school is not None
    reminders = renewals.queue_reminders(school, today, utcnow())
    db.session.commit()
    return {"expired": len(expired), "reminders": reminders}
