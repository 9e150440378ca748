"""The oversight dashboard as an Excel workbook: schools, authorities, schools not registered, months.

Aggregates only, like the page: the same figures, numbers as numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from openpyxl.worksheet.worksheet import Worksheet

from contactbook.oversight.labels import answer_text, level_label, status_label
from contactbook.oversight.reports import Oversight, Rollup
from contactbook.spreadsheet_export import (
    MONEY_FORMAT,
    PERCENT_FORMAT,
    Cell,
    ascii_filename,
    new_workbook,
    table_sheet,
    xlsx_bytes,
)


def _row(sheet: Worksheet, values: Sequence[Cell], *, money: Sequence[int] = (), percent: Sequence[int] = ()) -> None:
    sheet.append(list(values))
    for index, cell in enumerate(sheet[sheet.max_row]):
        if index in percent:
            cell.number_format = PERCENT_FORMAT
        elif index in money:
            cell.number_format = MONEY_FORMAT


def _fee_cell(flag: bool | None) -> str:
    return "—" if flag is None else (_("Yes") if flag else _("No"))


def oversight_workbook(view: Oversight) -> bytes:
    """The dashboard's tables as sheets."""
    workbook = new_workbook()
    schools = table_sheet(
        workbook,
        _("Schools"),
        [
            _("School name"),
            _("Domain"),
            _("Level"),
            _("Status"),
            _("School year"),
            _("Students enrolled"),
            _("Students subscribed"),
            _("Uptake"),
            _("SMS sent this month"),
            _("SMS cost (đ)"),
            _("Emails sent this month"),
            _("Email cost (đ)"),
            _("Family fees due (đ)"),
            _("Family fees collected (đ)"),
            _("Platform fee %(year)s (đ)", year=view.school_year),
            _("Invoiced"),
            _("Paid"),
            _("Survey answers"),
        ],
        first=True,
    )
    for line in view.schools:
        fee = line.fee
        _row(
            schools,
            [
                line.name,
                line.domain,
                level_label(line.level),
                _("Active") if line.active else _("Suspended"),
                line.year_name or "—",
                line.uptake.enrolled,
                line.uptake.subscribed,
                line.uptake.ratio,
                line.traffic.sms,
                line.traffic.sms_cost,
                line.traffic.email,
                line.traffic.email_cost,
                line.due,
                line.collected,
                fee.amount if fee else None,
                _fee_cell(fee.invoiced_on is not None if fee else None),
                _fee_cell(fee.paid_on is not None if fee else None),
                "; ".join(f"{a.question}: {answer_text(a.answer)}" for a in line.survey),
            ],
            money=(9, 11, 12, 13, 14),
            percent=(7,),
        )

    authorities = table_sheet(
        workbook,
        _("Authorities"),
        [
            _("Authority"),
            _("Schools"),
            _("Active"),
            _("Not registered"),
            _("Students enrolled"),
            _("Students subscribed"),
            _("Uptake"),
            _("Messages sent this month"),
            _("Message cost (đ)"),
            _("Family fees due (đ)"),
            _("Family fees collected (đ)"),
            _("Platform fees (đ)"),
            _("Invoiced"),
            _("Paid"),
        ],
    )

    def rollup_row(name: str, rollup: Rollup) -> None:
        _row(
            authorities,
            [
                name,
                rollup.schools,
                rollup.active,
                rollup.not_registered,
                rollup.uptake.enrolled,
                rollup.uptake.subscribed,
                rollup.uptake.ratio,
                rollup.traffic.count,
                rollup.traffic.cost,
                rollup.due,
                rollup.collected,
                rollup.fee_amount,
                rollup.invoiced,
                rollup.paid,
            ],
            money=(8, 9, 10, 11),
            percent=(6,),
        )

    for rollup in view.rollups:
        rollup_row(_("%(name)s (directly)", name=rollup.name) if rollup.own else rollup.name, rollup)
    rollup_row(_("All schools"), view.total)

    invited = table_sheet(
        workbook, _("Not registered"), [_("School name"), _("Level"), _("Campaign"), _("Deadline"), _("Status")]
    )
    for invitation in view.invitations:
        _row(
            invited,
            [
                invitation.school_name,
                level_label(invitation.level),
                "; ".join(campaign.title for campaign in invitation.campaigns),
                "; ".join(campaign.deadline.strftime("%d/%m/%Y") for campaign in invitation.campaigns),
                status_label(invitation.status),
            ],
        )

    months = table_sheet(
        workbook,
        _("Months"),
        [
            _("Month"),
            _("Students enrolled"),
            _("Students subscribed"),
            _("Uptake"),
            _("SMS sent"),
            _("Emails sent"),
            _("Message cost (đ)"),
        ],
    )
    for point in view.months:
        _row(
            months,
            [
                point.month.strftime("%m/%Y"),
                point.uptake.enrolled,
                point.uptake.subscribed,
                point.uptake.ratio,
                point.traffic.sms,
                point.traffic.email,
                point.traffic.cost,
            ],
            money=(6,),
            percent=(3,),
        )
    for sheet, width in ((schools, 16), (authorities, 16), (invited, 22), (months, 14)):
        for index in range(sheet.max_column):
            sheet.column_dimensions[chr(ord("A") + index)].width = width * (2 if index == 0 else 1)
    return xlsx_bytes(workbook)


def oversight_filename(view: Oversight) -> str:
    """`giam-sat-2026-2027.xlsx`: ASCII only."""
    return ascii_filename("giam-sat", view.school_year)
