"""The school's public page (its domain root, open to anyone) and its administration by the school admin."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from contactbook.auth.access import public, school_member, school_user, staff_user
from contactbook.auth.forms import PostForm
from contactbook.auth.rules import Permission
from contactbook.models import PublicAnnouncement
from contactbook.public_site import queries, services
from contactbook.public_site.forms import AnnouncementForm, ContactsForm
from contactbook.subscriptions.labels import period_label
from contactbook.tenancy import current_school, get_scoped_or_404
from contactbook.timezones import school_today

bp = Blueprint("public_site", __name__)


@bp.route("/")
@public
def home() -> ResponseReturnValue:
    """The school's public page: read under the school's scope (a suspended school answers 404)."""
    school = current_school()
    return render_template(
        "public_site/home.html",
        content=queries.public_page(school, school_today()),
        portal_url=current_app.config["PORTAL_URL"],
        staff=school_user() is not None,
        period_label=period_label,
    )


def _refuse(form: ContactsForm | AnnouncementForm, error: services.PublicPageError) -> None:
    getattr(form, error.field).errors = [_(str(error))]


@bp.route("/public-page/", methods=["GET", "POST"])
@school_member(Permission.SETTINGS_MANAGE)
def manage() -> ResponseReturnValue:
    school = current_school()
    form = ContactsForm(obj=school)
    if form.validate_on_submit():
        try:
            services.update_contacts(
                school, staff_user(), address=form.address.data, phone=form.phone.data, email=form.email.data
            )
        except services.PublicPageError as error:
            _refuse(form, error)
        else:
            flash(_("The contact details are saved."), "info")
            return redirect(url_for("public_site.manage"))
    return render_template(
        "public_site/manage.html",
        form=form,
        announcements=queries.announcements_of(school),
        today=school_today(),
    )


@bp.route("/public-page/announcements/new", methods=["GET", "POST"])
@school_member(Permission.SETTINGS_MANAGE)
def announcement_new() -> ResponseReturnValue:
    form = AnnouncementForm()
    if not form.is_submitted():
        form.published_on.data = school_today()
    if form.validate_on_submit():
        try:
            services.post_announcement(
                current_school(),
                staff_user(),
                title=form.title.data or "",
                body=form.body.data or "",
                published_on=form.published_on.data,
                today=school_today(),
            )
        except services.PublicPageError as error:
            _refuse(form, error)
        else:
            flash(_("The announcement is published."), "info")
            return redirect(url_for("public_site.manage"))
    return render_template("public_site/announcement.html", form=form, announcement=None)


@bp.route("/public-page/announcements/<int:announcement_id>", methods=["GET", "POST"])
@school_member(Permission.SETTINGS_MANAGE)
def announcement_edit(announcement_id: int) -> ResponseReturnValue:
    announcement = get_scoped_or_404(PublicAnnouncement, announcement_id)
    form = AnnouncementForm(obj=announcement)
    if form.validate_on_submit():
        try:
            services.edit_announcement(
                current_school(),
                staff_user(),
                announcement,
                title=form.title.data or "",
                body=form.body.data or "",
                published_on=form.published_on.data,
                today=school_today(),
            )
        except services.PublicPageError as error:
            _refuse(form, error)
        else:
            flash(_("The announcement is saved."), "info")
            return redirect(url_for("public_site.manage"))
    return render_template("public_site/announcement.html", form=form, announcement=announcement)


@bp.route("/public-page/announcements/<int:announcement_id>/remove", methods=["POST"])
@school_member(Permission.SETTINGS_MANAGE)
def announcement_remove(announcement_id: int) -> ResponseReturnValue:
    announcement = get_scoped_or_404(PublicAnnouncement, announcement_id)
    if not PostForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("public_site.announcement_edit", announcement_id=announcement.id))
    services.remove_announcement(current_school(), staff_user(), announcement)
    flash(_("The announcement is removed."), "info")
    return redirect(url_for("public_site.manage"))
