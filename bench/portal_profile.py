"""Where a portal page's time goes: one process, no server, a profile and the SQL statements of each request.

Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/contactbook .venv/bin/python bench/portal_profile.py \\
       [size (city|one)] [requests] [url template]
Uses the database `portal.py` built (run it first); the app as `portal.py` serves it (production settings,
the NOINHERIT web role). Prints the statements of one request, the mean milliseconds per request, and the
functions with the most time of their own and in total.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from bench.portal import REDIS_URL, SECRET_KEY, plan, web_role
from bench.portal_data import database_url
from contactbook import create_app
from contactbook.extensions import db


def main() -> None:
    size = sys.argv[1] if len(sys.argv) > 1 else "city"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    template = sys.argv[3] if len(sys.argv) > 3 else "/family/"
    url = database_url(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/contactbook"), size)
    entries, _ = plan(url, 300, [template])
    settings = {"APP_ENV": "production", "SECRET_KEY": SECRET_KEY, "REDIS_URL": REDIS_URL,
                "SESSION_COOKIE_SECURE": True, "DATABASE_URL": web_role(url)}  # fmt: skip
    app = create_app(settings)
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    rng = random.Random(1)
    client = app.test_client()

    def one() -> Any:
        cookie, paths = rng.choice(entries)
        client.set_cookie("session", cookie, domain="localhost")
        answer = client.get(rng.choice(paths))
        assert answer.status_code == 200, answer.status_code
        return answer

    for _ in range(50):
        one()
    del statements[:]
    one()
    print(f"{len(statements)} statements in one request:")
    for statement in statements:
        print("  " + " ".join(statement.split())[:160])
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        one()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{wall * 1000 / count:.2f} ms per request, {cpu * 1000 / count:.2f} ms of it this process's CPU")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(count):
        one()
    profile.disable()
    stats = pstats.Stats(profile)
    by_package: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        parts = filename.split("site-packages/")
        package = (
            parts[1].split("/")[0] if len(parts) > 1 else ("contactbook" if "contactbook" in filename else "other")
        )
        by_package[package] = by_package.get(package, 0.0) + own
    print("own time per request by package (profiled, ms):")
    for package, own in sorted(by_package.items(), key=lambda item: -item[1])[:12]:
        print(f"  {package:<40} {own * 1000 / count:6.2f}")
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
