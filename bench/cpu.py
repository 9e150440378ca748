"""CPU seconds of the processes a delivery benchmark runs, read from /proc (Linux), per component.

On a machine other work loads, the rate of a run says little, but the CPU each component spent per
message holds: `Meter` reads utime + stime of the worker's processes, the fake Twilio, the bench
database's PostgreSQL backends and this process before and after the timed window. Not a benchmark
itself; `fanout.py` uses it.
"""

from __future__ import annotations

import os
import subprocess

import psycopg
from sqlalchemy.engine import make_url

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def group(pgid: int) -> list[int]:
    """The processes of process group `pgid` (a worker and its pool)."""
    found = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True, check=False).stdout
    return [int(pid) for pid in found.split()]


def backends(database_url: str) -> list[int]:
    """The PostgreSQL backends connected to the database of `database_url`."""
    url = make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute("select pid from pg_stat_activity where datname = %s", (url.database,)).fetchall()
    return [int(row[0]) for row in rows]


class Meter:
    """CPU seconds per component between `start()` and `stop()`; components are lists of pids."""

    def __init__(self, database_url: str, worker_pgid: int, fake_pid: int) -> None:
        self.database_url, self.worker_pgid, self.fake_pid = database_url, worker_pgid, fake_pid
        self.before: dict[str, dict[int, float]] = {}
        self.spent: dict[str, float] = {}

    def _components(self) -> dict[str, list[int]]:
        return {
            "worker": group(self.worker_pgid),
            "fake": [self.fake_pid],
            "postgresql": backends(self.database_url),
            "bench": [os.getpid()],
        }

    def start(self) -> None:
        self.before = {name: {pid: cpu_seconds(pid) for pid in pids} for name, pids in self._components().items()}

    def stop(self) -> None:
        # Backends opened during the window (the worker connects on its first task) count from zero.
        for name, pids in self._components().items():
            known = self.before[name]
            self.spent[name] = sum(cpu_seconds(pid) - known.get(pid, 0.0) for pid in {*pids, *known})

    def per_message(self, messages: int) -> str:
        """`name=<ms>` for each component, and the total, in milliseconds of CPU per message."""
        parts = [f"{name}={1000 * spent / messages:.3f}" for name, spent in self.spent.items()]
        return " ".join([*parts, f"total={1000 * sum(self.spent.values()) / messages:.3f}"])


def children_cpu_seconds() -> float:
    """CPU seconds of this process's children that were waited for (the bare senders)."""
    times = os.times()
    return times.children_user + times.children_system
