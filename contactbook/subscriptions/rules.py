"""Pure rules of the paid service: periods, pro-rata refunds, consent by age, and eligibility.

Nothing here touches Flask or the database, so every branch is tested with plain values.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from contactbook.i18n import N_
from contactbook.messaging.vocabulary import Category, Channel

# The notice categories a school may make free essentials (emailed to every guardian at no charge).
ESSENTIAL_CHOICES: tuple[Category, ...] = (
    Category.EMERGENCY,
    Category.CLOSURE,
    Category.ATTENDANCE,
    Category.FEE,
    Category.EVENT,
    Category.GENERAL,
)
DEFAULT_FREE_CATEGORIES: tuple[str, ...] = (Category.EMERGENCY.value, Category.CLOSURE.value)
# Free essentials that reach a family without an email by SMS: a child absent this morning cannot wait for
# an email nobody reads (the other essentials go by email only).
SMS_WHEN_NO_EMAIL: frozenset[str] = frozenset({Category.ATTENDANCE.value})

# Consent is given per purpose: a kind of content by a channel.
PURPOSES: tuple[str, ...] = ("grades_sms", "notices_sms", "grades_email", "notices_email")
CHILD_CONSENT_AGE = 7
# How far from today a subscription may start: a late paper form, or one for next term.
START_WINDOW = timedelta(days=366)


class SubscriptionError(ValueError):
    """A change the rules refuse. The message (an English message id) says why; `field` names the form field
    it concerns, when one does, and `params` fill the message (amounts in đồng, dates)."""

    def __init__(self, message: str, *, field: str | None = None, **params: int | date) -> None:
        super().__init__(message)
        self.field = field
        self.params = params


def purpose_for(category: str, channel: Channel) -> str:
    """The consent purpose that carries `category` by `channel`."""
    kind = "grades" if category == Category.GRADES else "notices"
    return f"{kind}_{channel.value}"


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def month_end(start: date) -> date:
    """The last day of a one-month period starting on `start`: the day before the same day next month,
    or the next month's last day when it has no such day (31 January → 28 February)."""
    following = add_months(start, 1)
    if following.day < start.day:
        return following
    return date.fromordinal(following.toordinal() - 1)


def age_on(birth: date, on: date) -> int:
    """Age in whole years on a day."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def needs_child_consent(birth: date, on: date) -> bool:
    """From age 7, the child's own consent is needed too (Law 91/2025, Decree 356/2025)."""
    return age_on(birth, on) >= CHILD_CONSENT_AGE


def starts_in_window(starts_on: date, today: date) -> bool:
    """Whether a subscription may start on `starts_on`: within a year of `today`, before or after."""
    return abs(starts_on - today) <= START_WINDOW


def consent_age_day(starts_on: date, today: date) -> date:
    """The day a child's age is judged on for consent: today, or the start date when later (the consent
    must hold from the first day of the service)."""
    return max(today, starts_on)


def check_purposes(purposes: Iterable[str], sms: bool, email: bool) -> list[str]:
    """Why a set of purposes cannot go with the chosen channels (message ids); empty if fine."""
    chosen = set(purposes)
    problems: list[str] = []
    if not chosen:
        problems.append(N_("Choose at least one purpose the family consents to."))
    if chosen - set(PURPOSES):
        problems.append(N_("Unknown consent purpose."))
    if not sms and any(p.endswith("_sms") for p in chosen):
        problems.append(N_("An SMS purpose needs the SMS channel."))
    if not email and any(p.endswith("_email") for p in chosen):
        problems.append(N_("An email purpose needs the email channel."))
    return problems


@dataclass(frozen=True)
class Refund:
    """On opting out: what the used days cost, and what is owed back of what was paid."""

    used_days: int
    total_days: int
    used_charge: int
    refund: int


def pro_rata(charge: int, paid: int, starts_on: date, ends_on: date, stop_on: date) -> Refund:
    """Opting out from `stop_on` (that day no longer used): the charge for the used days, rounded up to
    the đồng, and the refund of anything paid beyond it. Integer arithmetic, exact in đồng."""
    total = (ends_on - starts_on).days + 1
    used = min(max((stop_on - starts_on).days, 0), total)
    used_charge = -(-charge * used // total)
    return Refund(used, total, used_charge, max(paid - used_charge, 0))


@dataclass(frozen=True)
class SubscriptionFacts:
    """What eligibility needs to know of one subscription, as of the moment asked about."""

    starts_on: date
    ends_on: date
    active: bool  # not cancelled or expired
    sms: bool
    email: bool
    paid_enough: bool  # exempt, paid, or the school lets service start before payment
    purposes: frozenset[str]  # consented and not withdrawn at that moment


@dataclass(frozen=True)
class EligibilityFacts:
    service_enabled: bool
    free_categories: frozenset[str]
    has_phone: bool
    has_email: bool
    subscriptions: tuple[SubscriptionFacts, ...]


def eligible_channels(facts: EligibilityFacts, category: str, on: date) -> frozenset[Channel]:
    """The channels that may carry a message of `category` to this guardian about this student on `on`.

    A free essential goes by email to every guardian with an email, whatever the service's state; an
    attendance essential goes by SMS to a guardian with a phone and no usable email.
    Otherwise a channel needs: the service switched on, a subscription running on that day, not
    cancelled or expired, paid enough, including the channel, with consent for that purpose and channel,
    and a phone (SMS) or email (email) to send to.
    """
    channels: set[Channel] = set()
    if category in facts.free_categories and facts.has_email:
        channels.add(Channel.EMAIL)
    elif category in facts.free_categories and category in SMS_WHEN_NO_EMAIL and facts.has_phone:
        channels.add(Channel.SMS)
    if not facts.service_enabled:
        return frozenset(channels)
    reachable = {Channel.SMS: facts.has_phone, Channel.EMAIL: facts.has_email}
    for sub in facts.subscriptions:
        if not (sub.active and sub.paid_enough and sub.starts_on <= on <= sub.ends_on):
            continue
        for channel, included in ((Channel.SMS, sub.sms), (Channel.EMAIL, sub.email)):
            if included and reachable[channel] and purpose_for(category, channel) in sub.purposes:
                channels.add(channel)
    return frozenset(channels)
