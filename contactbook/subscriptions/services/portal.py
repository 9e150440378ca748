"""What a family does itself, in its portal: the same services the school's pages call (`subscribing`,
`channels`), with the family as the actor of the audit rows, the consent given "in the portal", the service
starting today, and a stop dated today.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from contactbook.audit.services import FamilyActor
from contactbook.models import Guardian, Plan, School, Student, Subscription
from contactbook.subscriptions import rules
from contactbook.subscriptions.services import channels, subscribing
from contactbook.timezones import school_today

PORTAL = "portal"  # the consent method "Cổng phụ huynh" (`contactbook.subscriptions.labels`)
STOP_REASON = "Stopped by the family in the portal"


@dataclass(frozen=True)
class Choice:
    """What the family chose on the subscribe screen."""

    plan: Plan
    sms: bool
    email: bool
    digest: bool
    purposes: frozenset[str]
    given_by: str
    child_agrees: bool


def consent_of(given_by: str, purposes: Iterable[str], child_agrees: bool) -> subscribing.ConsentForm:
    """The consent a family gives on a portal screen."""
    return subscribing.ConsentForm(
        given_by=given_by, method=PORTAL, purposes=frozenset(purposes), child_consent=child_agrees
    )


def check(school: School, *, guardian: Guardian, student: Student, choice: Choice) -> tuple[date, date, bool]:
    """Raise the first reason the rules refuse the family's choice (before its confirmation step); else the
    period it would cover from today and whether the child's own agreement is part of it."""
    return subscribing.check_subscription(
        school,
        guardian=guardian,
        student=student,
        plan=choice.plan,
        sms=choice.sms,
        email=choice.email,
        starts_on=school_today(),
        consent=consent_of(choice.given_by, choice.purposes, choice.child_agrees),
    )


def subscribe(
    school: School, family: FamilyActor, *, guardian: Guardian, student: Student, choice: Choice
) -> Subscription:
    """Subscribe from today, as the family chose and consented on the portal (`subscribing.subscribe`)."""
    return subscribing.subscribe(
        school,
        family,
        guardian=guardian,
        student=student,
        plan=choice.plan,
        sms=choice.sms,
        email=choice.email,
        digest=choice.digest,
        starts_on=school_today(),
        consent=consent_of(choice.given_by, choice.purposes, choice.child_agrees),
    )


def stop_on(subscription: Subscription) -> date:
    """The day a stop asked today takes effect from: today, within the subscription's period."""
    return min(max(school_today(), subscription.starts_on), subscription.ends_on)


def stop_quote(subscription: Subscription) -> rules.Refund:
    """What stopping today would cost and refund, shown before the family confirms."""
    return subscribing.opt_out_quote(subscription, stop_on(subscription))


def stop(school: School, family: FamilyActor, subscription: Subscription) -> rules.Refund:
    """Stop the subscription from today (`subscribing.opt_out`): its consent is withdrawn, the refund is owed."""
    return subscribing.opt_out(school, family, subscription, stop_on(subscription), STOP_REASON)


def change_channels(
    school: School,
    family: FamilyActor,
    subscription: Subscription,
    *,
    sms: bool,
    email: bool,
    given_by: str,
    purposes: Iterable[str],
    child_agrees: bool,
) -> None:
    """Change the channels (`channels.change_channels`), consenting on the portal to an added one's purposes."""
    consent = consent_of(given_by, purposes, child_agrees)
    channels.change_channels(school, family, subscription, sms=sms, email=email, consent=consent)


def set_digest(school: School, family: FamilyActor, subscription: Subscription, digest: bool) -> None:
    """Single messages or the daily digest from now on (`subscribing.set_digest`)."""
    subscribing.set_digest(school, family, subscription, digest)


def withdraw(school: School, family: FamilyActor, subscription: Subscription, purpose: str) -> None:
    """Withdraw the consent for one purpose now (`subscribing.withdraw_purpose`)."""
    subscribing.withdraw_purpose(school, family, subscription, purpose)
