"""The benchmarks' own stores, so that a run never touches the development or test data.

`<DATABASE_URL's name>_bench`, dropped and created anew, and Redis database 14 of `REDIS_URL`'s server,
flushed. Not a benchmark itself.
"""

from __future__ import annotations

import os

import psycopg
import redis
from sqlalchemy.engine import make_url

BENCH_REDIS_DB = 14


def bench_database() -> str:
    url = make_url(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/contactbook"))
    name = f"{url.database}_bench"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def bench_redis() -> str:
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").split("?")[0].rstrip("/")
    host = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
    url = f"{host}/{BENCH_REDIS_DB}"
    redis.Redis.from_url(url).flushdb()
    return url
