"""The platform operator's pages, and the authority officer's overview."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from contactbook.auth.access import authority_only, operator_only, rule_for
from contactbook.auth.services import PasswordPolicyError
from contactbook.extensions import db
from contactbook.models import Authority, AuthorityKind, PlanPeriod, School, SchoolLevel, SchoolStatus
from contactbook.platform import services
from contactbook.platform.forms import AuthorityForm, OfficerForm, SchoolForm, StatusForm
from contactbook.schools.services import DelegationError
from contactbook.subscriptions import reports
from contactbook.subscriptions.labels import period_label
from contactbook.subscriptions.payment_forms import CeilingForm, RemoveCeilingForm
from contactbook.subscriptions.services import set_price_ceiling
from contactbook.tenancy import MAX_ID
from contactbook.timezones import school_today

bp = Blueprint("platform", __name__)
# An authority officer's pages, as offered when an officer opens a page that is not theirs.
OFFICER_PAGES = (
    ("platform.authority_dashboard", _l("Schools under your authority")),
    ("platform.authority_uptake", _l("Contact book service")),
    ("platform.price_ceilings", _l("Price ceilings")),
    ("campaigns.index", _l("Registration campaigns")),
    ("oversight.dashboard", _l("Oversight")),
)


def _officer_may_open(endpoint: str) -> bool:
    rule = rule_for(endpoint)
    return rule is not None and rule.kind == "authority"


@bp.errorhandler(403)
def _forbidden(error: Forbidden) -> ResponseReturnValue:
    """An officer on an operator's page is shown the pages it may open, not sent to a school admin."""
    if current_user.is_authenticated and current_user.school_id is None and current_user.authority_id is not None:
        authority = db.session.get(Authority, current_user.authority_id)
        pages = [(endpoint, label) for endpoint, label in OFFICER_PAGES if _officer_may_open(endpoint)]
        return render_template("platform/officer_forbidden.html", authority=authority, pages=pages), 403
    return render_template("error.html", code=403, error=error), 403


def _authority_choices() -> list[tuple[int, str]]:
    return [(a.id, a.name) for a in db.session.scalars(select(Authority).order_by(Authority.name))]


@bp.route("/")
@operator_only
def dashboard() -> ResponseReturnValue:
    authorities = db.session.scalars(select(Authority).order_by(Authority.id)).all()
    schools = db.session.scalars(select(School).order_by(School.name)).all()
    return render_template(
        "platform/dashboard.html", authorities=authorities, schools=schools, status_form=StatusForm()
    )


@bp.route("/authorities/new", methods=["GET", "POST"])
@operator_only
def authority_new() -> ResponseReturnValue:
    form = AuthorityForm()
    form.parent_id.choices = [(0, _("(none: top level)")), *_authority_choices()]
    if form.validate_on_submit():
        parent = db.session.get(Authority, form.parent_id.data) if form.parent_id.data else None
        try:
            services.create_authority(
                current_user, name=form.name.data or "", kind=AuthorityKind(form.kind.data), parent=parent
            )
        except DelegationError as exc:
            form.parent_id.errors = [_(str(exc))]
        else:
            flash(_("Authority created."), "info")
            return redirect(url_for("platform.dashboard"))
    return render_template("platform/authority_new.html", form=form)


@bp.route("/schools/new", methods=["GET", "POST"])
@operator_only
def school_new() -> ResponseReturnValue:
    form = SchoolForm()
    form.authority_id.choices = _authority_choices()
    if form.validate_on_submit():
        authority = db.session.get(Authority, form.authority_id.data)
        assert authority is not None  # validate_choice checked it
        try:
            school = services.create_school(
                current_user,
                authority=authority,
                name=form.name.data or "",
                slug=form.slug.data or "",
                level=SchoolLevel(form.level.data),
                base_domain=current_app.config["BASE_DOMAIN"],
                admin_username=form.admin_username.data or "",
                admin_full_name=form.admin_full_name.data or "",
                admin_password=form.admin_password.data or "",
                admin_email=form.admin_email.data,
            )
        except PasswordPolicyError as exc:
            form.admin_password.errors = [_(p) for p in exc.problems]
        except DelegationError as exc:
            form.slug.errors = [_(str(exc))]
        else:
            flash(_("School %(name)s registered at %(domain)s.", name=school.name, domain=school.domain), "info")
            return redirect(url_for("platform.dashboard"))
    return render_template("platform/school_new.html", form=form)


@bp.route("/schools/<int:school_id>/status", methods=["POST"])
@operator_only
def school_status(school_id: int) -> ResponseReturnValue:
    school = (db.session.get(School, school_id) if 0 < school_id <= MAX_ID else None) or abort(404)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_school_status(current_user, school, SchoolStatus(form.status.data))
    flash(_("Saved."), "info")
    return redirect(url_for("platform.dashboard"))


@bp.route("/officers/new", methods=["GET", "POST"])
@operator_only
def officer_new() -> ResponseReturnValue:
    form = OfficerForm()
    form.authority_id.choices = _authority_choices()
    if form.validate_on_submit():
        authority = db.session.get(Authority, form.authority_id.data)
        assert authority is not None
        try:
            services.create_officer(
                current_user,
                authority=authority,
                username=form.username.data or "",
                full_name=form.full_name.data or "",
                password=form.password.data or "",
                email=form.email.data,
            )
        except PasswordPolicyError as exc:
            form.password.errors = [_(p) for p in exc.problems]
        except DelegationError as exc:
            form.username.errors = [_(str(exc))]
        else:
            flash(_("Officer account created."), "info")
            return redirect(url_for("platform.dashboard"))
    return render_template("platform/officer_new.html", form=form)


@bp.route("/authority")
@authority_only
def authority_dashboard() -> ResponseReturnValue:
    """The schools under the officer's authority, with aggregate figures only (no personal data)."""
    authority = db.session.get(Authority, current_user.authority_id) or abort(404)
    ids = services.authority_subtree_ids(authority.id)
    schools = db.session.scalars(select(School).where(School.authority_id.in_(ids)).order_by(School.name)).all()
    counts = services.staff_counts(schools)
    rows = [(school, counts[school.id]) for school in schools]
    return render_template("platform/authority_dashboard.html", authority=authority, rows=rows)


def _officer_authority() -> Authority:
    return db.session.get(Authority, current_user.authority_id) or abort(404)


@bp.route("/authority/uptake")
@authority_only
def authority_uptake() -> ResponseReturnValue:
    """The paid service in the schools under the officer's authority: uptake, revenue, plans (aggregates only)."""
    authority = _officer_authority()
    ids = services.authority_subtree_ids(authority.id)
    schools = db.session.scalars(select(School).where(School.authority_id.in_(ids)).order_by(School.name)).all()
    today = school_today()
    lines = reports.authority_overview(schools, today)
    return render_template(
        "platform/authority_uptake.html",
        authority=authority,
        lines=lines,
        uptake=sum((line.uptake for line in lines), reports.Uptake(0, 0)),
        revenue=sum(line.revenue for line in lines),
        today=today,
        percent=reports.percent,
        period_label=period_label,
    )


@bp.route("/authority/ceilings", methods=["GET", "POST"])
@authority_only
def price_ceilings() -> ResponseReturnValue:
    """The officer's authority sets or removes the maximum price of plans per period, for every school below it."""
    authority = _officer_authority()
    form = CeilingForm(prefix="set")
    if "remove" in request.form:
        remove_form = RemoveCeilingForm(prefix="remove")
        if not remove_form.validate_on_submit():
            abort(400)
        set_price_ceiling(authority, current_user, PlanPeriod(remove_form.period.data), None)
        flash(_("Ceiling removed."), "info")
        return redirect(url_for("platform.price_ceilings"))
    if form.validate_on_submit():
        set_price_ceiling(authority, current_user, PlanPeriod(form.period.data), form.max_price.data)
        flash(_("Ceiling saved."), "info")
        return redirect(url_for("platform.price_ceilings"))
    return render_template(
        "platform/price_ceilings.html",
        authority=authority,
        lines=reports.ceilings_over(authority),
        form=form,
        remove_form=RemoveCeilingForm(prefix="remove", formdata=None),
        period_label=period_label,
    )
