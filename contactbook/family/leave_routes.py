"""A child's attendance tab in the portal: totals, the month's calendar, leave requests to submit and withdraw.

Each page finds the child among the signed-in family's (`child_or_404`: any other student answers 404); a
request of another child answers 404 too. The writes are the leave requests' services, under the child's
school's scope.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from contactbook.auth.forms import PostForm
from contactbook.extensions import db
from contactbook.family.child_attendance import attendance_of, leave_of_child
from contactbook.family.children import Child, child_or_404
from contactbook.family.session import family_required, signed_in_family
from contactbook.leave_requests import services
from contactbook.leave_requests.forms import LeaveForm, show_refusal
from contactbook.leave_requests.labels import leave_status_label, refusal, slot_label
from contactbook.leave_requests.rules import LeaveError
from contactbook.models import School
from contactbook.tenancy import MAX_ID, school_scope

bp = Blueprint("family_leave", __name__)
MONTH = re.compile(r"(\d{4})-(\d{2})")


@bp.context_processor
def _display_helpers() -> dict[str, Any]:
    return {"leave_status_label": leave_status_label, "slot_label": slot_label}


def _child(student_id: int) -> Child:
    return child_or_404(signed_in_family(), student_id)


def _month() -> date | None:
    """The `month` query argument (YYYY-MM), None when absent; 404 when it names no month."""
    raw = request.args.get("month", "")
    if not raw:
        return None
    matched = MONTH.fullmatch(raw)
    if matched is None or not raw.isascii() or not 1 <= int(matched.group(2)) <= 12:
        abort(404)
    return date(int(matched.group(1)) or 1, int(matched.group(2)), 1)


def _page(child: Child, form: LeaveForm, month: date | None) -> str:
    attendance = attendance_of(child, month)
    if attendance is None and month is not None:
        abort(404)  # a month outside the child's school year
    return render_template(
        "family/child_attendance.html",
        child=child,
        tab="attendance",
        attendance=attendance,
        form=form,
        withdraw_form=PostForm(formdata=None),
    )


@bp.route("/<int:student_id>/attendance")
@family_required
def attendance(student_id: int) -> ResponseReturnValue:
    child = _child(student_id)
    return _page(child, LeaveForm(formdata=None), _month())


@bp.route("/<int:student_id>/leave", methods=["POST"])
@family_required
def submit(student_id: int) -> ResponseReturnValue:
    child = _child(student_id)
    form = LeaveForm()
    if form.validate_on_submit():
        try:
            with school_scope(child.school_id):
                school = db.session.get_one(School, child.school_id)
                services.submit_by_family(
                    school, signed_in_family().id, child.guardian_ids[0], child.student_id, form.asked()
                )
        except LeaveError as error:
            show_refusal(form, error)
        else:
            flash(_("Your leave request is sent to the homeroom teacher. You will be told of the answer."), "info")
            return redirect(url_for("family_leave.attendance", student_id=child.student_id, _anchor="leave"))
    return _page(child, form, None)


@bp.route("/<int:student_id>/leave/<int:leave_id>/withdraw", methods=["POST"])
@family_required
def withdraw(student_id: int, leave_id: int) -> ResponseReturnValue:
    child = _child(student_id)
    if not 0 < leave_id <= MAX_ID or leave_of_child(child, leave_id) is None:
        abort(404)  # beyond the id column's range, or a request of another child
    if not PostForm().validate_on_submit():
        abort(400)
    try:
        with school_scope(child.school_id):
            school = db.session.get_one(School, child.school_id)
            services.withdraw(school, signed_in_family().id, child.student_id, leave_id)
    except LeaveError as error:
        flash(refusal(error), "error")
    else:
        flash(_("Your leave request is withdrawn."), "info")
    return redirect(url_for("family_leave.attendance", student_id=child.student_id, _anchor="leave"))
