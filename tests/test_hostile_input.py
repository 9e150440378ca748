"""Hostile input, route by route: no answer is ever a 500, and a refused request changes no row.

The cases come from the application's URL map, like the authorization matrix (whose world, actors and
access rules this module reuses): every route, GET and POST, signed in as an actor its rule lets in.
A GET gets hostile values for each query argument its view reads (and each field of the GET forms on
its page); a POST gets hostile values for each field of the forms that post to it, as found on the
app's own pages, the other fields keeping the values the page offers (or a valid one where it offers
none). A GET, whatever it answers, and a request that is refused (a 4xx, a page showing errors, or a
redirect that flashes an error) must leave every table as it was. Last, every `<int:...>` of a URL is
given other digit scripts and ids beyond range, and answers 404.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, select
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from contactbook import create_app
from contactbook.models import Base
from tests import conftest
from tests.auth.test_authorization_matrix import (  # noqa: F401 (`matrix` and `world_ids` are its fixtures)
    ACTOR_VALUES,
    ACTORS,
    GRADE_BOOK_HOLDERS,
    LOGIN_ENDPOINTS,
    PARAMETER_VALUES,
    ROUTES,
    Actor,
    Answer,
    Ids,
    Matrix,
    Route,
    _case_id,
    expected_answer,
    matrix,
    world_ids,
)
from tests.factories import PASSWORD

# Sampled per field: each field gets every `SAMPLE`-th value, starting at its own offset, so that the
# fields of one form together see every value; every value is also sent in every field at once.
HOSTILE: tuple[str, ...] = (
    "",
    "9" * 30,
    "999999999999999999",
    "-1",
    "-9223372036854775809",
    "0",
    "١٢٣",
    "１２３",
    "\u202e\u202e\u202e",
    "a\x00b\x07\x1b[31m",
    "\u200f\u202d\u2066x\u2069",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "31/12/9999 23:59",
    "1e309",
    "x" * 10_000,
)
SAMPLE = 2
NO_FILES: frozenset[str] = frozenset()
# Pages that show their form only for a query: the consent form is for a student and guardian picked first.
PAGE_QUERIES: dict[str, Callable[[Ids], tuple[str, ...]]] = {
    # The class's sheet of a past day of its school year (today is outside the world's 2025-2026).
    "attendance.class_page": lambda ids: ("?on=2026-05-20",),
    "subscriptions.new": lambda ids: (
        f"?student_id={ids.roster['alpha']['student']}&guardian_id={ids.roster['alpha']['guardian']}",
    ),
}
# Fields the pages leave empty get a valid value, so that one hostile field at a time reaches past the others.
VALID: dict[str, str] = {
    "title": "Họp phụ huynh",
    "body": "Họp phụ huynh lúc 7 giờ.",
    "name": "Mới 2027",
    "full_name": "Nguyễn Thị Lan",
    "admin_full_name": "Nguyễn Thị Lan",
    "username": "lan.nguyen",
    "admin_username": "lan.nguyen",
    "email": "lan@example.com",
    "admin_email": "lan@example.com",
    "password": "Một-mật-khẩu-dài-2026",
    "admin_password": "Một-mật-khẩu-dài-2026",
    "current": PASSWORD,
    "new": "Một-mật-khẩu-dài-2026",
    "confirm": "Một-mật-khẩu-dài-2026",
    "slug": "truong-moi",
    "grade_level": "7",
    "periods_per_year": "35",
    "price": "20000",
    "set-max_price": "50000",
    "amount": "20000",
    "reason": "Phụ huynh yêu cầu",
    "first_start": "2027-09-05",
    "first_end": "2028-01-15",
    "second_start": "2028-01-16",
    "second_end": "2028-05-31",
    # A registration campaign, and a school's registration through its link.
    "school_year": "2026-2027",
    "opens_on": "2026-08-01",
    "deadline": "2026-08-31",
    "school_name": "Trường Mới",
    "address": "1 Lê Lợi, Huế",
    "requested_slug": "truong-moi-2",
    "admin_phone": "0912 345 678",
    "note": "Sửa địa chỉ",
}
HOSTILE_FILE = b"PK\x03\x04\x00\x00" + b"\xff" * 64  # the start of a zip, then nothing that makes sense
QUERY_ARGUMENT = re.compile(
    r"""request\.args\.get(?:list)?\(\s*["'](\w+)["']|["'](\w+)["']\s+in\s+request\.args|_argument\(\s*["'](\w+)["']"""
)
ERROR_MARKUP = re.compile(r'class="[^"]*\b(?:error|errors|has-error)\b')
# Refused logins are audited on purpose (issue 10 §3): that row is the one change a refusal may make there.
MAY_CHANGE_WHEN_REFUSED = {endpoint: frozenset({"audit_log"}) for endpoint in LOGIN_ENDPOINTS}


# --- Forms as the app's pages offer them ----------------------------------------------------------


@dataclass
class Form:
    """A form of a page: where it goes, how, and each field's name, kind and the value the page offers."""

    action: str  # the path it posts to
    method: str
    query: str = ""  # the query string of its action, if any (`?student_id=…`)
    fields: dict[str, str] = field(default_factory=dict)  # name → the value the page fills in
    files: set[str] = field(default_factory=set)


class FormParser(HTMLParser):
    """Collects the forms of a page: each field with the value the page fills in (a select's chosen option)."""

    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = urlsplit(a.get("action") or self.page_path)
            query = f"?{action.query}" if action.query else ""
            path = action.path or urlsplit(self.page_path).path
            self.forms.append(Form(path, (a.get("method") or "get").upper(), query))
            return
        if not self.forms:
            return
        form = self.forms[-1]
        if tag == "option" and self._select is not None:
            if not form.fields.get(self._select) or "selected" in a:
                form.fields[self._select] = a.get("value", "")
            return
        if "name" not in a:
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                form.files.add(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in a or name not in form.fields:
                    form.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "reset", "image"):
                form.fields[name] = a.get("value", "")
        elif tag == "select":
            self._select = name
            form.fields.setdefault(name, "")
        elif tag == "textarea":
            self._textarea = name
            form.fields[name] = ""
        elif tag == "button" and a.get("value"):
            form.fields.setdefault(name, a["value"])

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(page: str, path: str) -> list[Form]:
    """The forms of an HTML page served at `path` (with its query, if it was opened with one)."""
    parser = FormParser(path)
    parser.feed(page)
    return parser.forms


# --- Who may use a route, and where its forms are --------------------------------------------------


def lets_in(route: Route, actor: Actor, world: Matrix) -> bool:
    """Whether the route's access rule (and the grade book's own check) lets `actor` use it."""
    rule = world.declared_rule(route.endpoint)
    answer = expected_answer(rule, actor, bool(world.app.config["DEV_PAGES"]))
    holders = GRADE_BOOK_HOLDERS.get((route.endpoint, route.method))
    return answer in (Answer.ALLOWED, Answer.REACHABLE) and (holders is None or actor.name in holders)


def actor_for(route: Route, world: Matrix) -> Actor:
    """An actor the route lets in, the school's admin first and anonymous last; anonymous when none is let in."""
    allowed = [actor for actor in ACTORS if lets_in(route, actor, world)]
    preferred = sorted(allowed, key=lambda actor: (actor.name != "admin", actor.username is None))
    return preferred[0] if preferred else ACTORS[0]


def url_of(route: Route, actor: Actor, world: Matrix) -> str:
    """The route's URL with alpha's objects (the actor's own where it has one)."""
    own = {name: (lambda ids, v=value: v(ids, actor.username or "")) for name, value in ACTOR_VALUES.items()}
    return world.url(route, PARAMETER_VALUES | own)


def page_forms(client: FlaskClient, actor: Actor, world: Matrix) -> list[Form]:
    """Every form on every page (GET route) the actor may open."""
    forms: list[Form] = []
    for route in ROUTES:
        if route.method != "GET" or not lets_in(route, actor, world):
            continue
        url = url_of(route, actor, world)
        for query in ("", *PAGE_QUERIES.get(route.endpoint, lambda ids: ())(world.ids)):
            response = client.get(url + query)
            if response.status_code == 200 and response.mimetype == "text/html":
                # With the query: a form without an action posts to the page's URL as it was opened.
                forms.extend(forms_of(response.get_data(as_text=True), urlsplit(url).path + query))
    return forms


def query_arguments(route: Route, world: Matrix, page: str | None, path: str) -> set[str]:
    """The query arguments the module of the route's view reads (its helpers too), and its page's GET forms' fields."""
    module = inspect.getmodule(world.app.view_functions[route.endpoint])
    assert module is not None
    names = {next(filter(None, groups)) for groups in QUERY_ARGUMENT.findall(inspect.getsource(module))}
    if page is not None:
        names |= {name for form in forms_of(page, path) if form.method == "GET" for name in form.fields}
    return names


# --- Requests, and what they changed -------------------------------------------------------------


def table_digests(connection: Connection) -> dict[str, str]:
    """A digest of every table's rows, by table name."""
    digests = {}
    for table in Base.metadata.sorted_tables:
        rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
        digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def refused(client: FlaskClient, response: TestResponse) -> bool:
    """Whether the app turned the request down: a 4xx, a page showing errors, or a redirect flashing one."""
    if 400 <= response.status_code < 500:
        return True
    if response.status_code == 200 and response.mimetype == "text/html":
        return bool(ERROR_MARKUP.search(response.get_data(as_text=True)))
    if 300 <= response.status_code < 400:
        with client.session_transaction() as session:
            # Taken out, so that the next request's answer is judged by its own messages only.
            return any(category == "error" for category, _ in session.pop("_flashes", []))
    return False


def samples(index: int) -> tuple[str, ...]:
    """The hostile values sent in the `index`-th field of a form."""
    return HOSTILE[index % SAMPLE :: SAMPLE]


def submissions(names: list[str], defaults: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    """(what is hostile, the data) for each sampled value of each field, then each value in every field."""
    for index, name in enumerate(names):
        for value in samples(index):
            yield f"{name}={value[:40]!r}", defaults | {name: value}
    for value in HOSTILE if names else ():
        yield f"every field={value[:40]!r}", defaults | dict.fromkeys(names, value)


@dataclass
class Probe:
    """Sends the hostile requests of one route and keeps what went wrong."""

    client: FlaskClient
    connection: Connection
    route: Route
    problems: list[str] = field(default_factory=list)
    sent: int = 0

    def send(
        self, url: str, what: str, data: dict[str, str] | None = None, files: frozenset[str] = frozenset()
    ) -> None:
        before = table_digests(self.connection)
        if self.route.method == "GET":
            response = self.client.get(url, query_string=data)
        else:
            payload: MultiDict[str, object] = MultiDict(data or {})
            for name in files:
                payload.add(name, (io.BytesIO(HOSTILE_FILE), "\u202eslx.xlsx"))
            response = self.client.post(url, data=payload, content_type="multipart/form-data")
        self.sent += 1
        if response.status_code >= 500:
            self.problems.append(f"{self.route.method} {url} with {what}: {response.status_code} (see the log)")
            return
        # A GET changes nothing whatever it answers; any other request, nothing when it is refused.
        was_refused = refused(self.client, response)
        if was_refused or self.route.method == "GET":
            after = table_digests(self.connection)
            allowed = MAY_CHANGE_WHEN_REFUSED.get(self.route.endpoint, frozenset())
            changed = sorted(name for name in before if before[name] != after[name] and name not in allowed)
            if changed:
                answer = f"refused ({response.status_code})" if was_refused else f"a GET ({response.status_code})"
                self.problems.append(f"{self.route.method} {url} with {what}: {answer} but changed {changed}")


@pytest.fixture(scope="module")
def matrix_app(app: Flask, urls: dict[str, str]) -> Flask:
    """The matrix's app (CSRF off), answering an unhandled error with its 500 page instead of raising it."""
    return create_app({**conftest.app_settings(urls), "WTF_CSRF_ENABLED": False, "PROPAGATE_EXCEPTIONS": False})


HOSTILE_CASES = [pytest.param(route, id=_case_id(route, "hostile")) for route in ROUTES]


@pytest.fixture
def connection(world_ids: tuple[Connection, Ids]) -> Connection:  # noqa: F811 (the fixture)
    return world_ids[0]


@pytest.mark.parametrize("route", HOSTILE_CASES)
def test_route_never_answers_500_and_a_refusal_changes_nothing(
    route: Route,
    matrix: Matrix,  # noqa: F811 (the fixture)
    connection: Connection,
) -> None:
    actor = actor_for(route, matrix)
    url = url_of(route, actor, matrix)
    path = urlsplit(url).path
    client = matrix.client_as(actor)
    probe = Probe(client, connection, route)
    if route.method == "GET":
        response = client.get(url)
        page = response.get_data(as_text=True) if response.mimetype == "text/html" else None
        names = sorted(query_arguments(route, matrix, page, path))
        probe.send(url, "no query")
        for what, data in submissions(names, {}):
            probe.send(url, what, data)
    else:
        forms = [form for form in page_forms(client, actor, matrix) if form.method == "POST" and form.action == path]
        forms = list(
            {(form.query, tuple(sorted(form.fields)), tuple(sorted(form.files))): form for form in forms}.values()
        )
        client = matrix.client_as(actor)  # the pages may have changed the session; start from a fresh one
        probe.client = client
        if not forms:
            probe.send(url, "no form data")
        for form in forms:
            names = sorted(name for name in form.fields if name != "csrf_token")
            defaults = form.fields | {
                name: VALID[name] for name, value in form.fields.items() if not value.strip() and name in VALID
            }
            for what, data in submissions(names, defaults):
                probe.send(url + form.query, what, data, frozenset(form.files))
    assert not probe.problems, f"{len(probe.problems)} of {probe.sent} hostile requests:\n" + "\n".join(
        probe.problems[:40]
    )


# --- Ids in the path: ASCII digits within range, or no route at all -------------------------------

# What an `<int:...>` part of a URL is given instead of the object's id: its digits in other scripts (which
# Python's int() reads as the same number), beyond the largest id, and beyond 64 bits.
PATH_IDS: dict[str, Callable[[int], str]] = {
    "fullwidth": lambda number: "".join(chr(ord("０") + int(d)) for d in str(number)),
    "arabic-indic": lambda number: "".join(chr(ord("٠") + int(d)) for d in str(number)),
    "beyond int32": lambda number: str(2**31 + number),
    "beyond int64": lambda number: str(2**64 + number),
}
INT_PARAMETERS = re.compile(r"<int:(\w+)>")
ID_ROUTES = [
    pytest.param(route, id=_case_id(route, "path_ids")) for route in ROUTES if INT_PARAMETERS.search(route.rule)
]


@pytest.mark.parametrize("route", ID_ROUTES)
def test_an_id_in_the_path_that_is_not_ascii_digits_in_range_is_not_found(
    route: Route,
    matrix: Matrix,  # noqa: F811 (the fixture)
) -> None:
    actor = actor_for(route, matrix)
    url = url_of(route, actor, matrix)
    client = matrix.client_as(actor)
    problems = []
    for name in INT_PARAMETERS.findall(route.rule):
        own = {key: (lambda ids, v=value: v(ids, actor.username or "")) for key, value in ACTOR_VALUES.items()}
        number = int((PARAMETER_VALUES | own)[name](matrix.ids))
        for kind, spelled in PATH_IDS.items():
            hostile = re.sub(rf"<int:{name}>", spelled(number), route.rule)
            hostile = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: _segment(url, route.rule, m.group(1)), hostile)
            status = client.open(hostile, method=route.method).status_code
            if status != 404:
                problems.append(f"{route.method} {hostile} ({name} {kind}): {status}, not 404")
    assert not problems, "\n".join(problems)


def _segment(url: str, rule: str, name: str) -> str:
    """The part of `url` that stands for `<...name>` in `rule`."""
    parts, values = rule.strip("/").split("/"), urlsplit(url).path.strip("/").split("/")
    return next(value for part, value in zip(parts, values, strict=True) if re.fullmatch(rf"<(?:\w+:)?{name}>", part))


# --- A school's slug in the path: a school's own, or no school at all -----------------------------

# What `<school_slug>` is given instead of the school's slug: a NUL (PostgreSQL refuses it in a query), other
# control and bidi characters, capitals, other scripts, a slug longer than any, and the slug of no school.
HOSTILE_SLUGS = (
    "%00",
    "alpha%00",
    "alpha%1b",
    "%E2%80%AEalpha",
    "ALPHA",
    "alph%C3%A1",
    "%EF%BD%81lpha",
    "a" * 300,
    "gamma",
)
SLUG_ROUTES = [
    pytest.param(route, id=_case_id(route, "school_slug")) for route in ROUTES if "<school_slug>" in route.rule
]


@pytest.mark.parametrize("route", SLUG_ROUTES)
def test_a_school_slug_that_names_no_school_is_not_found(
    route: Route,
    matrix: Matrix,  # noqa: F811 (the fixture)
) -> None:
    actor = actor_for(route, matrix)
    url = url_of(route, actor, matrix)
    client = matrix.client_as(actor)
    problems = []
    for slug in HOSTILE_SLUGS:
        hostile = url.replace("/s/alpha/", f"/s/{slug}/", 1)
        status = client.open(hostile, method=route.method).status_code
        if status != 404:
            problems.append(f"{route.method} {hostile}: {status}, not 404")
    assert not problems, "\n".join(problems)
