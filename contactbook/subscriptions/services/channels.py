"""Changing the channels of a running subscription, for the messages not yet sent.

A channel dropped takes its consent purposes with it (withdrawn now, so a message of that channel still
queued is skipped when a worker checks it); a channel added needs the family's consent for its purposes,
recorded as a consent of its own (with the child's, from age 7), as at subscribing.
"""

from __future__ import annotations

from contactbook.audit import services as audit
from contactbook.audit.services import Actor
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.models import Consent, ConsentPurpose, School, Subscription, SubscriptionStatus
from contactbook.models.base import utcnow
from contactbook.subscriptions import rules
from contactbook.subscriptions.rules import SubscriptionError
from contactbook.subscriptions.services.subscribing import ConsentForm, child_consent_needed
from contactbook.timezones import school_today


def change_channels(
    school: School,
    actor: Actor,
    subscription: Subscription,
    *,
    sms: bool,
    email: bool,
    consent: ConsentForm | None = None,
) -> None:
    """Use SMS and/or email from now on: a dropped channel's purposes are withdrawn; an added channel needs
    `consent` for its purposes only (and the child's own, from age 7)."""
    if subscription.school_id != school.id:
        raise SubscriptionError(N_("This subscription is not of this school."))
    if subscription.status != SubscriptionStatus.ACTIVE:
        raise SubscriptionError(N_("This subscription is no longer running."))
    if not (sms or email):
        raise SubscriptionError(N_("Keep at least one channel, or stop the subscription."))
    plan, guardian = subscription.plan, subscription.guardian
    if (sms and not plan.sms) or (email and not plan.email):
        raise SubscriptionError(N_("Choose channels that the plan includes."))
    wanted = (("sms", sms, subscription.sms), ("email", email, subscription.email))
    added = [name for name, after, before in wanted if after and not before]
    dropped = [name for name, after, before in wanted if before and not after]
    if not added and not dropped:
        db.session.commit()
        return
    if "sms" in added and not guardian.phone:
        raise SubscriptionError(N_("The guardian has no mobile phone number for SMS."))
    if "email" in added and not guardian.email:
        raise SubscriptionError(N_("The guardian has no email address."))
    now = utcnow()
    purposes: list[str] = []
    if added:
        if consent is None:
            raise SubscriptionError(N_("Choose at least one purpose the family consents to."))
        problems = rules.check_purposes(consent.purposes, "sms" in added, "email" in added)
        if problems:
            raise SubscriptionError(problems[0])
        if not consent.given_by.strip():
            raise SubscriptionError(N_("Write who gave the consent."))
        child_needed = child_consent_needed(subscription.student, max(school_today(), subscription.starts_on))
        if child_needed and not consent.child_consent:
            raise SubscriptionError(N_("The student is 7 or older: the child's own consent is needed too."))
        purposes = sorted(consent.purposes)
        record = Consent(
            school_id=school.id,
            subscription_id=subscription.id,
            given_by=consent.given_by.strip()[:200],
            method=consent.method,
            given_at=now,
            child_consent=True if child_needed else None,
            recorded_by_id=audit.staff_id(actor),
        )
        record.purposes = [ConsentPurpose(school_id=school.id, purpose=p) for p in purposes]
        db.session.add(record)
    for row in (row for c in subscription.consents for row in c.purposes):
        if row.withdrawn_at is None and row.purpose.rsplit("_", 1)[-1] in dropped:
            row.withdrawn_at = now
    subscription.sms, subscription.email = sms, email
    audit.record(
        "subscription.channels_changed",
        actor=actor,
        school_id=school.id,
        target=subscription,
        channels=[name for name, on in (("SMS", sms), ("Email", email)) if on],
        added=added,
        dropped=dropped,
        purposes=purposes,
    )
    db.session.commit()
