"""The Celery wiring: a task sent by name from the web side runs on a real worker against Redis."""

from __future__ import annotations

import subprocess

import pytest
from celery import Celery
from flask import Flask


@pytest.fixture
def result_client(urls: dict[str, str]) -> Celery:
    return Celery("test-client", broker=urls["REDIS_URL"], backend=urls["REDIS_URL"], set_as_current=False)


def test_health_ping_runs_on_a_real_worker(celery_worker: subprocess.Popen[bytes], result_client: Celery) -> None:
    result = result_client.send_task("health.ping").get(timeout=60)
    assert result["status"] == "pong"
    assert celery_worker.poll() is None


def test_web_task_client_queues_by_name(
    app: Flask, celery_worker: subprocess.Popen[bytes], result_client: Celery
) -> None:
    task_id = app.extensions["task_client"].send("health.ping")
    assert result_client.AsyncResult(task_id).get(timeout=60)["status"] == "pong"
