"""Which school a request is for, queries scoped to it, and the row-level scope of each transaction.

A school is reached at `/s/<slug>/...` or, in production, at `<slug>.<BASE_DOMAIN>`. `HostTenancy`
turns the second form into the first before routing, so every school route has one URL rule.

On PostgreSQL every transaction of the app also runs under a row-level scope (`contactbook.row_security`):
the school role with the request's school (or with none: the registry and platform rows only), or the
delivery role, the only one that crosses schools. Requests start in one (`start_request`), Celery tasks
and CLI commands declare theirs; work on one school outside its pages uses `school_scope`, delivery and
the provider's callbacks `delivery_scope`. A missed `where school_id = ...` then finds no other school's
row. Code outside any scope (migrations, tests) runs as the connecting user. SQLite keeps only the
application's scoping.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort, g, has_app_context
from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Select, event, select, text
from sqlalchemy.orm import Session, SessionTransaction

from contactbook.extensions import db
from contactbook.models import School, SchoolStatus
from contactbook.row_security import DELIVERY_ROLE, SCHOOL_ROLE, SCHOOL_SETTING

M = TypeVar("M")
MAX_ID = 2**31 - 1
SLUG_PATTERN = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# Platform-wide pages that school pages link to (stylesheet, language switch, the families' portal and the
# addresses families try for it): the same on every host.
SHARED_PATHS = frozenset({"/lang", "/family", "/parent", "/phu-huynh"})
SHARED_PREFIXES = ("/static/", "/family/")


class HostTenancy:
    """WSGI middleware: a request to `<slug>.<base_domain>/x` is routed as `/s/<slug>/x`."""

    def __init__(self, wsgi_app: Any, base_domain: str) -> None:
        self.wsgi_app = wsgi_app
        self.suffix = "." + base_domain.lower().strip(".")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        host = (environ.get("HTTP_HOST") or "").split(":")[0].lower()
        if host.endswith(self.suffix):
            slug = host[: -len(self.suffix)]
            if slug and "." not in slug:
                path = environ.get("PATH_INFO", "") or "/"
                prefix = f"/s/{slug}"
                if path.startswith("/s/") and not (path == prefix or path.startswith(prefix + "/")):
                    # Another school's path on this school's host: no such page here.
                    path = "/__wrong_tenant__"
                elif path in SHARED_PATHS or path.startswith(SHARED_PREFIXES):
                    pass  # not a school page: left as it is
                elif not path.startswith(prefix + "/") and path != prefix:
                    path = prefix + path
                environ["PATH_INFO"] = path
        return self.wsgi_app(environ, start_response)


def load_school(slug: str) -> School:
    """The active school with this slug, or 404 (a slug no school could have is not looked up: a NUL in it
    would make PostgreSQL refuse the query)."""
    if not re.fullmatch(SLUG_PATTERN, slug):
        abort(404)
    school = db.session.scalar(select(School).where(School.slug == slug))
    if school is None or school.status != SchoolStatus.ACTIVE:
        abort(404)
    return school


def current_school() -> School:
    """The school of the current request; only valid under `/s/<slug>/`."""
    school: School | None = g.get("school")
    if school is None:
        abort(404)
    return school


def scoped(model: type[M]) -> Select[tuple[M]]:
    """`select(model)` limited to the current school's rows."""
    return select(model).where(model.school_id == current_school().id)  # type: ignore[attr-defined]


def get_scoped_or_404(model: type[M], ident: int) -> M:
    """The row of the current school with this id; a row of another school answers 404 too."""
    if not 0 < ident <= MAX_ID:
        abort(404)  # beyond the id column's range: no such row (and PostgreSQL would refuse the query)
    row = db.session.get(model, ident)
    if row is None or getattr(row, "school_id", None) != current_school().id:
        abort(404)
    return row


# --- Row-level scopes (PostgreSQL) -------------------------------------------------------------------


@dataclass(frozen=True)
class RowScope:
    """Whom a transaction runs as: a role, and for the school role the one school whose rows it sees."""

    role: str
    school_id: int | None = None


PLATFORM = RowScope(SCHOOL_ROLE)  # no school: the registry (schools, authorities) and platform rows only
DELIVERY = RowScope(DELIVERY_ROLE)
_SCOPE = "_row_scope"  # on `g`: the scope of the app context's work
_APPLIED = "row_scope"  # in `session.info`: the scope the session's open transaction runs under
# Transaction-local (`true`): a pooled connection never carries a role or a school into the next transaction.
_SET_SCOPE = text(f"select set_config('role', :role, true), set_config('{SCHOOL_SETTING}', :school, true)")


def apply_scope(connection: Connection, scope: RowScope | None) -> None:
    """Run the rest of `connection`'s transaction under `scope` (None: as the connecting user again)."""
    driver = connection.connection.driver_connection
    if driver is not None and driver.info.transaction_status == TransactionStatus.INERROR:
        return  # aborted by an error: it can only roll back, and the next transaction starts in its scope
    role = "none" if scope is None else scope.role
    school = "" if scope is None or scope.school_id is None else str(scope.school_id)
    connection.execute(_SET_SCOPE, {"role": role, "school": school})


def _current() -> RowScope | None:
    return g.get(_SCOPE) if has_app_context() else None


def _on_begin(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    """Each transaction starts in the scope of the work at hand: one statement, before its first query."""
    if connection.dialect.name != "postgresql":
        return  # SQLite: the application's scoping only
    scope = _current()
    if _APPLIED in session.info and session.info[_APPLIED] == scope:
        return  # a savepoint inside a transaction already in this scope
    if scope is not None or _APPLIED in session.info:
        apply_scope(connection, scope)
    session.info[_APPLIED] = scope


def _on_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_APPLIED, None)


def install_row_scopes() -> None:
    """Listen to every session's transactions (once, however many apps are created)."""
    for name, listener in (("after_begin", _on_begin), ("after_transaction_end", _on_end)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def _enter(scope: RowScope | None) -> None:
    """Make `scope` the app context's; a transaction already open switches at once."""
    setattr(g, _SCOPE, scope)
    if not db.session.registry.has():
        return
    session = db.session()
    transaction = session.get_transaction()
    if (
        _APPLIED in session.info
        and session.info[_APPLIED] != scope
        and transaction is not None
        and transaction.is_active
    ):
        apply_scope(session.connection(), scope)
        session.info[_APPLIED] = scope


@contextmanager
def _scoped(scope: RowScope) -> Iterator[None]:
    previous = _current()
    _enter(scope)
    try:
        yield
    finally:
        _enter(previous)


def school_scope(school_id: int) -> AbstractContextManager[None]:
    """Work on one school's rows away from its pages (CLI, tasks, platform services): that school only."""
    return _scoped(RowScope(SCHOOL_ROLE, school_id))


def platform_scope() -> AbstractContextManager[None]:
    """The school role with no school: the registry and platform rows only (tasks and CLI commands start here)."""
    return _scoped(PLATFORM)


def delivery_scope() -> AbstractContextManager[None]:
    """Every school's rows, as the delivery role: only for delivering the outbox and the provider's callbacks."""
    return _scoped(DELIVERY)


def start_request(slug: str | None) -> None:
    """A request runs under the school role: for the school `slug` names (404 unless active), else for none yet."""
    _enter(PLATFORM)
    if slug is not None:
        g.school = load_school(slug)
        # Kept apart: after a commit the school's attributes are expired, and reading one would reload it.
        g.school_slug = slug
        _enter(RowScope(SCHOOL_ROLE, g.school.id))


def admit_account(school_id: int | None) -> bool:
    """Whether the signed-in account of `school_id` (None: a platform account) may be read in this request.

    A school's page reads only its own staff (anyone else is logged out there). At a page of no school,
    a school account's request acts for that school from then on: its own row, and whatever it changes
    (logging out), are that school's.
    """
    school: School | None = g.get("school")
    if school is not None:
        return school_id == school.id
    if school_id is not None and _current() == PLATFORM:
        _enter(RowScope(SCHOOL_ROLE, school_id))
    return True
