"""The school's settings of the paid service: the switch, free essentials, payment rules, message timing,
and the bank account families pay into.

Reading them (`settings_of`) is in `contactbook.subscriptions.eligibility`, which the delivery pipeline reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from contactbook.audit import services as audit
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.inputs import has_letters, plain_text
from contactbook.messaging.services import digests
from contactbook.models import School, ServiceSettings, User
from contactbook.models.base import utcnow
from contactbook.subscriptions import rules
from contactbook.subscriptions.banks import BY_BIN
from contactbook.subscriptions.eligibility import default_settings
from contactbook.subscriptions.rules import SubscriptionError
from contactbook.timezones import school_zone

# The most a school may set as the price of one SMS segment, in đồng (providers charge a few hundred).
MAX_SEGMENT_PRICE = 10_000
# A bank account number: digits only, 6 to 19 of them (19 is the most a VietQR code carries).
ACCOUNT_NUMBER = re.compile(r"[0-9]{6,19}")
MAX_ACCOUNT_NAME = 100
# How many days after its start an unpaid subscription is flagged, and before its end a reminder goes (the form's
# bounds too).
MAX_UNPAID_FLAG_DAYS, MAX_REMINDER_DAYS = 365, 60


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
    """Change the free essentials, payment rules and reminder timing (flag after 1 to 365 days, remind 1 to 60
    days before the end)."""
    chosen = sorted(set(free_categories))
    if set(chosen) - {c.value for c in rules.ESSENTIAL_CHOICES}:
        raise SubscriptionError(N_("Unknown message category."))
    if not 1 <= unpaid_flag_days <= MAX_UNPAID_FLAG_DAYS:
        raise SubscriptionError(N_("From 1 to 365 days."), field="unpaid_flag_days")
    if not 1 <= reminder_days <= MAX_REMINDER_DAYS:
        raise SubscriptionError(N_("From 1 to 60 days."), field="reminder_days")
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


def update_bank_account(
    school: School, actor: User, *, bank_bin: str, account_number: str, account_name: str
) -> ServiceSettings:
    """Set the bank account families pay into (a listed bank's BIN, the account number, the holder's name), or
    remove it when all three are empty; families' VietQR payment codes use it from then on."""
    account_name = plain_text(account_name)
    if not (bank_bin or account_number or account_name):
        values: tuple[str | None, str | None, str | None] = (None, None, None)
    else:
        if bank_bin not in BY_BIN:
            raise SubscriptionError(N_("Choose the bank from the list."))
        if not ACCOUNT_NUMBER.fullmatch(account_number):
            raise SubscriptionError(N_("The account number is 6 to 19 digits, without spaces or letters."))
        if not account_name or len(account_name) > MAX_ACCOUNT_NAME or not has_letters(account_name):
            raise SubscriptionError(N_("Enter the account holder's name as the bank shows it."))
        values = (bank_bin, account_number, account_name)
    settings = _settings_to_change(school)
    if values != (settings.bank_bin, settings.bank_account_number, settings.bank_account_name):
        settings.bank_bin, settings.bank_account_number, settings.bank_account_name = values
        audit.record(
            "service.bank_account",
            actor=actor,
            school_id=school.id,
            bank_bin=values[0],
            account_number=values[1],
            account_name=values[2],
        )
    db.session.commit()
    return settings
