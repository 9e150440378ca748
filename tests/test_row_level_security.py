"""Row-level security on PostgreSQL: a query that forgets its `where school_id = ...` sees one school only.

Every table with a `school_id` column (read from the live catalog, so a new one is included) has rows
of two schools here; under school A's scope an unscoped select returns A's rows only and a row of B is
refused; a table without the policies fails the suite; pages and tasks run under the school role, and
the delivery role is the only one that crosses schools. The tests themselves run as the connecting
superuser, which row-level security does not bind: the app's scopes switch roles, as in production.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from flask import Flask, template_rendered
from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import ProgrammingError

from contactbook.extensions import db
from contactbook.models import (
    AccountToken,
    AttendanceMark,
    AttendanceSettings,
    AttendanceStatus,
    DailyNote,
    DataRequest,
    DataRequestKind,
    Family,
    LeaveRequest,
    Message,
    MessageStatus,
    PlatformFee,
    PublicAnnouncement,
    RecoveryCode,
    RenewalReminder,
    RiskWarning,
    RosterImport,
    Score,
    ScoreCorrection,
    ScorePublication,
    Subscription,
    TermRecord,
    TokenPurpose,
)
from contactbook.models.base import utcnow
from contactbook.notices.services import Audience, acknowledge, create_notice
from contactbook.row_security import (
    DELIVERY_POLICY,
    DELIVERY_ROLE,
    SCHOOL_POLICY,
    SCHOOL_ROLE,
    protect_tenant_table,
    tenant_tables,
)
from contactbook.tenancy import delivery_scope, platform_scope, school_scope
from tests.factories import SchoolPeople, World, login
from tests.grading.factories import make_grade_world
from tests.messaging.digest_support import digest_school, notice
from tests.messaging.factories import sms_message
from tests.subscriptions.payment_factories import pay
from tests.support import browser

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"),
    reason="row-level security is PostgreSQL's; SQLite (one machine) keeps the application's scoping only",
)


def fill_tenant_tables(people: SchoolPeople) -> None:
    """Rows of `people`'s school in every tenant table (through the services where they are one call away)."""
    grades = make_grade_world(people)  # roster, service settings, a plan, a subscription with consent
    roster, school_id = grades.roster, people.school.id
    subscription = db.session.scalars(select(Subscription).where(Subscription.school_id == school_id)).one()
    pay(people, subscription, subscription.charge, date.today())  # a payment and its receipt sequence
    notice = create_notice(
        people.school,
        people.admin,
        title="Họp phụ huynh",
        body="Họp phụ huynh thứ Bảy.",
        category="general",
        urgent=False,
        audience=Audience("classes", (roster.school_class.id,)),
    )  # and the students it concerns (notice_students)
    assert acknowledge(school_id, notice.id, grades.an.id, [grades.mother.id])  # a family has read it
    sms_message(roster, f"rls-{people.slug}", MessageStatus.QUEUED)
    cell = {"school_id": school_id, "class_id": roster.school_class.id, "semester_id": grades.first.id}
    score = Score(**cell, student_id=grades.an.id, subject_id=grades.maths.id, column="gk", value=Decimal("8.5"))
    db.session.add_all(
        [
            score,
            ScorePublication(**cell, subject_id=grades.maths.id, column="gk", scores=1),
            TermRecord(**cell, student_id=grades.an.id, conduct="Tốt"),
            RenewalReminder(school_id=school_id, subscription_id=subscription.id, due_on=date.today()),
            RosterImport(
                school_id=school_id, school_year_id=roster.year.id, filename="roster.csv", content=b"", summary={}
            ),
        ]
    )
    family = Family(phone=f"+849000{school_id:05d}")
    db.session.add(family)
    db.session.flush()
    db.session.add(
        DataRequest(
            school_id=school_id, family_id=family.id, guardian_ids=[], kind=DataRequestKind.COPY, due_on=date.today()
        )
    )
    db.session.add(ScoreCorrection(school_id=school_id, score_id=score.id, new_value=Decimal("9"), reason="Nhầm"))
    pupil = {"school_id": school_id, "class_id": roster.school_class.id, "student_id": grades.an.id}
    leave = LeaveRequest(**pupil, starts_on=date.today(), ends_on=date.today(), reason="Ốm")
    db.session.add_all(
        [
            AttendanceSettings(school_id=school_id),
            leave,
            RiskWarning(**pupil, rule="absences", threshold="20"),
            DailyNote(**pupil, on=date.today(), meals="Ăn hết suất"),
        ]
    )
    db.session.flush()
    db.session.add(AttendanceMark(**pupil, on=date.today(), status=AttendanceStatus.EXCUSED, leave_request_id=leave.id))
    admin = {"user_id": people.admin.id, "school_id": school_id}
    db.session.add_all(
        [
            AccountToken(**admin, purpose=TokenPurpose.RESET, token_hash=f"{school_id:064d}", expires_at=utcnow()),
            RecoveryCode(**admin, code_hash=f"{school_id:064d}"),
            PublicAnnouncement(school_id=school_id, title="Khai giảng", body="Ngày 5/9.", published_on=date.today()),
            PlatformFee(school_id=school_id, school_year="2026-2027", amount=1_200_000),
        ]
    )
    db.session.commit()


@pytest.fixture
def two_schools(world: World) -> tuple[int, int]:
    """Every tenant table holds rows of school alpha and of school beta: their ids."""
    fill_tenant_tables(world.a)
    fill_tenant_tables(world.b)
    return world.a.school.id, world.b.school.id


def schools_in(table: str) -> set[int | None]:
    """The schools whose rows a plain, unscoped select of `table` returns."""
    return set(db.session.scalars(text(f"select distinct school_id from {table}")))  # noqa: S608 (catalog names)


def tables() -> list[str]:
    return tenant_tables(db.session.connection())


@contextmanager
def as_role(role: str) -> Iterator[None]:
    """The rest of the block's queries as `role` (a SET LOCAL ROLE in the test's transaction)."""
    db.session.execute(text(f"set local role {role}"))
    try:
        yield
    finally:
        db.session.execute(text("reset role"))


# --- An unscoped select under one school, in every tenant table ----------------------------------


def test_every_tenant_table_holds_rows_of_both_schools_for_these_tests(two_schools: tuple[int, int]) -> None:
    missing = [table for table in tables() if not set(two_schools) <= schools_in(table)]
    assert missing == [], f"add rows of both schools to fill_tenant_tables for: {', '.join(missing)}"


def test_an_unscoped_select_under_school_a_returns_only_a_rows_in_every_tenant_table(
    two_schools: tuple[int, int],
) -> None:
    a, _ = two_schools
    with school_scope(a):
        seen = {table: schools_in(table) for table in tables()}
    assert seen == {table: {a} for table in tables()}


def test_a_row_of_school_b_is_refused_under_school_a_in_every_tenant_table(two_schools: tuple[int, int]) -> None:
    a, b = two_schools
    one_row = "select to_jsonb(t)::text from {} t where school_id = :b limit 1"
    rows_of_b = {table: db.session.scalar(text(one_row.format(table)), {"b": b}) for table in tables()}
    copy = "insert into {0} select * from jsonb_populate_record(null::{0}, cast(:row as jsonb))"
    accepted = []
    with school_scope(a):
        for table, row in rows_of_b.items():
            insert = text(copy.format(table))
            try:
                with db.session.begin_nested():
                    db.session.execute(insert, {"row": row})
            except ProgrammingError as exc:
                assert "row-level security" in str(exc.orig), exc
            else:
                accepted.append(table)
    assert accepted == []


def test_another_schools_row_is_not_found_by_its_id(world: World, two_schools: tuple[int, int]) -> None:
    a, b = two_schools
    b_subscription = db.session.scalars(select(Subscription.id).where(Subscription.school_id == b)).one()
    with school_scope(a):
        assert db.session.get(Subscription, b_subscription) is None


# --- Every tenant table is protected, and the check is live ---------------------------------------


def unprotected(connection: Connection) -> dict[str, str]:
    """Each tenant table without row-level security enabled and forced and its two policies: what is wrong."""
    state = {
        table: protected
        for table, protected in connection.execute(
            text(
                "select relname, relrowsecurity and relforcerowsecurity from pg_class"
                " where relnamespace = current_schema()::regnamespace and relkind = 'r'"
            )
        )
    }
    policies: dict[str, dict[str, tuple[list[str], str, str]]] = {}
    for table, name, roles, using, check in connection.execute(
        text(
            "select tablename, policyname, roles, qual, with_check from pg_policies where schemaname = current_schema()"
        )
    ):
        policies.setdefault(table, {})[name] = (list(roles), using, check)
    problems = {}
    for table in tenant_tables(connection):
        found = policies.get(table, {})
        school, delivery = found.get(SCHOOL_POLICY), found.get(DELIVERY_POLICY)
        if not state.get(table):
            problems[table] = "row-level security is not enabled and forced"
        elif set(found) != {SCHOOL_POLICY, DELIVERY_POLICY}:
            problems[table] = f"policies {sorted(found)}, not {SCHOOL_POLICY} and {DELIVERY_POLICY}"
        elif school is None or school[0] != [SCHOOL_ROLE] or "contactbook.school_id" not in school[1] + school[2]:
            problems[table] = f"{SCHOOL_POLICY} is not the school role's, on the school setting"
        elif delivery is None or delivery[0] != [DELIVERY_ROLE]:
            problems[table] = f"{DELIVERY_POLICY} is not the delivery role's"
    return problems


def test_every_tenant_table_has_row_level_security_forced_with_its_two_policies(ctx: None) -> None:
    problems = unprotected(db.session.connection())
    assert problems == {}, (
        "a tenant table needs protect_tenant_table(...) (contactbook/row_security.py) in the migration "
        f"that creates it: {problems}"
    )


def test_a_new_tenant_table_fails_the_check_until_its_migration_protects_it(ctx: None) -> None:
    connection = db.session.connection()
    connection.execute(text("create table rls_probe (id serial primary key, school_id integer not null)"))
    assert set(unprotected(connection)) == {"rls_probe"}

    with Operations.context(MigrationContext.configure(connection)):
        protect_tenant_table("rls_probe")

    assert unprotected(connection) == {}


# --- Pages and tasks run under the school role ----------------------------------------------------


@contextmanager
def probed(app: Flask) -> Iterator[list[tuple[str, str, tuple[int, ...], tuple[int, ...]]]]:
    """While a page renders, what its own transaction runs as and which schools an unscoped select sees."""
    seen: list[tuple[str, str, tuple[int, ...], tuple[int, ...]]] = []

    def probe(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
        role, school, students, users = db.session.execute(
            text(
                "select current_user, current_setting('contactbook.school_id', true),"
                " array(select distinct school_id from students order by 1),"
                " array(select distinct coalesce(school_id, 0) from users order by 1)"
            )
        ).one()
        seen.append((role, school, tuple(students), tuple(users)))

    with template_rendered.connected_to(probe, app):
        yield seen


def test_a_school_page_runs_under_the_school_role_with_its_school(app: Flask, two_schools: tuple[int, int]) -> None:
    a, _ = two_schools
    client = browser(app)
    login(client, "admin", "alpha")
    with probed(app) as seen:
        assert client.get("/s/alpha/home").status_code == 200
    assert seen
    assert set(seen) == {(SCHOOL_ROLE, str(a), (a,), (a,))}


def test_a_platform_page_sees_no_schools_rows_only_the_platforms(app: Flask, two_schools: tuple[int, int]) -> None:
    client = browser(app)
    login(client, "op")
    with probed(app) as seen:
        assert client.get("/platform/").status_code == 200
    assert seen
    assert set(seen) == {(SCHOOL_ROLE, "", (), (0,))}  # platform accounts only: no school


def test_without_a_school_the_school_role_sees_no_tenant_row(two_schools: tuple[int, int]) -> None:
    with platform_scope():
        seen = {table: schools_in(table) - {None} for table in tables()}
    assert seen == {table: set() for table in tables()}


def test_a_school_accounts_session_at_a_page_of_no_school_stays_in_its_school(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "DEV_PAGES", True)
    client = browser(app)
    login(client, "teacher", "beta")
    with probed(app) as seen:
        assert client.get("/dev/outbox").status_code == 200
    assert {(row[0], row[1]) for row in seen} == {(SCHOOL_ROLE, str(world.b.school.id))}


def test_a_notice_for_families_on_the_daily_digest_is_written_under_the_school_role(ctx: None) -> None:
    school = digest_school()
    with school_scope(school.school_id):
        assert db.session.scalar(text("select current_user")) == SCHOOL_ROLE
        notice(school, "Họp phụ huynh")  # writes the day's digests (INSERT ... ON CONFLICT DO NOTHING)
        first = db.session.scalar(select(func.count()).where(Message.digest.is_(True)))
        assert db.session.scalar(text("select current_user")) == SCHOOL_ROLE
        notice(school, "Nghỉ học thứ Sáu")  # finds them again: its items join them
        digests = db.session.execute(
            select(Message.id, Message.guardian_id, Message.channel).where(Message.kind == "digest")
        ).all()
        items = db.session.execute(
            select(Message.digest_id, Message.guardian_id, Message.channel).where(Message.digest.is_(True))
        ).all()
    assert first and len(items) == 2 * first
    routes = {digest_id: (guardian_id, channel) for digest_id, guardian_id, channel in digests}
    assert len(routes) == len(set(routes.values()))  # one digest per guardian and channel
    assert {(routes[digest_id], (guardian_id, channel)) for digest_id, guardian_id, channel in items} == {
        (route, route) for route in routes.values()
    }


# --- The delivery role, and only it, crosses schools ----------------------------------------------


def test_the_delivery_role_sees_every_schools_rows(two_schools: tuple[int, int]) -> None:
    with delivery_scope():
        seen = {table: schools_in(table) >= set(two_schools) for table in tables()}
    assert seen == {table: True for table in tables()}


def test_a_login_role_that_merely_inherits_both_roles_crosses_no_school(two_schools: tuple[int, int]) -> None:
    """A login role granted the roles, were it INHERIT by mistake: no school unscoped, one school with the setting."""
    a, _ = two_schools
    db.session.execute(text(f"create role rls_probe_login inherit in role {SCHOOL_ROLE}, {DELIVERY_ROLE}"))
    with as_role("rls_probe_login"):
        unscoped = {table: schools_in(table) - {None} for table in tables()}
        db.session.execute(text("select set_config('contactbook.school_id', :a, true)"), {"a": str(a)})
        one_school = {table: schools_in(table) for table in tables()}
    assert unscoped == {table: set() for table in tables()}
    assert one_school == {table: {a} for table in tables()}


def test_only_the_delivery_policy_lets_a_row_of_another_school_through(ctx: None) -> None:
    crossing = db.session.execute(
        text(
            "select tablename, policyname, roles from pg_policies where schemaname = current_schema()"
            " and coalesce(qual, '') not like '%contactbook.school_id%'"
        )
    ).all()
    assert {(name, tuple(roles)) for _, name, roles in crossing} <= {(DELIVERY_POLICY, (DELIVERY_ROLE,))}
    bypassing = db.session.scalars(
        text("select rolname from pg_roles where rolname in (:s, :d) and (rolbypassrls or rolsuper)"),
        {"s": SCHOOL_ROLE, "d": DELIVERY_ROLE},
    ).all()
    assert bypassing == []
