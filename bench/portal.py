"""The families' portal under load: a city's database and one school's, 50 clients, gunicorn, beside a bare page.

Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/contactbook .venv/bin/python bench/portal.py \\
       [--rebuild] [--seconds 15] [--rounds 2] [--clients 50] [--families 2000] [--servers sync:5,gthread:3x4] \\
       [--urls /family/,/family/children/{child}/]
DATABASE_URL names a superuser (the loader bypasses row-level security as one). Two databases are built
once and kept (`<name>_portal_city`: 100 schools, 100,000 students, their guardians, a year of published
scores and messages; `<name>_portal_one`: one school of 1,000), see `portal_data.py`; `--rebuild` builds
them anew. Families are signed in by a session cookie made with the app's own serializer, so no SMS
sign-in is needed. The app is served as in production: gunicorn, `APP_ENV=production`, logged in to
PostgreSQL as a NOINHERIT role holding only the two row-level roles, Redis database 3 at 127.0.0.1:6379.
For each gunicorn setting, the bare Flask page (`portal_bare.py`) and the portal on each database are
served together and read in turn, `--rounds` times, by `--clients` clients in a closed loop (no think
time unless `--think`: the rate is the server's ceiling) from one separate asyncio process
(`portal_load.py`), whose CPU per request is printed too; the last line gives medians over the rounds.
`{child}` in a URL is each child of the family in turn.
Targets: p95 <= 100 ms at both sizes, rate >= half the bare page's.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from markupsafe import escape  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.portal_data import (  # noqa: E402
    CITY,
    ONE_SCHOOL,
    Shape,
    build,
    database_url,
    fill_notice_audiences,
    recreate,
    stored_shape,
)
from contactbook import create_app  # noqa: E402
from contactbook.extensions import db  # noqa: E402
from contactbook.family.session import session_data  # noqa: E402
from contactbook.models import Family, Student, StudentGuardian  # noqa: E402

SECRET_KEY = "portal-bench-" + "k" * 40
WEB_ROLE = "contactbook_bench_web"
REDIS_URL = "redis://127.0.0.1:6379/3"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
TARGET_P95_MS, TARGET_SHARE = 100.0, 0.5
BARE_PORT = 8791
BARE = "bench.portal_bare:app"
TICKS = os.sysconf("SC_CLK_TCK")


def migrate(url: str) -> None:
    """Upgrade the database of `url` to the head (a kept database gets the tables added since)."""
    app = create_app({"DATABASE_URL": url, "APP_ENV": "test", "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        upgrade()


def ensure(url: str, shape: Shape, rebuild: bool) -> str:
    """The database of `url` with `shape`, built unless an earlier run left it; what was done."""
    if not rebuild and stored_shape(url) == shape.key():
        migrate(url)
        filled = fill_notice_audiences(url)  # a database built before notices kept their students
        return "reused" if filled is None else f"reused, notices' students filled in {filled:.0f} s"
    started = time.perf_counter()
    recreate(url)
    migrate(url)
    steps = build(url, shape)
    parts = " ".join(f"{name}={seconds:.0f}s" for name, seconds in steps.items())
    return f"built in {time.perf_counter() - started:.0f} s ({parts})"


def web_role(url: str) -> str:
    """The production-like login: NOINHERIT, holding only the two row-level roles; its URL for `url`."""
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False), autocommit=True) as c:
        if c.execute("select 1 from pg_roles where rolname = %s", (WEB_ROLE,)).fetchone() is None:
            c.execute(f"create role {WEB_ROLE} login noinherit")
        c.execute(f"grant contactbook_school, contactbook_delivery to {WEB_ROLE}")
    return make_url(url).set(username=WEB_ROLE, password=None).render_as_string(hide_password=False)


def plan(url: str, count: int, templates: list[str], seed: int = 7) -> tuple[list[list[Any]], list[tuple[str, str]]]:
    """Cookies of `count` random signed-in families with their paths; and (cookie, a child's name) to check."""
    app = create_app({"DATABASE_URL": url, "APP_ENV": "test", "SECRET_KEY": SECRET_KEY})
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer is not None
    rng = random.Random(seed)
    entries, checks = [], []
    with app.app_context():
        total = int(db.session.scalar(select(func.count()).select_from(Family)) or 0)
        ids = rng.sample(range(1, total + 1), min(count, total))
        for family in db.session.scalars(select(Family).where(Family.id.in_(ids))):
            data = session_data(family)
            guardians = [guardian for _, guardian in data["members"]]
            children = db.session.execute(
                select(Student.id, Student.full_name)
                .join(StudentGuardian, StudentGuardian.student_id == Student.id)
                .where(StudentGuardian.guardian_id.in_(guardians))
                .distinct()
            ).all()
            token = hashlib.sha1(f"{family.id}".encode()).hexdigest()  # noqa: S324 (a CSRF token as Flask-WTF makes one)
            cookie = serializer.dumps({"family": data, "_permanent": True, "csrf_token": token})
            paths = [t.format(child=c.id) for t in templates for c in (children if "{child}" in t else children[:1])]
            entries.append([cookie, paths])
            checks.append((cookie, children[0].full_name))
    return entries, checks


@contextmanager
def gunicorn(module: str, setting: str, env: dict[str, str], port: int) -> Iterator[int]:
    """`module` served by gunicorn with `setting` ("sync:5" or "gthread:2x8") on 127.0.0.1:`port`; its pid."""
    kind, _, size = setting.partition(":")
    workers, _, threads = size.partition("x")
    command = [PYTHON, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", workers, "-k", kind, "--backlog", "2048"]
    command += ["--threads", threads] if threads else []
    command += ["--keep-alive", "5", "--graceful-timeout", "5", "--log-level", "warning", module]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while not _answers(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"gunicorn did not start: {log.read().decode()[-2000:]}")
                time.sleep(0.2)
            yield process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/")
        connection.getresponse().read()
    except OSError:
        return False
    return True


def check(port: int, checks: list[tuple[str, str]]) -> None:
    """Each family's home page answers 200 with its child's name: the cookies really sign families in."""
    for cookie, name in checks[:20]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/family/", headers={"Cookie": f"session={cookie}"})
        answer = connection.getresponse()
        page = answer.read().decode()
        if answer.status != 200 or str(escape(name)) not in page:
            raise RuntimeError(f"/family/ answered {answer.status} without {name!r}: {page[:300]}")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _family_of(pid: int) -> list[int]:
    """`pid` and its children (gunicorn's master and workers)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return [pid, *children]


@dataclass(frozen=True)
class Server:
    """A gunicorn serving on `port`; `database` is None for the bare page."""

    port: int
    pid: int
    database: str | None
    admin_url: str


def cpu_snapshot(server: Server) -> tuple[dict[int, float], dict[int, float]]:
    """CPU seconds so far of the server's processes, and of its PostgreSQL backends (the web role's)."""
    web = {pid: _cpu_seconds(pid) for pid in _family_of(server.pid)}
    backends: dict[int, float] = {}
    if server.database is not None:
        with psycopg.connect(server.admin_url, autocommit=True) as connection:
            rows = connection.execute(
                "select pid from pg_stat_activity where usename = %s and datname = %s", (WEB_ROLE, server.database)
            ).fetchall()
        backends = {pid: _cpu_seconds(pid) for (pid,) in rows}
    return web, backends


def load(server: Server, plan_file: str, seconds: float, clients: int, think: float = 0.0) -> dict[str, Any]:
    """The figures of one run of the load generator against `server`, with the CPU each request cost it."""
    before = os.getloadavg()[0]
    web, backends = cpu_snapshot(server)
    command = [PYTHON, str(ROOT / "bench" / "portal_load.py"), str(server.port), str(seconds), "3", str(clients)]
    command += [plan_file, str(think)]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    web_after, backends_after = cpu_snapshot(server)
    figures: dict[str, Any] = json.loads(out.stdout)
    figures["load"] = max(before, os.getloadavg()[0])
    requests = max(1, figures["all"])
    figures["web_cpu"] = sum(cpu - web.get(pid, 0.0) for pid, cpu in web_after.items()) * 1000 / requests
    figures["db_cpu"] = sum(cpu - backends.get(pid, 0.0) for pid, cpu in backends_after.items()) * 1000 / requests
    figures["cpu"] = figures["web_cpu"] + figures["db_cpu"] + figures["client_cpu_ms_per_request"]
    return figures


def line(label: str, f: dict[str, Any], bare: dict[str, Any] | None) -> str:
    share = f" share={f['rate'] / bare['rate']:.2f} cpu_share={bare['cpu'] / f['cpu']:.2f}" if bare else ""
    bad = {k: v for k, v in f["statuses"].items() if k != "200"}
    return (
        f"  {label:<10} p50={f['p50']:6.1f}ms p95={f['p95']:6.1f}ms p99={f['p99']:6.1f}ms rate={f['rate']:7.1f}/s"
        f"{share}\n             cpu/req: web={f['web_cpu']:.2f}ms db={f['db_cpu']:.2f}ms"
        f" client={f['client_cpu_ms_per_request']:.2f}ms load1={f['load']:.2f}"
        + (f" NON-200={bad}" if bad else "")
        + (f" errors={f['errors']}" if f["errors"] else "")
    )


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")  # the servers' context managers stop them


def main() -> None:
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rebuild", action="store_true", help="build the databases anew")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--servers", default="sync:5,gthread:3x4")
    parser.add_argument("--urls", default="/family/")
    parser.add_argument("--sizes", default="city,one")
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds a client waits between pages")
    parser.add_argument("--rounds", type=int, default=2, help="bare page and sizes measured in turn, this many times")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/contactbook")
    shapes = {"city": CITY, "one": ONE_SCHOOL}
    sizes = args.sizes.split(",")
    templates = args.urls.split(",")
    env = {"APP_ENV": "production", "SECRET_KEY": SECRET_KEY, "REDIS_URL": REDIS_URL, "BASE_DOMAIN": "localhost",
           "SESSION_COOKIE_SECURE": "true", "PYTHONPATH": str(ROOT)}  # fmt: skip
    plans: dict[str, tuple[str, str, list[tuple[str, str]]]] = {}
    tmp = tempfile.mkdtemp(prefix="portal-bench-")
    for size in sizes:
        url = database_url(base, size)
        done = ensure(url, shapes[size], args.rebuild)
        print(f"{size}: {shapes[size].schools} schools, {shapes[size].students} students: {done}")
        entries, checks = plan(url, args.families, templates)
        plan_file = os.path.join(tmp, f"{size}.json")
        with open(plan_file, "w", encoding="utf-8") as file:
            json.dump(entries, file)
        plans[size] = (web_role(url), plan_file, checks)
        print(f"{size}: {len(entries)} families signed in, {sum(len(p) for _, p in entries)} pages to read")
    bare_plan = os.path.join(tmp, "bare.json")
    with open(bare_plan, "w", encoding="utf-8") as file:
        json.dump([["", ["/"]]], file)
    print(f"{args.clients} clients, {args.seconds:.0f} s each after 3 s of warm-up; urls {templates}")
    print(f"{os.cpu_count()} cores; load before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for setting in args.servers.split(","):
        print(f"gunicorn {setting}:")
        rounds: list[dict[str, dict[str, Any]]] = []
        admin = make_url(base).set(drivername="postgresql", database="postgres").render_as_string(False)
        with ExitStack() as stack:
            servers = {
                "bare": Server(BARE_PORT, stack.enter_context(gunicorn(BARE, setting, env, BARE_PORT)), None, admin)
            }
            for port, size in enumerate(sizes, start=BARE_PORT + 1):
                web_url, _, checks = plans[size]
                pid = stack.enter_context(gunicorn("wsgi:app", setting, {**env, "DATABASE_URL": web_url}, port))
                servers[size] = Server(port, pid, make_url(web_url).database, admin)
                check(port, checks)
            for number in range(args.rounds):
                figures = {"bare": load(servers["bare"], bare_plan, args.seconds, args.clients, args.think)}
                print(line(f"bare #{number + 1}", figures["bare"], None))
                for size in sizes:
                    figures[size] = load(servers[size], plans[size][1], args.seconds, args.clients, args.think)
                    print(line(f"{size} #{number + 1}", figures[size], figures["bare"]))
                rounds.append(figures)
        print(summary(setting, sizes, rounds))


def summary(setting: str, sizes: list[str], rounds: list[dict[str, dict[str, Any]]]) -> str:
    """The last line of a setting: medians over the rounds (a share within each round, beside its bare page)."""
    parts, ok = [], True
    for size in sizes:
        p95 = statistics.median(r[size]["p95"] for r in rounds)
        rate = statistics.median(r[size]["rate"] for r in rounds)
        share = statistics.median(r[size]["rate"] / r["bare"]["rate"] for r in rounds)
        cpu_share = statistics.median(r["bare"]["cpu"] / r[size]["cpu"] for r in rounds)
        ok = ok and p95 <= TARGET_P95_MS and share >= TARGET_SHARE
        parts.append(
            f"{size}_p95={p95:.1f}ms {size}_rate={rate:.0f}/s {size}_share={share:.2f} {size}_cpu_share={cpu_share:.2f}"
        )
    bare = statistics.median(r["bare"]["rate"] for r in rounds)
    return (
        f"portal gunicorn={setting} bare_rate={bare:.0f}/s {' '.join(parts)} "
        f"targets=p95<={TARGET_P95_MS:.0f}ms,share>={TARGET_SHARE} ok={ok}"
    )


if __name__ == "__main__":
    main()
