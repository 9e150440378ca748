"""Thin tasks with stable names; the work lives in contactbook services.

Each task runs under the school role with no school (`workers.app`); the work on schools' rows says whose:
delivery crosses schools as the delivery role, the daily run goes school by school.
"""

from __future__ import annotations

from celery import shared_task
from sqlalchemy import text

from contactbook.extensions import db
from contactbook.models.base import utcnow
from contactbook.tenancy import delivery_scope


@shared_task(name="health.ping")
def ping() -> dict[str, str]:
    """Prove the wiring: the worker runs, reaches the database, and answers."""
    db.session.execute(text("SELECT 1"))
    db.session.remove()
    return {"status": "pong", "at": utcnow().isoformat()}


@shared_task(name="subscriptions.daily")
def subscriptions_daily() -> dict[str, int]:
    """Expire ended subscriptions and queue renewal reminders (safe to run more than once a day)."""
    from contactbook.subscriptions.services import run_daily
    from contactbook.timezones import school_today

    try:
        return run_daily(school_today())
    finally:
        db.session.remove()


@shared_task(name="messaging.dispatch")
def dispatch() -> dict[str, int]:
    """Deliver every due outbox message (a nudge: the rows, not the task, carry the work)."""
    from contactbook.messaging.services import dispatch as deliver_due

    try:
        with delivery_scope():
            return deliver_due()
    finally:
        db.session.remove()


@shared_task(name="messaging.sweep")
def sweep() -> dict[str, int]:
    """Recover crashed work and nudge the dispatcher when messages are due (lost nudge, flushed Redis)."""
    from contactbook.messaging.services import sweep as recover

    try:
        with delivery_scope():
            result = recover()
    finally:
        db.session.remove()
    if result["due"]:
        dispatch.delay()
    return result


@shared_task(name="early_warnings.run")
def early_warnings_run() -> dict[str, int]:
    """Run the early-warning rules for every active school (each warning goes once, however often this runs)."""
    from contactbook.early_warnings.services import run_all

    try:
        return run_all(utcnow())
    finally:
        db.session.remove()


@shared_task(name="daily_notes.evening")
def daily_notes_evening() -> dict[str, int]:
    """Send the preschools' daily notes whose evening has come (safe to run every few minutes, and twice)."""
    from contactbook.daily_notes.services import send_evening_notes

    try:
        return send_evening_notes(utcnow())
    finally:
        db.session.remove()


@shared_task(name="accounts.send_emails")
def send_account_emails() -> dict[str, int]:
    """Send the due emails to accounts and schools' contacts (a nudge after their commit; also swept)."""
    from contactbook.accounts.services.mail import send_due

    try:
        return send_due()
    finally:
        db.session.remove()


@shared_task(name="accounts.answer_reset_requests")
def answer_reset_requests() -> dict[str, int]:
    """Answer the forgotten-password requests: a link emailed to each account that exists (nudged; also swept)."""
    from contactbook.accounts.services.forgot import answer_requests

    try:
        return answer_requests()
    finally:
        db.session.remove()


@shared_task(name="campaigns.reminders")
def campaign_reminders() -> dict[str, int]:
    """Remind invited schools that have not registered, on each reminder day (each reminder goes once)."""
    from contactbook.campaigns.services import send_reminders

    try:
        return send_reminders(utcnow())
    finally:
        db.session.remove()
