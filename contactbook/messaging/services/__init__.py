"""Messaging's services: the only code of messaging that writes. The workers, the provider webhook and the
features that tell families something call these; what is only read or decided (outcomes, rendering, text,
timing, the rate limiter, the providers) lives beside this package.

- `delivery`: the pipeline's units of work and messaging's only commits: `claim`, `deliver` (check, send,
  record), `dispatch`, `sweep`, and `record_status` for the providers' status reports.
- `outbox`: the rows of a message-writing action, written in the unit of work of the service calling it
  (`Outbox`, `recipients`), and the nudge of the workers after that unit of work commits.
- `digests`: the daily digest's rows (attaching items, moving them to a new digest hour).
- The statements the units of work commit: `claiming` (claim, take back a dead worker's rows), `checks`
  (checked again before sending), `composing` (a digest's text from its items), `sending` (mark, send,
  record) and `callbacks` (the providers' status reports).
"""

from contactbook.messaging.services.delivery import (
    claim,
    deliver,
    dispatch,
    record_early_statuses,
    record_status,
    sweep,
)

__all__ = ["claim", "deliver", "dispatch", "record_early_statuses", "record_status", "sweep"]
