"""Roster import speed: a whole school (2,000 students, ~3,000 guardians) imported on PostgreSQL.

Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/contactbook .venv/bin/python bench/roster_import.py
It uses (and recreates) the database `<name>_bench`, generates an .xlsx export, then times the web
flow: upload (read + dry run + keep the file), confirm (read + plan again + apply + commit), and a
second import of the same file (which must change nothing). Target: confirm under 10 s.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import func, select

from bench.stores import bench_database
from contactbook import create_app
from contactbook.demo.roster_data import generate_roster
from contactbook.extensions import db
from contactbook.models import AuthorityKind, Guardian, SchoolLevel, Student, User
from contactbook.platform import services as platform
from contactbook.roster import services as roster
from contactbook.roster.template import roster_xlsx

STUDENTS = 2000
CLASSES = [(f"{grade}A{n}", grade) for grade in (6, 7, 8, 9) for n in range(1, 11)]
PASSWORD = "Bench-password-1"  # noqa: S105


def main() -> None:
    app = create_app({"DATABASE_URL": bench_database(), "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    with app.app_context():
        upgrade()
        operator = platform.create_operator(username="op", full_name="Op", password=PASSWORD, via="bench")
        province = platform.create_authority(operator, name="Sở", kind=AuthorityKind.PROVINCE, parent=None)
        school = platform.create_school(
            operator,
            authority=province,
            name="THCS Bench",
            slug="bench",
            level=SchoolLevel.LOWER_SECONDARY,
            base_domain="localhost",
            admin_username="admin",
            admin_full_name="Admin",
            admin_password=PASSWORD,
        )
        admin = db.session.scalar(select(User).where(User.school_id == school.id))
        assert admin is not None
        year = roster.create_year(
            school,
            admin,
            name="2025-2026",
            semester_dates=((date(2025, 9, 5), date(2026, 1, 17)), (date(2026, 1, 19), date(2026, 5, 25))),
        )
        for name, grade in CLASSES:
            roster.create_class(school, admin, year=year, name=name, grade_level=grade, homeroom_teacher=None)

        rows = generate_roster(CLASSES, STUDENTS // len(CLASSES), year_start=2025)
        started = time.perf_counter()
        content = roster_xlsx(rows)
        generated = time.perf_counter() - started

        started = time.perf_counter()
        record, plan = roster.start_import(school, admin, year, "export.xlsx", content)
        uploaded = time.perf_counter() - started
        started = time.perf_counter()
        roster.confirm_import(school, admin, record)
        confirmed = time.perf_counter() - started

        students = db.session.scalar(select(func.count(Student.id)))
        guardians = db.session.scalar(select(func.count(Guardian.id)))
        started = time.perf_counter()
        again, _ = roster.start_import(school, admin, year, "export.xlsx", content)
        second = roster.confirm_import(school, admin, again)
        repeated = time.perf_counter() - started

    print(f"file: {len(rows)} rows, {len(content) / 1024:.0f} KiB xlsx (generated in {generated:.2f} s)")
    print(f"upload + dry run: {uploaded:.2f} s ({len(plan.errors)} row errors)")
    print(f"confirm (plan again + apply + commit): {confirmed:.2f} s -> {students} students, {guardians} guardians")
    print(f"same file again: {repeated:.2f} s, {len(second.created)} created, {len(second.updated)} updated")
    print(f"roster_import students={students} guardians={guardians} seconds={confirmed:.2f} target=10")


if __name__ == "__main__":
    main()
