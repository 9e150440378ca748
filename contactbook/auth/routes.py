"""Login, logout, password change, language switch and the public landing pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select, text

from contactbook.accounts import second_step
from contactbook.auth import services
from contactbook.auth.access import public, school_member, school_user
from contactbook.auth.forms import LanguageForm, LoginForm, PasswordChangeForm, PostForm
from contactbook.extensions import client_address, db
from contactbook.models import School, SchoolStatus, User
from contactbook.tenancy import current_school

bp = Blueprint("auth", __name__)


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: never an absolute URL (no open redirect)."""
    # Control characters are refused too: tabs and newlines are dropped from URLs (by browsers and by
    # the Location header's encoding), which would turn "/\t/evil.example" into "//evil.example".
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(char) < 0x20 or ord(char) == 0x7F for char in target)
    ):
        return target
    return default


def complete_login(user: User, target: str) -> ResponseReturnValue:
    """Sign `user` in with a new session (nothing from before survives but the language), then go on."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    login_user(user)
    return redirect(target)


def _login(school: School | None, home: str) -> ResponseReturnValue:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        result = services.authenticate(school, form.username.data or "", form.password.data or "", client_address())
        if result.refused:
            abort(429)
        if result.user is not None:
            target = safe_next(form.next.data, home)
            if result.user.totp_enabled_at is not None:  # the password was right: now the second factor
                return second_step.ask(result.user, target)
            return complete_login(result.user, target)
        flash(_("Wrong username or password, or the account is disabled."), "error")
    return render_template("auth/login.html", form=form, school=school)


@bp.route("/")
@public
def index() -> ResponseReturnValue:
    schools = db.session.scalars(select(School).where(School.status == SchoolStatus.ACTIVE).order_by(School.name)).all()
    return render_template("auth/index.html", schools=schools)


@bp.route("/healthz")
@public
def healthz() -> ResponseReturnValue:
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/login", methods=["GET", "POST"])
@public
def platform_login() -> ResponseReturnValue:
    return _login(None, url_for("auth.platform_home"))


@bp.route("/home")
@public
def platform_home() -> ResponseReturnValue:
    """Send a platform user to their dashboard."""
    if current_user.is_authenticated and current_user.school_id is None:
        if current_user.is_platform_operator:
            return redirect(url_for("platform.dashboard"))
        if current_user.authority_id is not None:
            return redirect(url_for("platform.authority_dashboard"))
    return redirect(url_for("auth.platform_login"))


@bp.route("/s/<school_slug>/login", methods=["GET", "POST"])
@public
def school_login() -> ResponseReturnValue:
    return _login(current_school(), url_for("schools.dashboard"))


def _logout(target: str) -> ResponseReturnValue:
    form = PostForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        user: User = current_user._get_current_object()
        services.end_sessions(user)
        language = session.get("lang")
        logout_user()
        session.clear()
        if language:
            session["lang"] = language
        flash(_("You have logged out."), "info")
    return redirect(target)


@bp.route("/logout", methods=["POST"])
@public
def platform_logout() -> ResponseReturnValue:
    return _logout(url_for("auth.platform_login"))


@bp.route("/s/<school_slug>/logout", methods=["POST"])
@public
def school_logout() -> ResponseReturnValue:
    return _logout(url_for("auth.school_login"))


@bp.route("/s/<school_slug>/account/password", methods=["GET", "POST"])
@school_member()
def change_password() -> ResponseReturnValue:
    form = PasswordChangeForm()
    user = school_user()
    assert user is not None  # the access rule guarantees it
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current.data or "", form.new.data or "")
        except services.PasswordPolicyError as exc:
            for problem in exc.problems:
                form.new.errors.append(_(problem))
        else:
            login_user(user)  # the token changed: keep this session, end all the others
            flash(_("Your password has been changed."), "info")
            return redirect(url_for("schools.dashboard"))
    return render_template("auth/password.html", form=form)


@bp.route("/lang", methods=["POST"])
@public
def set_language() -> ResponseReturnValue:
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
    return redirect(safe_next(form.next.data, url_for("auth.index")))
