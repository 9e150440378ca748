"""Which school a request is for, and queries scoped to it.

A school is reached at `/s/<slug>/...` or, in production, at `<slug>.<BASE_DOMAIN>`. `HostTenancy`
turns the second form into the first before routing, so every school route has one URL rule.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort, g
from sqlalchemy import Select, select

from contactbook.extensions import db
from contactbook.models import School, SchoolStatus

M = TypeVar("M")
MAX_ID = 2**31 - 1
SLUG_PATTERN = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# Platform-wide pages that school pages link to (stylesheet, language switch): the same on every host.
SHARED_PATHS = frozenset({"/lang"})
SHARED_PREFIXES = ("/static/",)


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
    """The active school with this slug, or 404."""
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
