"""The portal benchmark's databases: a city (100 schools, 100,000 students) and one school, built fast, kept.

Not a benchmark itself; `portal.py` uses it. A database is `<DATABASE_URL's name>_portal_<size>`, migrated
to the head, then loaded as the connecting superuser (row-level security does not apply to it): people
and their links by COPY from Python, a year of scores, publications, corrections, notices and messages by
`INSERT ... SELECT` inside PostgreSQL, with no foreign-key trigger per row (`session_replication_role`) and
the big tables' secondary indexes dropped during the load and built again at its end. Its shape is written
last in `bench_portal_shape`: a later run that finds the same shape reuses the database (a half-built one
has no row, and is rebuilt).
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

import psycopg
from sqlalchemy.engine import make_url

from contactbook.demo.roster_data import FAMILY_NAMES, GIVEN_FEMALE, GIVEN_MALE, MIDDLE_FEMALE, MIDDLE_MALE
from contactbook.grading.grid import columns_for
from contactbook.models import AssessmentKind

SHAPE_TABLE = "bench_portal_shape"
CLASS_SIZE = 40
SUBJECTS = (
    ("Toán", 140), ("Ngữ văn", 140), ("Tiếng Anh", 105), ("Khoa học tự nhiên", 140),
    ("Lịch sử và Địa lí", 105), ("Giáo dục công dân", 35), ("Công nghệ", 35), ("Tin học", 35),
)  # fmt: skip
STATUSES = (  # (status, share): what a year of messages looks like
    ("delivered", 0.70), ("sent", 0.15), ("digested", 0.05), ("failed", 0.03), ("undelivered", 0.02),
    ("skipped", 0.03), ("queued", 0.02),
)  # fmt: skip
YEAR_START = datetime(2025, 9, 5, 1, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Shape:
    """What a portal database holds; a database with another shape is rebuilt."""

    schools: int
    students: int
    two_school_share: float = 0.05  # of families, with children in two schools
    sibling_share: float = 0.12  # of families, with two children in one school
    messages_per_student: int = 24
    notices_per_school: int = 60
    version: int = 1

    def key(self) -> str:
        """The shape as the marker row stores it."""
        return json.dumps(asdict(self), sort_keys=True)


CITY = Shape(schools=100, students=100_000)
ONE_SCHOOL = Shape(schools=1, students=1_000)


def database_url(base_url: str, suffix: str) -> str:
    """`base_url` with its database renamed `<name>_portal_<suffix>`."""
    url = make_url(base_url)
    return url.set(database=f"{url.database}_portal_{suffix}").render_as_string(hide_password=False)


def _admin(url: str) -> str:
    return make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def recreate(url: str) -> None:
    """Drop the database of `url` (if any) and create it empty."""
    name = make_url(url).database
    with psycopg.connect(_admin(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def stored_shape(url: str) -> str | None:
    """The shape recorded in the database of `url`, or None (no database, or not finished)."""
    name = make_url(url).database
    with psycopg.connect(_admin(url), autocommit=True) as conn:
        if conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone() is None:
            return None
    with psycopg.connect(_plain(url), autocommit=True) as conn:
        if conn.execute("select to_regclass(%s)", (SHAPE_TABLE,)).fetchone() == (None,):
            return None
        row = conn.execute(f"select shape from {SHAPE_TABLE}").fetchone()  # noqa: S608 (our own constant)
        return None if row is None else str(row[0])


def _name(rng: random.Random, family: str, male: bool) -> str:
    middle = rng.choice(MIDDLE_MALE if male else MIDDLE_FEMALE)
    return f"{family} {middle} {rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)}"


def families_of(shape: Shape, rng: random.Random) -> list[list[tuple[int, int]]]:
    """Families as lists of (school id, student id): students 1..n, school by block; some across two schools."""
    per_school = shape.students // shape.schools
    free = {s: [s * per_school - per_school + 1 + i for i in range(per_school)] for s in range(1, shape.schools + 1)}
    for students in free.values():
        rng.shuffle(students)
    families: list[list[tuple[int, int]]] = []
    for school in range(1, shape.schools + 1):
        while free[school]:
            family = [(school, free[school].pop())]
            draw = rng.random()
            if draw < shape.two_school_share and shape.schools > 1:
                other = rng.randrange(1, shape.schools)
                other += other >= school  # any school but this one
                if free[other]:
                    family.append((other, free[other].pop()))
            elif draw < shape.two_school_share + shape.sibling_share and free[school]:
                family.append((school, free[school].pop()))
            families.append(family)
    return families


def _copy(cur: psycopg.Cursor[tuple[object, ...]], table: str, columns: str, rows: list[tuple[object, ...]]) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _people(cur: psycopg.Cursor[tuple[object, ...]], shape: Shape, rng: random.Random) -> int:
    """Schools, years, classes, subjects, students, enrolments, guardians, links, families: by COPY."""
    now = datetime.now(UTC)
    per_school = shape.students // shape.schools
    classes = max(1, -(-per_school // CLASS_SIZE))
    cur.execute("insert into authorities (id, name, kind, created_at) values (1, 'Sở GD&ĐT Bench', 'province', now())")
    schools = range(1, shape.schools + 1)
    _copy(cur, "schools", "id, authority_id, name, slug, domain, level, status, created_at", [
        (s, 1, f"THCS Bench {s:03d}", f"b{s:03d}", f"b{s:03d}.localhost", "lower_secondary", "active", now)
        for s in schools
    ])  # fmt: skip
    _copy(cur, "school_years", "id, school_id, name, starts_on, ends_on",
          [(s, s, "2025-2026", date(2025, 9, 5), date(2026, 5, 25)) for s in schools])  # fmt: skip
    _copy(cur, "semesters", "id, school_id, school_year_id, number, starts_on, ends_on", [
        row for s in schools for row in (
            (2 * s - 1, s, s, 1, date(2025, 9, 5), date(2026, 1, 17)),
            (2 * s, s, s, 2, date(2026, 1, 19), date(2026, 5, 25)),
        )
    ])  # fmt: skip
    grades = [6 + c * 4 // classes for c in range(classes)]
    names = [f"{grade}A{grades[: c + 1].count(grade)}" for c, grade in enumerate(grades)]
    _copy(cur, "classes", "id, school_id, school_year_id, name, grade_level", [
        ((s - 1) * classes + c + 1, s, s, names[c], grades[c]) for s in schools for c in range(classes)
    ])  # fmt: skip
    _copy(cur, "subjects", "id, school_id, name, periods_per_year, assessment_kind", [
        ((s - 1) * len(SUBJECTS) + i + 1, s, name, periods, "scored")
        for s in schools for i, (name, periods) in enumerate(SUBJECTS)
    ])  # fmt: skip
    _copy(cur, "bench_cols", "school_id, subject_id, col, day", [
        (s, (s - 1) * len(SUBJECTS) + i + 1, column.key, 10 + 20 * k)
        for s in schools for i, (_, periods) in enumerate(SUBJECTS)
        for k, column in enumerate(columns_for(AssessmentKind.SCORED, periods))
    ])  # fmt: skip
    families = families_of(shape, rng)
    students, enrolments, guardians, links, family_rows = [], [], [], [], []
    guardian_id = 0
    for number, family in enumerate(families, start=1):
        surname = rng.choice(FAMILY_NAMES)
        parents = [(_name(rng, surname, True), "father"), (_name(rng, rng.choice(FAMILY_NAMES), False), "mother")]
        parents = parents if rng.random() < 0.7 else [rng.choice(parents)]
        phones = [f"+849{(number * 2 + k) % 10**8:08d}" for k in range(len(parents))]
        family_rows.append((number, phones[0], now))
        by_school: dict[int, list[int]] = {}
        for school, student in family:
            by_school.setdefault(school, []).append(student)
            male = rng.random() < 0.5
            born = date(2011, 1, 1) + timedelta(days=rng.randrange(4 * 365))
            students.append((student, school, f"{student:012d}", _name(rng, surname, male), born,
                             "male" if male else "female", now, now))  # fmt: skip
            klass = (school - 1) * classes + ((student - 1) % per_school) // CLASS_SIZE + 1
            enrolments.append((student, school, student, school, min(klass, school * classes), "active"))
        for school, children in by_school.items():
            for (full_name, relation), phone in zip(parents, phones, strict=True):
                guardian_id += 1
                guardians.append((guardian_id, school, full_name, phone, now))
                links.extend((len(links) + 1, school, child, guardian_id, relation) for child in children)
    columns = "id, school_id, national_id, full_name, date_of_birth, gender, created_at, updated_at"
    _copy(cur, "students", columns, students)
    _copy(cur, "enrolments", "id, school_id, student_id, school_year_id, class_id, status", enrolments)
    _copy(cur, "guardians", "id, school_id, full_name, phone, created_at", guardians)
    _copy(cur, "student_guardians", "id, school_id, student_id, guardian_id, relation", links)
    _copy(cur, "families", "id, phone, created_at", family_rows)
    return len(families)


def _year(cur: psycopg.Cursor[tuple[object, ...]], shape: Shape) -> None:
    """Scores (all published), publications, a few corrections, notices and messages: inside PostgreSQL."""
    cur.execute("""
        insert into scores (school_id, class_id, student_id, subject_id, semester_id, "column", value,
                            updated_at, published_at)
        select e.school_id, e.class_id, e.student_id, c.subject_id, m.id, c.col, round((4 + random() * 6)::numeric, 1),
               m.starts_on + c.day + interval '8 hours', m.starts_on + c.day + interval '9 hours'
        from enrolments e join bench_cols c on c.school_id = e.school_id join semesters m on m.school_id = e.school_id
    """)  # fmt: skip
    cur.execute("""
        insert into score_publications (school_id, class_id, subject_id, semester_id, "column", scores, messages,
                                        published_at)
        select k.school_id, k.id, c.subject_id, m.id, c.col, 40, 40, m.starts_on + c.day + interval '9 hours'
        from classes k join bench_cols c on c.school_id = k.school_id join semesters m on m.school_id = k.school_id
    """)  # fmt: skip
    cur.execute("""
        insert into score_corrections (school_id, score_id, old_value, new_value, reason, corrected_at)
        select school_id, id, greatest(value - 1, 0), value, 'Nhập nhầm khi chấm', published_at + interval '2 days'
        from scores tablesample bernoulli (0.2)
    """)  # fmt: skip
    per = shape.notices_per_school
    cur.execute("""
        insert into notices (id, school_id, title, body, category, urgent, audience, created_at)
        select (s.id - 1) * %(per)s + n, s.id, 'Thông báo số ' || n,
               'Kính gửi quý phụ huynh: nhà trường thông báo lịch sinh hoạt tuần ' || n || '.',
               (array['general','event','fee','closure'])[1 + n %% 4], n %% 17 = 0,
               '{"kind": "school", "ids": []}', %(start)s + (n * 4) * interval '1 day'
        from schools s cross join generate_series(1, %(per)s) n
    """, {"per": per, "start": YEAR_START})  # fmt: skip
    cur.execute("""
        create temp table bench_first as
        select distinct on (l.student_id) l.student_id, l.school_id, l.guardian_id, g.phone
        from student_guardians l join guardians g on g.id = l.guardian_id order by l.student_id, l.guardian_id
    """)
    bounds, total = [], 0.0
    for status, share in STATUSES:
        total += share
        bounds.append(f"when r < {total:.4f} then '{status}'")
    cur.execute(f"""
        insert into messages (school_id, notice_id, kind, category, urgent, guardian_id, student_id, channel,
                              to_address, body, dedupe_key, status, digest, attempts, next_attempt_at,
                              segments, cost, created_at, sent_at, delivered_at, error)
        select f.school_id,
               case when n %% 3 = 0 then null
                    else (f.school_id - 1) * %(per)s + 1 + (n * 7 + f.student_id) %% %(per)s end,
               case when n %% 3 = 0 then 'score' else 'notice' end,
               case when n %% 3 = 0 then 'grades' else 'general' end, false, f.guardian_id, f.student_id, 'sms',
               f.phone, 'Tin nhắn số ' || n || ' gửi phụ huynh học sinh.', 'bench:' || f.student_id || ':' || n,
               x.status, x.status = 'digested', case when x.status = 'queued' then 0 else 1 end, t.at, 1,
               case when x.status in ('sent', 'delivered', 'undelivered') then 250 else 0 end, t.at,
               case when x.status in ('sent', 'delivered', 'undelivered') then t.at + interval '3 seconds' end,
               case when x.status = 'delivered' then t.at + interval '9 seconds' end,
               case when x.status in ('failed', 'skipped') then 'bench' end
        from bench_first f cross join generate_series(1, %(count)s) n
        cross join lateral (select case {' '.join(bounds)} else 'delivered' end as status
                            from (select random() + 0 * n as r) r) x
        cross join lateral (select %(start)s + (n * 11 + f.student_id %% 7) * interval '1 day' as at) t
    """, {"per": per, "count": shape.messages_per_student, "start": YEAR_START})  # noqa: S608 # fmt: skip


def _notice_audiences(cur: psycopg.Cursor[tuple[object, ...]]) -> None:
    """Each notice's students (every notice is to its whole school) and a fifth of the families' read marks.

    Only into empty tables: a database built before them had its notices' students filled by the migration.
    Needs `bench_first` (each student's first guardian).
    """
    for table, statement in (
        ("notice_students", """
            insert into notice_students (school_id, notice_id, student_id)
            select n.school_id, n.id, s.id from notices n join students s on s.school_id = n.school_id
        """),
        ("notice_reads", """
            insert into notice_reads (school_id, notice_id, guardian_id, read_at)
            select distinct on (ns.notice_id, f.guardian_id) ns.school_id, ns.notice_id, f.guardian_id,
                   n.created_at + interval '5 hours'
            from notice_students ns join bench_first f on f.student_id = ns.student_id
            join notices n on n.id = ns.notice_id where (ns.notice_id + ns.student_id) % 5 = 0
        """),
    ):  # fmt: skip
        if cur.execute(f"select exists (select from {table})").fetchone() == (True,):  # noqa: S608
            continue
        indexes = _without_indexes(cur, (table,))
        cur.execute(statement)
        for again in indexes:
            cur.execute(again)


def fill_notice_audiences(url: str) -> float | None:
    """Fill the notices' students and read marks of a database built before those tables; seconds, or None."""
    with psycopg.connect(_plain(url)) as conn, conn.cursor() as cur:
        if cur.execute("select exists (select from notice_reads)").fetchone() == (True,):
            return None
        started = time.perf_counter()
        cur.execute("set synchronous_commit = off")
        cur.execute("set maintenance_work_mem = '256MB'")
        cur.execute("set session_replication_role = replica")
        cur.execute("""
            create temp table bench_first as
            select distinct on (l.student_id) l.student_id, l.guardian_id
            from student_guardians l order by l.student_id, l.guardian_id
        """)
        _notice_audiences(cur)
        conn.commit()
    with psycopg.connect(_plain(url), autocommit=True) as conn:
        conn.execute("vacuum analyze notice_students")
        conn.execute("vacuum analyze notice_reads")
    return time.perf_counter() - started


def _without_indexes(cur: psycopg.Cursor[tuple[object, ...]], tables: tuple[str, ...]) -> list[str]:
    """Drop the unique constraints and secondary indexes of `tables`; the statements that make them again."""
    again = []
    for table in tables:
        uniques = cur.execute(
            "select conname, pg_get_constraintdef(oid) from pg_constraint where conrelid = %s::regclass"
            " and contype = 'u'",
            (table,),
        ).fetchall()
        for name, definition in uniques:
            cur.execute(f'alter table {table} drop constraint "{name}"')
            again.append(f'alter table {table} add constraint "{name}" {definition}')
        indexes = cur.execute(
            "select indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename = %s"
            " and indexname not in (select conname from pg_constraint where conrelid = %s::regclass)",
            (table, table),
        ).fetchall()
        for name, definition in indexes:
            cur.execute(f'drop index "{name}"')
            again.append(str(definition))
    return again


def build(url: str, shape: Shape, seed: int = 2026) -> dict[str, float]:
    """Load `shape` into the migrated, empty database of `url`; seconds per step."""
    rng = random.Random(seed)
    seconds: dict[str, float] = {}
    with psycopg.connect(_plain(url)) as conn, conn.cursor() as cur:
        cur.execute("set synchronous_commit = off")
        cur.execute("set maintenance_work_mem = '256MB'")
        cur.execute("set session_replication_role = replica")  # generated consistent: no foreign-key trigger per row
        indexes = _without_indexes(cur, ("scores", "messages"))  # built once at the end, not row by row
        cur.execute("create temp table bench_cols (school_id int, subject_id int, col text, day int)")
        started = time.perf_counter()
        families = _people(cur, shape, rng)
        seconds["people"] = time.perf_counter() - started
        started = time.perf_counter()
        _year(cur, shape)
        _notice_audiences(cur)
        seconds["year"] = time.perf_counter() - started
        started = time.perf_counter()
        for statement in indexes:
            cur.execute(statement)
        seconds["indexes"] = time.perf_counter() - started
        for table in ("authorities", "schools", "school_years", "semesters", "classes", "subjects", "students",
                      "enrolments", "guardians", "student_guardians", "families", "notices"):  # fmt: skip
            cur.execute(f"select setval(pg_get_serial_sequence('{table}', 'id'), (select max(id) from {table}))")  # noqa: S608
        cur.execute(f"create table {SHAPE_TABLE} (shape text not null, families int not null)")
        cur.execute(f"insert into {SHAPE_TABLE} values (%s, %s)", (shape.key(), families))  # noqa: S608
        conn.commit()
    started = time.perf_counter()
    with psycopg.connect(_plain(url), autocommit=True) as conn:
        conn.execute("vacuum analyze")
    seconds["analyze"] = time.perf_counter() - started
    return seconds
