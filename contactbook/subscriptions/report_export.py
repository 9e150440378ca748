"""A school's service report as an Excel workbook: the report page's tables as sheets, numbers as numbers."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from openpyxl.worksheet.worksheet import Worksheet

from contactbook.models import School
from contactbook.spreadsheet_export import (
    MONEY_FORMAT,
    PERCENT_FORMAT,
    Cell,
    ascii_filename,
    new_workbook,
    table_sheet,
    xlsx_bytes,
)
from contactbook.subscriptions.labels import period_label
from contactbook.subscriptions.reports import SchoolReport


def _row(sheet: Worksheet, values: Sequence[Cell], money_from: int, *, percent_at: int | None = None) -> None:
    """Append a row: columns from `money_from` (0-based) as đồng, one as a percentage."""
    sheet.append(list(values))
    for index, cell in enumerate(sheet[sheet.max_row]):
        if index == percent_at:
            cell.number_format = PERCENT_FORMAT
        elif index >= money_from and isinstance(cell.value, int):
            cell.number_format = MONEY_FORMAT


def report_workbook(school: School, report: SchoolReport) -> bytes:
    """The report's tables: uptake and money per class, money per month and per plan period, a summary."""
    workbook = new_workbook()
    uptake = table_sheet(
        workbook,
        _("Uptake"),
        [
            _("Class"),
            _("Grade"),
            _("Students enrolled"),
            _("Students subscribed"),
            _("Uptake"),
            _("Charged (đ)"),
            _("Collected (đ)"),
        ],
        first=True,
    )
    for line in report.classes:
        values: list[Cell] = [line.name, line.grade_level, line.uptake.enrolled, line.uptake.subscribed]
        _row(uptake, [*values, line.uptake.ratio, line.charged, line.collected], 5, percent_at=4)
    if report.without_class_charged or report.without_class.net:
        _row(
            uptake,
            [
                _("Not in a class this year"),
                None,
                None,
                None,
                None,
                report.without_class_charged,
                report.without_class.net,
            ],
            5,
        )
    totals = report.totals
    _row(
        uptake,
        [
            _("Whole school"),
            None,
            report.uptake.enrolled,
            report.uptake.subscribed,
            report.uptake.ratio,
            totals.charged,
            totals.collected,
        ],
        5,
        percent_at=4,
    )

    months = table_sheet(workbook, _("Months"), [_("Month"), _("Payments (đ)"), _("Refunds (đ)"), _("Net (đ)")])
    for month in report.months:
        _row(months, [month.month.strftime("%m/%Y"), month.money.payments, month.money.refunds, month.money.net], 1)
    _row(months, [_("Total"), totals.money.payments, totals.money.refunds, totals.money.net], 1)

    periods = table_sheet(
        workbook,
        _("Plan periods"),
        [_("Period"), _("Subscriptions"), _("Charged (đ)"), _("Payments (đ)"), _("Refunds (đ)"), _("Net (đ)")],
    )
    for by_period in report.periods:
        money = by_period.money
        values = [period_label(by_period.period), by_period.subscriptions, by_period.charged]
        _row(periods, [*values, money.payments, money.refunds, money.net], 2)

    summary = table_sheet(workbook, _("Summary"), [_("Figure"), _("Value")])
    for label, value in (
        (_("School"), school.name),
        (_("School year"), report.year_name),
        (_("Uptake counted on"), report.as_of.strftime("%d/%m/%Y")),
        (_("Subscriptions"), totals.subscriptions),
        (_("Cancelled"), totals.cancelled),
        (_("Charged (đ)"), totals.charged),
        (_("Payments received (đ)"), totals.money.payments),
        (_("Refunds paid (đ)"), totals.money.refunds),
        (_("Net collected (đ)"), totals.collected),
        (_("Still to collect (đ)"), totals.to_collect),
        (_("Refunds owed (đ)"), totals.refunds_owed),
        (_("Exempt subscriptions"), report.exemptions.count),
        (_("Fees waived (đ)"), report.exemptions.waived),
        (_("Refunds made"), report.refunds.count),
    ):
        _row(summary, [label, value], 1)

    for sheet, widths in (
        (uptake, (24, 8, 12, 12, 10, 16, 16)),
        (months, (12, 16, 16, 16)),
        (periods, (16, 14, 16, 16, 16, 16)),
        (summary, (28, 24)),
    ):
        for index, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
    return xlsx_bytes(workbook)


def report_filename(report: SchoolReport) -> str:
    """`bao-cao-dich-vu-2025-2026.xlsx`: ASCII only, so every browser keeps it (the year's id if its name has none)."""
    name = ascii_filename("bao-cao-dich-vu", report.year_name)
    return name if name != "bao-cao-dich-vu.xlsx" else ascii_filename("bao-cao-dich-vu", str(report.year_id))
