"""A family's copy of its data in one school: every section of what the school holds about it and its children.

Each section is one function of `Holder` returning its rows; `SECTIONS` lists them, so a new kind of record
(say, the notices a family acknowledged) joins the copy with one function. Every query filters by the
family's guardian ids or its children's ids in the school, and runs under that school's row scope: nothing of
another family or another school is read. The file is a ZIP: `data.json` with every section, and one CSV per
section written by the formula-safe writer.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from contactbook.data_requests import attendance_sections as attendance
from contactbook.data_requests import family_sections as family
from contactbook.data_requests import record_sections as records
from contactbook.data_requests.holder import Holder, Row, Section
from contactbook.models.base import utcnow
from contactbook.spreadsheet_export import csv_bytes
from contactbook.tenancy import school_scope

SECTIONS: list[Section] = [
    Section("guardians", _l("Guardian records"), family.guardians),
    Section("students", _l("Children"), family.students),
    Section("enrolments", _l("Classes"), family.enrolments),
    Section("subscriptions", _l("Subscriptions"), family.subscriptions),
    Section("consents", _l("Consents"), family.consents),
    Section("payments", _l("Payments and receipts"), family.payments),
    Section("messages", _l("Messages to the family"), records.messages),
    Section("scores", _l("Published scores"), records.scores),
    Section("score_corrections", _l("Score corrections"), records.corrections),
    Section("term_records", _l("Conduct and absences"), records.term_records),
    Section("attendance_marks", _l("Attendance"), attendance.attendance_marks),
    Section("leave_requests", _l("Leave requests"), attendance.leave_requests),
    Section("early_warnings", _l("Early warnings"), attendance.risk_warnings),
    Section("daily_notes", _l("Daily notes"), attendance.daily_notes),
    Section("notice_reads", _l("Notices the family said it has read"), records.notice_reads),
    Section("data_requests", _l("Data requests"), records.data_requests),
    Section("audit", _l("Audit records about the family"), records.audit),
]


def collect(holder: Holder) -> dict[str, list[Row]]:
    """Every section's rows, read under the holder's school's row scope."""
    with school_scope(holder.school.id):
        return {section.name: section.rows(holder) for section in SECTIONS}


def counts(holder: Holder) -> list[tuple[LazyString, int]]:
    """How many rows each section holds, for the school's page (titles and numbers, no data)."""
    collected = collect(holder)
    return [(section.title, len(collected[section.name])) for section in SECTIONS]


def _plain(value: Any) -> Any:
    """A value as JSON and CSV write it: dates in ISO 8601, enums by their value, scores as text."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _cell(value: Any) -> Any:
    """A value as one CSV cell: nested figures (a warning's) as their JSON text."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def copy_file(holder: Holder) -> bytes:
    """The ZIP of the copy: `data.json`, one CSV per section (formula-safe), and a short README."""
    collected = {
        name: [{k: _plain(v) for k, v in row.items()} for row in rows] for name, rows in collect(holder).items()
    }
    document = {
        "school": holder.school.name,
        "prepared_at": utcnow().isoformat(),
        "sections": collected,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=2))
        lines = [_("Your data held by %(school)s.", school=holder.school.name), ""]
        for section in SECTIONS:
            rows = collected[section.name]
            header = list(rows[0]) if rows else ["-"]
            archive.writestr(
                f"{section.name}.csv", csv_bytes(header, [[_cell(v) for v in row.values()] for row in rows])
            )
            lines.append(f"{section.name}.csv: {section.title} ({len(rows)})")
        archive.writestr("README.txt", "\n".join(lines) + "\n")
    return out.getvalue()
