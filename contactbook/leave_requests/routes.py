"""The staff pages of leave requests: the list (waiting first), one request to approve or decline, and a
request entered on a family's behalf.

Staff holding `attendance.record` open them. The homeroom teacher sees and decides its classes' requests;
staff who also hold `roster.view_all` (the admin) every class's. Another class's request answers 403,
another school's 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from contactbook.auth.access import permissions_of, school_member, staff_user
from contactbook.auth.rules import Permission
from contactbook.extensions import db
from contactbook.inputs import page_number
from contactbook.leave_requests import queries, services
from contactbook.leave_requests.forms import APPROVE, DecisionForm, StaffLeaveForm, show_refusal
from contactbook.leave_requests.labels import leave_status_label, slot_label
from contactbook.leave_requests.rules import LeaveError
from contactbook.models import Guardian, LeaveRequest, LeaveStatus, SchoolClass, Student, User
from contactbook.tenancy import current_school, get_scoped_or_404
from contactbook.timezones import school_today

bp = Blueprint("leave_requests", __name__)


@bp.context_processor
def _display_helpers() -> dict[str, Any]:
    return {"leave_status_label": leave_status_label, "slot_label": slot_label}


def _every_class(held: frozenset[Permission]) -> bool:
    return Permission.ROSTER_VIEW_ALL in held


@bp.route("/")
@school_member(Permission.ATTENDANCE_RECORD)
def index() -> ResponseReturnValue:
    user = staff_user()
    every_class = _every_class(permissions_of(user))
    result = queries.requests_for(current_school().id, user, every_class=every_class, page=page_number())
    return render_template("leave_requests/list.html", result=result, every_class=every_class)


@bp.route("/new", methods=["GET", "POST"])
@school_member(Permission.ATTENDANCE_RECORD)
def new() -> ResponseReturnValue:
    school, user = current_school(), staff_user()
    held = permissions_of(user)
    students = queries.students_for_entry(school.id, user, every_class=_every_class(held), today=school_today())
    form = StaffLeaveForm()
    form.student_id.choices = [(s.student_id, f"{s.full_name} ({s.class_name})") for s in students]
    if form.validate_on_submit():
        try:
            leave = services.submit_by_staff(school, user, held, int(form.student_id.data), form.asked())
        except LeaveError as error:
            show_refusal(form, error)
        else:
            flash(_("The leave request is recorded."), "info")
            return redirect(url_for("leave_requests.detail", leave_id=leave.id))
    return render_template("leave_requests/new.html", form=form, students=students)


@bp.route("/<int:leave_id>", methods=["GET", "POST"])
@school_member(Permission.ATTENDANCE_RECORD)
def detail(leave_id: int) -> ResponseReturnValue:
    school, user = current_school(), staff_user()
    held = permissions_of(user)
    leave = get_scoped_or_404(LeaveRequest, leave_id)
    if not services.may_decide(user, held, leave):
        abort(403)  # a request of a class the user does not lead
    form = DecisionForm()
    if request.method == "POST" and form.validate_on_submit():
        approve = form.decision.data == APPROVE
        try:
            decided = services.decide(school, user, held, leave, approve=approve, note=form.note.data or "")
        except LeaveError as error:
            show_refusal(form, error)
        else:
            if not approve:
                flash(_("The request is declined; the family is told."), "info")
            else:
                flash(
                    _(
                        "The request is approved; the family is told. Absences excused: %(count)d.",
                        count=decided.excused,
                    ),
                    "info",
                )
            return redirect(url_for("leave_requests.detail", leave_id=leave.id))
    covered = queries.absences_covered(leave) if leave.status == LeaveStatus.PENDING else 0
    return render_template("leave_requests/detail.html", leave=leave, form=form, covered=covered, **_people(leave))


def _people(leave: LeaveRequest) -> dict[str, Any]:
    """The names a request's page shows: the student, its class, who asked and who answered."""
    return {
        "student": db.session.get(Student, leave.student_id),
        "school_class": db.session.get(SchoolClass, leave.class_id),
        "guardian": db.session.get(Guardian, leave.guardian_id) if leave.guardian_id else None,
        "entered_by": db.session.get(User, leave.entered_by_id) if leave.entered_by_id else None,
        "decided_by": db.session.get(User, leave.decided_by_id) if leave.decided_by_id else None,
    }
