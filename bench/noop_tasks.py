"""An empty Celery task for the fan-out benchmark's baseline (loaded with `celery worker -I bench.noop_tasks`)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="bench.noop", ignore_result=True)
def noop() -> None:
    """Nothing: one per message, to measure what Celery alone costs on the same broker and worker."""
