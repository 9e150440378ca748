"""The paid service's report for the school's leaders and accountant: uptake, money, exemptions, refunds.

Counts and sums only (see `contactbook.subscriptions.reports`): the report never names who did or did
not subscribe.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue

from contactbook.auth.access import school_member
from contactbook.auth.rules import Permission
from contactbook.inputs import id_argument
from contactbook.models import SchoolYear
from contactbook.roster.services import current_year
from contactbook.spreadsheet_export import XLSX_MIMETYPE
from contactbook.subscriptions.labels import period_label
from contactbook.subscriptions.payment_routes import register_vnd_filter
from contactbook.subscriptions.report_export import report_filename, report_workbook
from contactbook.subscriptions.reports import SchoolReport, percent, report_years, school_report
from contactbook.tenancy import current_school, get_scoped_or_404
from contactbook.timezones import school_today

bp = Blueprint("reports", __name__)
bp.record_once(register_vnd_filter)


@bp.context_processor
def _display_helpers() -> dict[str, Any]:
    return {"percent": percent, "period_label": period_label}


def _chosen_year() -> SchoolYear | None:
    """The year asked for with `?year=<id>` (404 if not the school's), else the current one."""
    year_id = id_argument("year")
    if year_id is not None:
        return get_scoped_or_404(SchoolYear, year_id)
    return current_year(current_school(), school_today())


def _report() -> SchoolReport | None:
    year = _chosen_year()
    return school_report(year, school_today()) if year is not None else None


@bp.route("/reports/")
@school_member(Permission.REPORTS_VIEW)
def overview() -> ResponseReturnValue:
    return render_template("reports/overview.html", report=_report(), years=report_years(current_school()))


@bp.route("/reports/export.xlsx")
@school_member(Permission.REPORTS_VIEW)
def export() -> ResponseReturnValue:
    report = _report()
    if report is None:
        return redirect(url_for("reports.overview"))  # it says why there is nothing to export
    return send_file(
        io.BytesIO(report_workbook(current_school(), report)),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=report_filename(report),
    )
