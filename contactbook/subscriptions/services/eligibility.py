"""Which channels may carry a message to a family at a moment: the pipeline asks when it writes and when it sends."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select

from contactbook.extensions import among, db
from contactbook.messaging.vocabulary import Channel
from contactbook.models import (
    Consent,
    ConsentPurpose,
    Guardian,
    School,
    Student,
    Subscription,
    SubscriptionStatus,
)
from contactbook.subscriptions import rules
from contactbook.subscriptions.rules import EligibilityFacts, SubscriptionFacts
from contactbook.subscriptions.services.payments import net_paid
from contactbook.subscriptions.services.settings import settings_of
from contactbook.timezones import school_today


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
