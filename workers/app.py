"""Celery entry point: `celery -A workers.app worker` and `celery -A workers.app beat`.

The Celery app is built from the Flask factory, so tasks run inside an app context with the same
settings as the web, and under the school role with no school until a task chooses a scope.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask

from contactbook import create_app
from contactbook.tenancy import platform_scope

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # A heartbeat that proves beat → broker → worker → database end to end.
    "health-ping": {"task": "health.ping", "schedule": 60.0},
    # Hourly, so a missed run (worker down at night) is caught up soon; the task is idempotent.
    "subscriptions-daily": {"task": "subscriptions.daily", "schedule": 3600.0},
    # The outbox is the source of truth: this finds due messages whose nudge was lost (or Redis flushed).
    "messaging-sweep": {"task": "messaging.sweep", "schedule": 5.0},
    # Hourly: a warning goes once per student and threshold however often the rules run.
    "early-warnings": {"task": "early_warnings.run", "schedule": 3600.0},
    # Preschools' daily notes: each run acts in a school only once its evening (digest hour) is near; idempotent.
    "daily-notes-evening": {"task": "daily_notes.evening", "schedule": 300.0},
    # Emails to accounts and schools (links, invitations, decisions) whose nudge was lost, or due for a retry.
    "account-emails": {"task": "accounts.send_emails", "schedule": 30.0},
    # Forgotten-password requests whose nudge was lost: each is answered once however often this runs.
    "reset-requests": {"task": "accounts.answer_reset_requests", "schedule": 30.0},
    # Hourly: each reminder goes once per invitation and day however often this runs.
    "campaign-reminders": {"task": "campaigns.reminders", "schedule": 3600.0},
}


def make_celery(flask_app: Flask) -> Celery:
    """A Celery app whose tasks run inside `flask_app`'s context."""

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            # A task sees no school's rows unless it says whose (row-level security on PostgreSQL).
            with flask_app.app_context(), platform_scope():
                return self.run(*args, **kwargs)

    celery = Celery(flask_app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=flask_app.config["REDIS_URL"],
        result_backend=flask_app.config["REDIS_URL"],
        result_expires=3600,
        task_serializer="json",
        accept_content=["json"],
        timezone=flask_app.config["TIMEZONE"],
        enable_utc=True,
        beat_schedule=BEAT_SCHEDULE,
        broker_connection_retry_on_startup=True,
        # At most one provider call per message is kept by the outbox's row states, not by Celery;
        # these settings make a lost worker's task run again (it only nudges) rather than vanish:
        task_acks_late=True,  # acknowledge after the task ran, so a killed worker's task is redelivered
        task_reject_on_worker_lost=True,  # ... also when the worker process is killed mid-task
        worker_prefetch_multiplier=1,  # a worker holds one nudge at a time; others stay free for the rest
        worker_cancel_long_running_tasks_on_connection_loss=True,  # a dispatch cut from Redis stops early
        # Longer than any task runs (retries are scheduled in the database, never as long countdowns).
        broker_transport_options={"visibility_timeout": 3600},
        worker_hijack_root_logger=False,
    )
    celery.set_default()
    flask_app.extensions["celery"] = celery
    return celery


def build() -> Celery:
    celery = make_celery(create_app())
    import workers.tasks  # noqa: F401  (registers the tasks)

    return celery


celery = build()
