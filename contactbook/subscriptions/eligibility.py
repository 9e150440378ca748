"""Who may receive what, read only: a school's service settings as read, what was paid per subscription,
which channels may carry a message to a family at a moment, and whether a renewal reminder not yet sent
still should go.

Outside the services package on purpose. The outbox and the send-time checks ask here, and the subscription
services write the outbox (renewal reminders, `contactbook.subscriptions.services.renewals`): the services
import messaging, messaging imports only this module, which imports neither, so there is no import cycle
whichever is imported first. `contactbook.subscriptions.services` exports these names for its callers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import aliased

from contactbook.extensions import among, db
from contactbook.messaging.vocabulary import Channel
from contactbook.models import (
    Consent,
    ConsentPurpose,
    Guardian,
    Payment,
    PaymentKind,
    School,
    ServiceSettings,
    Student,
    Subscription,
    SubscriptionStatus,
)
from contactbook.subscriptions import rules
from contactbook.subscriptions.rules import DEFAULT_FREE_CATEGORIES, EligibilityFacts, SubscriptionFacts
from contactbook.timezones import school_today


def settings_of(school: School) -> ServiceSettings:
    """The school's service settings (off, with the default free essentials, until changed); read only."""
    return db.session.get(ServiceSettings, school.id) or default_settings(school)


def default_settings(school: School) -> ServiceSettings:
    """The settings of a school that never changed them (not added to the session)."""
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


# --- Renewal reminders, checked again when they are sent -----------------------------------------------

RENEWAL = "renewal"  # the kind and category of a renewal reminder's messages
WELCOME = "welcome"  # the kind and category of the SMS saying where the portal is, after a first subscription
# Messages about the family's own contract: checked against their subscription, not the consent purposes.
CONTRACT_KINDS = (RENEWAL, WELCOME)
STOPPED = "the subscription stopped before the reminder was sent"
RENEWED = "the subscription was renewed before the reminder was sent"
SERVICE_OFF = "the paid service was switched off before the reminder was sent"
CHANNEL_DROPPED = "the family dropped this channel from its subscription before the message was sent"


def renewed_later() -> ColumnElement[bool]:
    """Whether the same guardian already holds a running subscription for the same student after this one."""
    later = aliased(Subscription)
    return (
        select(later.id)
        .where(
            later.guardian_id == Subscription.guardian_id,
            later.student_id == Subscription.student_id,
            later.status == SubscriptionStatus.ACTIVE,
            later.starts_on > Subscription.ends_on,
        )
        .exists()
    )


def subscription_channels(subscription_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """The channels ("sms", "email") each subscription carries now."""
    ids = sorted(set(subscription_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Subscription.id, Subscription.sms, Subscription.email).where(among(Subscription.id, ids))
    ).tuples()
    return {
        sid: frozenset(name for name, on in ((Channel.SMS.value, sms), (Channel.EMAIL.value, email)) if on)
        for sid, sms, email in rows
    }


def reasons_not_to_remind(subscription_ids: Iterable[int], today: date) -> dict[int, str]:
    """For reminders (and welcomes) about to be sent: why each subscription no longer wants one (absent: send)."""
    ids = sorted(set(subscription_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            Subscription.id,
            Subscription.status,
            Subscription.ends_on,
            ServiceSettings.enabled,
            renewed_later().label("renewed"),
        )
        .outerjoin(ServiceSettings, ServiceSettings.school_id == Subscription.school_id)
        .where(among(Subscription.id, ids))
    ).tuples()
    reasons: dict[int, str] = {}
    for subscription_id, status, ends_on, enabled, renewed in rows:
        if status != SubscriptionStatus.ACTIVE or ends_on < today:
            reasons[subscription_id] = STOPPED
        elif renewed:
            reasons[subscription_id] = RENEWED
        elif not enabled:
            reasons[subscription_id] = SERVICE_OFF
    return reasons
