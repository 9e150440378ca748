"""Request wiring shared by every page: tenancy, sessions, locale, access, headers, error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from contactbook.auth.access import FAMILY_SESSION_KEY, enforce_access, has_permission, public
from contactbook.auth.labels import permission_label, role_label
from contactbook.auth.services import load_session_user
from contactbook.extensions import login_manager
from contactbook.inputs import MAX_ID
from contactbook.tenancy import HostTenancy, start_request

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
LOCALES = ("vi", "en")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
}


class AsciiIntegerConverter(IntegerConverter):
    """`<int:...>` in a URL: ASCII digits only (Python's `\\d` takes `１` and `١` too), at most the largest id.

    Anything else is no route at all (404), so `/classes/１` is not class 1 and a huge id never reaches the
    database driver.
    """

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def select_locale() -> str:
    """The language the visitor chose, else the configured default (Vietnamese)."""
    chosen = session.get("lang")
    return chosen if chosen in LOCALES else str(current_app.config["DEFAULT_LOCALE"])


def select_timezone() -> str:
    return str(current_app.config["TIMEZONE"])


def _pull_school(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # The first hook of every request, before any query: it also sets the request's row-level scope.
    start_request(values.pop("school_slug") if values and "school_slug" in values else None)


def _add_school(endpoint: str, values: dict[str, Any]) -> None:
    slug = g.get("school_slug")
    if (
        slug is not None
        and "school_slug" not in values
        and current_app.url_map.is_endpoint_expecting(endpoint, "school_slug")
    ):
        values["school_slug"] = slug


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # A family's pages show its children: kept out of shared caches like staff pages.
    if (current_user and current_user.is_authenticated) or FAMILY_SESSION_KEY in session:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _error_page(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    return render_template("error.html", code=code, error=error), code


def _csrf_error(error: CSRFError) -> ResponseReturnValue:
    return render_template("error.html", code=400, error=error, csrf=True), 400


def _server_error(error: Exception) -> ResponseReturnValue:
    current_app.logger.exception("Unhandled error on %s", request.path)
    return render_template("error.html", code=500, error=None), 500


@public
def _favicon() -> ResponseReturnValue:
    """Browsers ask for /favicon.ico whatever the page links: the icon, not a 404."""
    return current_app.send_static_file("favicon.ico")


def init_app(app: Flask) -> None:
    """Attach the request hooks, error pages and template helpers to `app`."""
    app.wsgi_app = HostTenancy(app.wsgi_app, app.config["BASE_DOMAIN"])  # type: ignore[method-assign]
    if app.config["PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    # Before any blueprint is registered: the rules are compiled with the converter in place when they are added.
    app.url_map.converters["int"] = AsciiIntegerConverter
    login_manager.user_loader(load_session_user)
    app.url_value_preprocessor(_pull_school)
    app.url_defaults(_add_school)
    app.before_request(enforce_access)
    app.after_request(_security_headers)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _error_page)
    app.register_error_handler(Exception, _server_error)
    app.jinja_env.globals.update(
        has_permission=has_permission,
        select_locale=select_locale,
        role_label=role_label,
        permission_label=permission_label,
    )
