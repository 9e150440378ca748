"""Roster import pages: upload, a precise preview, then confirm (or cancel)."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from contactbook.auth.access import school_member, staff_user
from contactbook.auth.rules import Permission
from contactbook.extensions import db
from contactbook.models import RosterImport, SchoolYear, User
from contactbook.roster import services
from contactbook.roster.import_forms import ConfirmForm, UploadForm
from contactbook.roster.imports import RosterHeaderError
from contactbook.roster.reading import RosterFileError
from contactbook.roster.rules import COLUMNS
from contactbook.roster.template import roster_xlsx
from contactbook.tenancy import current_school, get_scoped_or_404, scoped

bp = Blueprint("roster_import", __name__)
PREVIEW_LIMIT = 300
FIELD_LABELS = {
    "full_name": _l("full name"),
    "date_of_birth": _l("date of birth"),
    "gender": _l("gender"),
    "class": _l("class"),
    "guardians": _l("guardians"),
}
STATUS_LABELS = {"pending": _l("Waiting for confirmation"), "applied": _l("Imported"), "cancelled": _l("Cancelled")}


@bp.route("/", methods=["GET", "POST"])
@school_member(Permission.ROSTER_IMPORT)
def upload() -> ResponseReturnValue:
    school = current_school()
    form = UploadForm()
    years = db.session.scalars(scoped(SchoolYear).order_by(SchoolYear.starts_on.desc())).all()
    form.school_year_id.choices = [(y.id, y.name) for y in years]
    if not years:
        flash(_("Create the school year and its classes before importing a roster."), "error")
    elif form.school_year_id.data is None:
        current = services.current_year(school)
        form.school_year_id.data = current.id if current else years[0].id
    missing: list[str] = []
    status = 200
    if years and form.validate_on_submit():
        year = get_scoped_or_404(SchoolYear, form.school_year_id.data)
        upload_file = form.file.data
        try:
            record, _plan = services.start_import(
                school, staff_user(), year, upload_file.filename or "roster", upload_file.read()
            )
        except RosterHeaderError as exc:
            form.file.errors = [_(str(exc))]
            missing, status = exc.missing, 400
        except RosterFileError as exc:
            form.file.errors = [_(str(exc))]
            status = 400
        else:
            return redirect(url_for("roster_import.preview", import_id=record.id))
    elif form.is_submitted():
        status = 400
    return render_template("roster/import_upload.html", form=form, columns=COLUMNS, missing=missing), status


@bp.route("/template.xlsx")
@school_member(Permission.ROSTER_IMPORT)
def template() -> ResponseReturnValue:
    return send_file(
        io.BytesIO(roster_xlsx()),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name="mau-danh-sach-hoc-sinh.xlsx",
    )


@bp.route("/<int:import_id>")
@school_member(Permission.ROSTER_IMPORT)
def preview(import_id: int) -> ResponseReturnValue:
    record = get_scoped_or_404(RosterImport, import_id)
    if record.status != "pending":
        return render_template("roster/import_result.html", record=record)
    try:
        plan = services.preview_import(record)
    except (RosterFileError, RosterHeaderError):
        abort(404)  # the stored file was readable at upload; this cannot happen short of tampering
    return render_template(
        "roster/import_preview.html",
        record=record,
        plan=plan,
        limit=PREVIEW_LIMIT,
        form=ConfirmForm(),
        field_labels=FIELD_LABELS,
    )


@bp.route("/<int:import_id>/confirm", methods=["POST"])
@school_member(Permission.ROSTER_IMPORT)
def confirm(import_id: int) -> ResponseReturnValue:
    record = get_scoped_or_404(RosterImport, import_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.confirm_import(current_school(), staff_user(), record, allow_many_left=form.allow_many_left.data)
    except services.ImportRefused as exc:
        flash(_(str(exc), classes=", ".join(exc.classes)), "error")
    except services.RosterError as exc:
        flash(_(str(exc)), "error")
    else:
        flash(_("The roster has been imported."), "info")
    return redirect(url_for("roster_import.preview", import_id=record.id))


@bp.route("/<int:import_id>/cancel", methods=["POST"])
@school_member(Permission.ROSTER_IMPORT)
def cancel(import_id: int) -> ResponseReturnValue:
    record = get_scoped_or_404(RosterImport, import_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.cancel_import(current_school(), staff_user(), record)
    flash(_("The import was cancelled; nothing was changed."), "info")
    return redirect(url_for("roster_import.upload"))


@bp.route("/history")
@school_member(Permission.ROSTER_IMPORT)
def history() -> ResponseReturnValue:
    records = db.session.scalars(scoped(RosterImport).order_by(RosterImport.id.desc()).limit(50)).all()
    uploaders = {
        u.id: u for u in db.session.scalars(select(User).where(User.id.in_({r.uploaded_by_id for r in records})))
    }
    return render_template(
        "roster/import_history.html", records=records, uploaders=uploaders, status_labels=STATUS_LABELS
    )
