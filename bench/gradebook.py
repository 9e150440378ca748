"""Grade book: saving a 45-student grid with publication, server-side time over 200 saves, on PostgreSQL.

Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/contactbook REDIS_URL=redis://127.0.0.1:6379/0 \\
       .venv/bin/python bench/gradebook.py [saves] [students]
Uses (and recreates) `<name>_bench` and Redis database 14. A class of 45 students, each with a guardian
subscribed to grades by SMS; the subject teacher, logged in through the real form, saves a full grid
(every regular, midterm and final score: 270 cells, CSRF checked) and publishes its midterm column (45
outbox messages), as the pages do: two requests. Each save goes to a fresh subject, so nothing is
locked yet. Server-side time is measured around the WSGI application, so the test client's own work is
not counted. Target: p95 <= 150 ms for a save with its publication.
"""

from __future__ import annotations

import random
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade

from bench.stores import bench_database, bench_redis
from bench.timing import Timed, percentile
from contactbook import create_app
from contactbook.grading.grid import columns_for
from contactbook.models import AssessmentKind
from contactbook.roster import services as roster
from tests.factories import PASSWORD
from tests.messaging.conftest import build_subscribed_school

PERIODS = 105  # four regular assessments: 4 + midterm + final = 6 columns
TARGET_P95_MS = 150


def main() -> None:
    saves = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 45
    settings = {
        "APP_ENV": "test", "SECRET_KEY": "bench", "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
        "DATABASE_URL": bench_database(), "REDIS_URL": bench_redis(), "BASE_DOMAIN": "localhost",
        "RATELIMIT_ENABLED": False,
    }  # fmt: skip
    app = create_app(settings)
    with app.app_context():
        upgrade()
    with app.test_request_context():
        world = build_subscribed_school(size, slug="gradebook", grades=True)
        people, school_class = world.people, world.school_class
        teacher = people.staff["teacher"]
        subjects = []
        for i in range(saves):
            subject = roster.create_subject(
                people.school, people.admin, name=f"Môn {i:03d}", periods_per_year=PERIODS,
                assessment_kind=AssessmentKind.SCORED,
            )  # fmt: skip
            roster.assign_teacher(
                people.school, people.admin, teacher=teacher, subject=subject, school_class=school_class
            )
            subjects.append(subject.id)
        class_id, student_ids = school_class.id, list(world.student_ids)
    columns = [c.key for c in columns_for(AssessmentKind.SCORED, PERIODS)]

    timed = Timed(app.wsgi_app)
    app.wsgi_app = timed  # type: ignore[method-assign]
    client = app.test_client()
    page = client.get("/s/gradebook/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    answer = client.post(
        "/s/gradebook/login", data={"csrf_token": token.group(1), "username": "teacher", "password": PASSWORD}
    )
    assert answer.status_code == 302, f"login failed: {answer.status_code}"
    rng = random.Random(2026)
    save_ms, publish_ms, total_ms = [], [], []
    for subject_id in subjects:
        url = f"/s/gradebook/grades/class/{class_id}/subject/{subject_id}/semester/1"
        grid_page = client.get(url).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', grid_page)
        assert token, "no CSRF token on the grid"
        form = {"csrf_token": token.group(1)}
        for student_id in student_ids:
            for key in columns:
                form[f"s-{student_id}-{key}"] = f"{rng.randint(0, 10)},{rng.randint(0, 9)}".replace("10,", "9,")
        del timed.seconds[:]
        saved = client.post(url, data=form)
        assert saved.status_code == 302, f"save refused: {saved.status_code}"
        published = client.post(f"{url}/publish/gk", data={"csrf_token": token.group(1)})
        assert published.status_code == 302, f"publish refused: {published.status_code}"
        save, publish = timed.seconds
        save_ms.append(save * 1000)
        publish_ms.append(publish * 1000)
        total_ms.append((save + publish) * 1000)

    with app.app_context():
        from sqlalchemy import func, select

        from contactbook.extensions import db
        from contactbook.models import Message

        messages = db.session.scalar(select(func.count()).select_from(Message).where(Message.kind == "score"))
    print(f"{saves} grids of {size} students x {len(columns)} columns; {messages} outbox messages written")
    for name, values in (("save", save_ms), ("publish", publish_ms)):
        print(f"{name}: p50={statistics.median(values):.1f}ms p95={percentile(values, 0.95):.1f}ms")
    p50, p95 = statistics.median(total_ms), percentile(total_ms, 0.95)
    print(
        f"gradebook saves={saves} students={size} p50={p50:.1f}ms p95={p95:.1f}ms "
        f"target_p95={TARGET_P95_MS}ms ok={p95 <= TARGET_P95_MS}"
    )


if __name__ == "__main__":
    main()
