"""The paid service's services: the only code of the feature that writes, each call one unit of work and one
commit, every change audited. The pages, the CLI, the workers and the family portal call these, so the
rules hold for all of them.

- `settings`: the switch, free essentials, payment rules, message timing (a new digest hour moves the
  digests not yet sent) and the bank account families pay into.
- `plans`: plans and the authorities' price ceilings.
- `subscribing`: a family's opt-in with consent, withdrawal, opt-out, exemption, single messages or the daily
  digest, and the daily run (expiry, then renewal reminders).
- `renewals`: the renewal reminders the daily run writes, with their outbox messages.
- `welcome`: the SMS saying where the families' portal is, written with a guardian's first subscription.
- `channels`: a running subscription's channels changed (a dropped one's consent withdrawn, an added one's given).
- `payments`: payments and refunds (once per confirmation), receipts, balances, unpaid flags.

What is only read (the settings as read, payments per subscription, eligibility) is in
`contactbook.subscriptions.eligibility`, outside this package: the delivery pipeline reads it, and these
services write the outbox, so the pipeline never imports this package. Its names are exported here too.
"""

from contactbook.subscriptions.eligibility import eligibility_for_many, eligible_channels, net_paid, settings_of
from contactbook.subscriptions.rules import SubscriptionError
from contactbook.subscriptions.services.channels import change_channels
from contactbook.subscriptions.services.payments import (
    MAX_AMOUNT,
    Balance,
    Recorded,
    balance_of,
    money_problems,
    paid_for,
    record_payment,
    refund_owed,
    unpaid_flagged,
)
from contactbook.subscriptions.services.plans import create_plan, price_ceiling, set_plan_active, set_price_ceiling
from contactbook.subscriptions.services.settings import (
    MAX_SEGMENT_PRICE,
    set_service_enabled,
    update_bank_account,
    update_delivery_settings,
    update_settings,
)
from contactbook.subscriptions.services.subscribing import (
    ConsentForm,
    check_stop_day,
    child_consent_needed,
    opt_out,
    opt_out_quote,
    period_bounds,
    run_daily,
    set_digest,
    set_exemption,
    subscribe,
    withdraw_purpose,
)

__all__ = [
    "MAX_AMOUNT",
    "MAX_SEGMENT_PRICE",
    "Balance",
    "ConsentForm",
    "Recorded",
    "SubscriptionError",
    "balance_of",
    "change_channels",
    "check_stop_day",
    "child_consent_needed",
    "create_plan",
    "eligibility_for_many",
    "eligible_channels",
    "money_problems",
    "net_paid",
    "opt_out",
    "opt_out_quote",
    "paid_for",
    "period_bounds",
    "price_ceiling",
    "record_payment",
    "refund_owed",
    "run_daily",
    "set_digest",
    "set_exemption",
    "set_plan_active",
    "set_price_ceiling",
    "set_service_enabled",
    "settings_of",
    "subscribe",
    "unpaid_flagged",
    "update_bank_account",
    "update_delivery_settings",
    "update_settings",
    "withdraw_purpose",
]
