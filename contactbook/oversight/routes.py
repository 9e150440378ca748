"""The authority officer's oversight dashboard (and its export), and the operator's page of a school's platform fee."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from contactbook.auth.access import authority_only, operator_only
from contactbook.extensions import db
from contactbook.models import Authority, School
from contactbook.oversight import charts, reports, services
from contactbook.oversight.export import oversight_filename, oversight_workbook
from contactbook.oversight.forms import PlatformFeeForm
from contactbook.oversight.labels import answer_text, level_label, status_label
from contactbook.spreadsheet_export import XLSX_MIMETYPE
from contactbook.subscriptions.reports import percent
from contactbook.tenancy import MAX_ID
from contactbook.timezones import school_today

bp = Blueprint("oversight", __name__)


def _view() -> reports.Oversight:
    authority = db.session.get(Authority, current_user.authority_id) or abort(404)
    return reports.oversight(authority, school_today())


def _charts(view: reports.Oversight) -> tuple[charts.Chart, charts.Chart]:
    months = [point.month.strftime("%m/%Y") for point in view.months]
    uptake = charts.uptake_chart(
        months,
        [point.uptake.ratio for point in view.months],
        [percent(point.uptake.ratio) for point in view.months],
    )
    counts = [point.traffic.count for point in view.months]
    volume = charts.volume_chart(months, counts, [str(format_decimal(count)) for count in counts])
    return uptake, volume


@bp.route("/authority/oversight")
@authority_only
def dashboard() -> ResponseReturnValue:
    """Every school under the officer's authority, in aggregate, rolled up per authority, with two charts."""
    view = _view()
    uptake_chart, volume_chart = _charts(view)
    return render_template(
        "oversight/dashboard.html",
        view=view,
        uptake_chart=uptake_chart,
        volume_chart=volume_chart,
        percent=percent,
        coordinate=charts.coordinate,
        status_label=status_label,
        level_label=level_label,
        answer_text=answer_text,
    )


@bp.route("/authority/oversight/export.xlsx")
@authority_only
def export() -> ResponseReturnValue:
    view = _view()
    return send_file(
        io.BytesIO(oversight_workbook(view)),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=oversight_filename(view),
    )


@bp.route("/schools/<int:school_id>/platform-fee", methods=["GET", "POST"])
@operator_only
def platform_fee(school_id: int) -> ResponseReturnValue:
    """The operator records a school's platform fee for a school year: amount, invoiced on, paid on."""
    school = (db.session.get(School, school_id) if 0 < school_id <= MAX_ID else None) or abort(404)
    form = PlatformFeeForm()
    if not form.is_submitted():
        form.school_year.data = reports.school_year_of(school_today())
    if form.validate_on_submit():
        data = services.FeeInput(
            school_year=form.school_year.data or "",
            amount=int(form.amount.data or 0),
            invoiced_on=form.invoiced_on.data,
            paid_on=form.paid_on.data,
            note=form.note.data or "",
        )
        try:
            services.record_fee(current_user, school, data)
        except services.FeeError as exc:
            field = form[exc.field]
            field.errors = [*field.errors, _(str(exc))]
        else:
            flash(_("Platform fee saved."), "info")
            return redirect(url_for("oversight.platform_fee", school_id=school.id))
    return render_template("oversight/platform_fee.html", school=school, form=form, fees=services.fees_of(school))
