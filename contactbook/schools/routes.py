"""A school's staff home page and its staff administration (accounts, roles, permissions).

The home page is at `/home`: the school's domain root is its public page (`contactbook.public_site`).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from contactbook.auth.access import permissions_of, roles_of, school_member, staff_user
from contactbook.auth.rules import GRANTABLE_ROLES, ROLE_PERMISSIONS, Permission, Role
from contactbook.auth.services import PasswordPolicyError
from contactbook.extensions import db
from contactbook.models import User
from contactbook.roster.services import current_year
from contactbook.schools import home, services
from contactbook.schools.forms import ActiveForm, GrantForm, StaffForm
from contactbook.tenancy import current_school, get_scoped_or_404, scoped
from contactbook.timezones import school_today, school_zone

bp = Blueprint("schools", __name__)


@bp.route("/home")
@school_member()
def dashboard() -> ResponseReturnValue:
    school, user = current_school(), staff_user()
    permissions = permissions_of(user)
    year = current_year(school, school_today())
    figures = None
    if Permission.REPORTS_VIEW in permissions:
        figures = home.school_figures(school, year, school_today(), school_zone())
    return render_template(
        "schools/dashboard.html",
        roles=roles_of(user),
        year=year,
        figures=figures,
        classes=home.my_classes(school, user, year),
        sections=home.sections_for(permissions),
    )


@bp.route("/staff/")
@school_member(Permission.STAFF_VIEW)
def staff_list() -> ResponseReturnValue:
    staff = db.session.scalars(scoped(User).order_by(User.full_name)).all()
    return render_template("schools/staff_list.html", staff=staff, roles_of=roles_of)


@bp.route("/staff/new", methods=["GET", "POST"])
@school_member(Permission.STAFF_MANAGE)
def staff_new() -> ResponseReturnValue:
    form = StaffForm()
    if form.validate_on_submit():
        try:
            user = services.create_staff(
                current_school(),
                staff_user(),
                username=form.username.data or "",
                full_name=form.full_name.data or "",
                password=form.password.data or "",
                email=form.email.data,
            )
        except PasswordPolicyError as exc:
            form.password.errors = [_(p) for p in exc.problems]
        except services.DelegationError as exc:
            form.username.errors = [_(str(exc))]
        else:
            flash(_("Account %(username)s created.", username=user.username), "info")
            return redirect(url_for("schools.staff_detail", user_id=user.id))
    return render_template("schools/staff_new.html", form=form)


@bp.route("/staff/<int:user_id>")
@school_member(Permission.STAFF_VIEW)
def staff_detail(user_id: int) -> ResponseReturnValue:
    target = get_scoped_or_404(User, user_id)
    actor = staff_user()
    return render_template(
        "schools/staff_detail.html",
        target=target,
        target_roles=roles_of(target),
        target_permissions={g.name for g in target.grants if g.kind == "permission"},
        actor_permissions=permissions_of(actor),
        grantable_roles=GRANTABLE_ROLES,
        role_permissions=ROLE_PERMISSIONS,
        all_permissions=list(Permission),
        is_admin=Role.SCHOOL_ADMIN in roles_of(target),
        is_self=target.id == actor.id,
        form=GrantForm(),
        active_form=ActiveForm(),
    )


@bp.route("/staff/<int:user_id>/grants", methods=["POST"])
@school_member(Permission.ROLES_GRANT)
def staff_grants(user_id: int) -> ResponseReturnValue:
    target = get_scoped_or_404(User, user_id)
    form = GrantForm()
    if not form.validate_on_submit():
        abort(400)
    actor = staff_user()
    change = services.grant if form.action.data == "grant" else services.revoke
    try:
        change(current_school(), actor, permissions_of(actor), target, form.kind.data or "", form.name.data or "")
    except services.UnknownGrant:
        abort(400)
    except services.DelegationError as exc:
        flash(_(str(exc)), "error")
    else:
        flash(_("Saved."), "info")
    return redirect(url_for("schools.staff_detail", user_id=target.id))


@bp.route("/staff/<int:user_id>/active", methods=["POST"])
@school_member(Permission.STAFF_MANAGE)
def staff_active(user_id: int) -> ResponseReturnValue:
    target = get_scoped_or_404(User, user_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_active(current_school(), staff_user(), target, form.active.data == "1")
    except services.DelegationError as exc:
        flash(_(str(exc)), "error")
    return redirect(url_for("schools.staff_detail", user_id=target.id))
