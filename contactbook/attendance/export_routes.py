"""The month's attendance sheet of a class as .xlsx (`attendance.record`): for those who may see the class.

Its homeroom teacher, a teacher of the class, and staff who see every class (`roster.view_all`) download
it; another school's class is not found (404), a class one neither leads nor teaches is refused (403).
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, request, send_file
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from contactbook.attendance.exports import export_month, month_sheet, parse_month
from contactbook.auth.access import school_member, sees_all, staff_user
from contactbook.auth.rules import Permission
from contactbook.extensions import db
from contactbook.models import SchoolClass, TeachingAssignment, User
from contactbook.spreadsheet_export import XLSX_MIMETYPE, ascii_filename
from contactbook.tenancy import current_school, get_scoped_or_404
from contactbook.timezones import school_today

bp = Blueprint("attendance_exports", __name__)


def may_see_class(user: User, school_class: SchoolClass) -> bool:
    """Whether `user` sees the class's attendance: its homeroom teacher, one of its teachers, or sees all."""
    if school_class.homeroom_teacher_id == user.id or sees_all(user):
        return True
    return (
        db.session.scalar(
            select(TeachingAssignment.id)
            .where(TeachingAssignment.class_id == school_class.id, TeachingAssignment.teacher_id == user.id)
            .limit(1)
        )
        is not None
    )


@bp.route("/classes/<int:class_id>/month.xlsx")
@school_member(Permission.ATTENDANCE_RECORD)
def month_export(class_id: int) -> ResponseReturnValue:
    school_class = get_scoped_or_404(SchoolClass, class_id)
    if not may_see_class(staff_user(), school_class):
        abort(403)
    raw = request.args.get("month", "").strip()
    month = parse_month(raw) if raw else school_today().replace(day=1)
    if month is None:
        return render_template("attendance/month_refused.html", month=raw[:20]), 400
    sheet = month_sheet(current_school(), school_class, month)
    name = ascii_filename("diem-danh", school_class.name, month.strftime("%Y-%m"))
    return send_file(io.BytesIO(export_month(sheet)), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=name)
