"""Account recovery (forgotten password, set-password links, resets by an admin or the operator), the second
step of signing in, two-factor enrolment, and the operator's setting of who must use it."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from limits import parse

from contactbook.accounts import second_step
from contactbook.accounts.forms import CodeForm, ForgotForm, RequiredForm, SetPasswordForm
from contactbook.accounts.services import forgot as forgotten
from contactbook.accounts.services import recovery, tokens, two_factor
from contactbook.auth import throttle
from contactbook.auth.access import operator_only, platform_account, public, rule_for, school_member, staff_user
from contactbook.auth.forms import PostForm
from contactbook.auth.routes import complete_login
from contactbook.auth.rules import Permission
from contactbook.auth.services import PasswordPolicyError
from contactbook.extensions import client_address, db
from contactbook.models import School, User
from contactbook.schools.services import DelegationError
from contactbook.tenancy import MAX_ID, current_school, get_scoped_or_404

bp = Blueprint("accounts", __name__)
ENROL_SECRET_KEY = "totp_enrol_secret"  # noqa: S105 (a session key, not a secret)
# Pages a signed-in account that must enrol in two-factor sign-in may still open.
OPEN_BEFORE_ENROLMENT = frozenset(
    {
        "accounts.two_factor",
        "accounts.school_two_factor",
        "auth.platform_logout",
        "auth.school_logout",
        "auth.set_language",
        "static",
        "favicon",
    }
)


def _account() -> User:
    user: User = current_user._get_current_object()
    return user


def _enrol_page(user: User) -> str:
    if user.school_id is not None and user.school is not None:
        return url_for("accounts.school_two_factor", school_slug=user.school.slug)
    return url_for("accounts.two_factor")


@bp.before_app_request
def _require_enrolment() -> ResponseReturnValue | None:
    """An account the platform setting makes use two-factor sign-in opens nothing else until it enrols."""
    if request.endpoint is None or request.endpoint in OPEN_BEFORE_ENROLMENT:
        return None
    rule = rule_for(request.endpoint)
    if rule is None or rule.kind in ("public", "webhook", "family"):
        return None  # opens nothing of the account's (and reads no account: a login page keeps its own scope)
    if not current_user.is_authenticated:
        return None
    user = _account()
    if user.totp_enabled_at is None and two_factor.required(user):
        return redirect(_enrol_page(user))
    return None


# --- Forgotten password ----------------------------------------------------------------------------


def _forgot(school: School | None) -> ResponseReturnValue:
    form = ForgotForm()
    if form.validate_on_submit():
        username = form.username.data or ""
        if not forgotten.count_request(school, username, client_address()):
            abort(429)
        # The same answer, and the same work before it, whether the account exists, is disabled, or has no email.
        forgotten.request_reset(school, username)
        flash(
            _("If the account exists and has an email address, a link to set a new password has been sent to it."),
            "info",
        )
        return redirect(request.path)
    return render_template("accounts/forgot.html", form=form, school=school)


@bp.route("/account/forgot", methods=["GET", "POST"])
@public
def forgot() -> ResponseReturnValue:
    return _forgot(None)


@bp.route("/s/<school_slug>/forgot", methods=["GET", "POST"])
@public
def school_forgot() -> ResponseReturnValue:
    return _forgot(current_school())


# --- Setting a password from a link ----------------------------------------------------------------


@bp.route("/account/password/<token>", methods=["GET", "POST"])
@bp.route("/s/<school_slug>/account/password/<token>", methods=["GET", "POST"])
@public
def set_password(token: str) -> ResponseReturnValue:
    school = g.get("school")
    school_id = school.id if school is not None else None
    if school_id is not None and tokens.school_of(token) != school_id:
        abort(404)  # another school's link (or a platform account's) at this school's address: no such page here
    account = recovery.check_link(token, school_id)
    if account is None:
        return render_template("accounts/link_invalid.html"), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            done = recovery.set_password(token, school_id, form.new.data or "")
        except PasswordPolicyError as exc:
            form.new.errors = [_(problem) for problem in exc.problems]
        else:
            if done is None:
                return render_template("accounts/link_invalid.html"), 410
            flash(_("Your password has been set. Log in with it."), "info")
            if done.school_slug is not None:
                return redirect(url_for("auth.school_login", school_slug=done.school_slug))
            return redirect(url_for("auth.platform_login"))
    return render_template("accounts/set_password.html", form=form, account=account)


# --- The second step of signing in -----------------------------------------------------------------


def _login_code() -> ResponseReturnValue:
    pending = second_step.pending_user()
    login_page = url_for("auth.school_login") if g.get("school") is not None else url_for("auth.platform_login")
    if pending is None:
        second_step.forget()
        flash(_("Log in again."), "info")
        return redirect(login_page)
    user, target = pending
    form = CodeForm()
    if form.validate_on_submit():
        limit = parse(str(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]))
        if throttle.count(((limit, ("second-factor", str(user.id))),)) is None:
            abort(429)
        if two_factor.verify(user, form.code.data or ""):
            return complete_login(user, target)
        form.code.errors = [_("Wrong code.")]
    return render_template("accounts/login_code.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code() -> ResponseReturnValue:
    return _login_code()


@bp.route("/s/<school_slug>/login/code", methods=["GET", "POST"])
@public
def school_login_code() -> ResponseReturnValue:
    return _login_code()


# --- Two-factor sign-in: enrol, recovery codes, disable ---------------------------------------------


def _two_factor(user: User) -> ResponseReturnValue:
    form = CodeForm()
    codes: list[str] | None = None
    if user.totp_enabled_at is None:
        secret = session.get(ENROL_SECRET_KEY)
        if not isinstance(secret, str) or len(secret) != 32:
            secret = two_factor.new_secret()
            session[ENROL_SECRET_KEY] = secret
        if form.validate_on_submit():
            codes = two_factor.enrol(user, secret, form.code.data or "")
            if codes is None:
                form.code.errors = [_("Wrong code.")]
            else:
                session.pop(ENROL_SECRET_KEY, None)
                flash(_("Two-factor sign-in is on."), "info")
                return render_template("accounts/recovery_codes.html", codes=codes)
        uri = two_factor.provisioning_uri(user, secret)
        return render_template(
            "accounts/two_factor.html",
            form=form,
            user=user,
            secret=secret,
            qr=two_factor.qr_svg(uri),
            required=two_factor.required(user),
        )
    if request.method == "POST":
        abort(400)  # already on: the other buttons post to their own pages
    return render_template(
        "accounts/two_factor.html",
        form=form,
        user=user,
        codes_left=two_factor.codes_left(user),
        required=two_factor.required(user),
    )


def _codes(user: User, self_endpoint: str) -> ResponseReturnValue:
    form = CodeForm()
    if not form.validate_on_submit():
        abort(400)
    codes = two_factor.regenerate(user, form.code.data or "")
    if codes is None:
        flash(_("Wrong code."), "error")
        return redirect(url_for(self_endpoint))
    return render_template("accounts/recovery_codes.html", codes=codes)


def _disable(user: User, self_endpoint: str) -> ResponseReturnValue:
    form = CodeForm()
    if not form.validate_on_submit():
        abort(400)
    if two_factor.required(user):
        flash(_("Your account must use two-factor sign-in."), "error")
    elif two_factor.disable(user, form.code.data or ""):
        flash(_("Two-factor sign-in is off."), "info")
    else:
        flash(_("Wrong code."), "error")
    return redirect(url_for(self_endpoint))


@bp.route("/account/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@platform_account
def two_factor_page() -> ResponseReturnValue:
    return _two_factor(_account())


@bp.route("/account/two-factor/codes", methods=["POST"])
@platform_account
def two_factor_codes() -> ResponseReturnValue:
    return _codes(_account(), "accounts.two_factor")


@bp.route("/account/two-factor/disable", methods=["POST"])
@platform_account
def two_factor_disable() -> ResponseReturnValue:
    return _disable(_account(), "accounts.two_factor")


@bp.route("/s/<school_slug>/account/two-factor", methods=["GET", "POST"])
@school_member()
def school_two_factor() -> ResponseReturnValue:
    return _two_factor(staff_user())


@bp.route("/s/<school_slug>/account/two-factor/codes", methods=["POST"])
@school_member()
def school_two_factor_codes() -> ResponseReturnValue:
    return _codes(staff_user(), "accounts.school_two_factor")


@bp.route("/s/<school_slug>/account/two-factor/disable", methods=["POST"])
@school_member()
def school_two_factor_disable() -> ResponseReturnValue:
    return _disable(staff_user(), "accounts.school_two_factor")


# --- Resets by a school's admin and by the operator; the operator's setting -------------------------


@bp.route("/s/<school_slug>/staff/<int:user_id>/reset", methods=["POST"])
@school_member(Permission.STAFF_MANAGE)
def staff_reset(user_id: int) -> ResponseReturnValue:
    target = get_scoped_or_404(User, user_id)
    if not PostForm().validate_on_submit():
        abort(400)
    try:
        recovery.reset_staff(current_school(), staff_user(), target)
    except (DelegationError, recovery.ResetError) as exc:
        flash(_(str(exc)), "error")
    else:
        flash(_("A link to set a new password has been sent to %(email)s.", email=target.email), "info")
    return redirect(url_for("schools.staff_detail", user_id=target.id))


@bp.route("/platform/schools/<int:school_id>/admin-reset", methods=["POST"])
@operator_only
def school_admin_reset(school_id: int) -> ResponseReturnValue:
    school = (db.session.get(School, school_id) if 0 < school_id <= MAX_ID else None) or abort(404)
    if not PostForm().validate_on_submit():
        abort(400)
    try:
        email = recovery.reset_school_admin(_account(), school)
    except recovery.ResetError as exc:
        flash(_(str(exc)), "error")
    else:
        flash(_("A link to set a new password has been sent to %(email)s.", email=email), "info")
    return redirect(url_for("platform.dashboard"))


@bp.route("/platform/settings", methods=["GET", "POST"])
@operator_only
def platform_settings() -> ResponseReturnValue:
    settings = two_factor.settings()
    form = RequiredForm()
    if request.method == "GET":
        form.kinds.data = list(settings.two_factor_required_for or [])
    if form.validate_on_submit():
        two_factor.set_required_for(_account(), list(form.kinds.data or []))
        flash(_("Saved."), "info")
        return redirect(url_for("accounts.platform_settings"))
    return render_template("accounts/platform_settings.html", form=form)
