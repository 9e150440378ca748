"""The attendance pages: the classes a user marks today, and one class's sheet for a slot of a day.

Both need `attendance.record`; then the class decides: its homeroom teacher, staff who see every class
(`roster.view_all`), and in a school marking per period the class's teachers. Another school's class
answers 404, a class one does not mark 403. The sheet saves the whole class in one request.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from contactbook.attendance import rules
from contactbook.attendance.reading import Problem, parse_day, read_submission
from contactbook.attendance.services import marking
from contactbook.attendance.totals import approved_cover
from contactbook.auth.access import school_member, sees_all, staff_user
from contactbook.auth.forms import PostForm
from contactbook.auth.rules import Permission
from contactbook.extensions import db
from contactbook.models import AttendanceStatus, SchoolClass, User
from contactbook.roster.services import current_year
from contactbook.tenancy import current_school, get_scoped_or_404
from contactbook.timezones import school_today, school_zone

bp = Blueprint("attendance", __name__)

STATUS_ORDER = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.EXCUSED, AttendanceStatus.UNEXCUSED)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"status_label": status_label, "slot_label": slot_label, "statuses": STATUS_ORDER}


def status_label(status: str) -> str:
    """A mark's status as the buttons name it."""
    return {
        AttendanceStatus.PRESENT: _("Present"),
        AttendanceStatus.LATE: _("Late"),
        AttendanceStatus.EXCUSED: _("Excused absence"),
        AttendanceStatus.UNEXCUSED: _("Unexcused absence"),
    }[AttendanceStatus(status)]


def slot_label(slot: str) -> str:
    """A slot of a day: the whole day, a session or a period."""
    if slot == rules.MORNING:
        return _("Morning")
    if slot == rules.AFTERNOON:
        return _("Afternoon")
    if slot in rules.PERIODS:
        return _("Period %(number)s", number=slot[1:])
    return _("Whole day")


def _problem_text(problem: Problem) -> str:
    message, params = problem
    return _(message, **params)


def _default_slot(slots: tuple[str, ...]) -> str:
    """The slot the page opens on: the afternoon session after noon, else the first."""
    now = datetime.now(school_zone())
    if rules.AFTERNOON in slots and now.hour >= 12:
        return rules.AFTERNOON
    return slots[0]


@bp.route("/")
@school_member(Permission.ATTENDANCE_RECORD)
def index() -> ResponseReturnValue:
    school, user = current_school(), staff_user()
    today = school_today()
    year = current_year(school)
    classes = marking.classes_to_mark(school, user, year, sees_all=sees_all(user))
    marked = marking.marked_slots([c.id for c in classes], today)
    slots = marking.slots_of(school)
    return render_template("attendance/index.html", classes=classes, marked=marked, slots=slots, today=today, year=year)


def _own_class(class_id: int) -> SchoolClass:
    """The class, if of this school (else 404) and the user marks it (else 403)."""
    school_class = get_scoped_or_404(SchoolClass, class_id)
    user = staff_user()
    if not marking.may_mark(current_school(), user, school_class, sees_all=sees_all(user)):
        abort(403)
    return school_class


@bp.route("/classes/<int:class_id>", methods=["GET", "POST"])
@school_member(Permission.ATTENDANCE_RECORD)
def class_page(class_id: int) -> ResponseReturnValue:
    school_class = _own_class(class_id)
    school = current_school()
    slots = marking.slots_of(school)
    if request.method == "GET":
        on_text, slot = request.args.get("on"), request.args.get("slot") or _default_slot(slots)
        on = school_today() if not on_text else parse_day(on_text)
        if on is None or slot not in slots:
            abort(400)
        return _render(school_class, on, slot, slots)
    if not PostForm().validate_on_submit():
        abort(400)
    on, slot = parse_day(request.form.get("on")), request.form.get("slot", "")
    if on is None or slot not in slots:
        flash(_("Choose a day (YYYY-MM-DD) and one of the school's slots; nothing was saved."), "error")
        return redirect(url_for("attendance.class_page", class_id=class_id))
    class_list = marking.enrolled(school_class)
    submission = read_submission(request.form, class_list, preschool=school.is_preschool)
    errors = dict(submission.errors)
    if not errors:
        try:
            marking.mark_class(
                school, staff_user(), school_class, on, slot, submission.statuses,
                reason=submission.reason, times=submission.times or None, class_list=class_list,
            )  # fmt: skip
        except marking.MarkingError as refusal:
            errors = refusal.errors
    if errors:
        flash(_("Nothing was saved: %(count)s answers need correcting.", count=len(errors)), "error")
        return _render(school_class, on, slot, slots, submitted=request.form.to_dict(), errors=errors, status=422)
    flash(_("Attendance saved. Families of children absent today without leave are being told."), "info")
    return redirect(url_for("attendance.class_page", class_id=class_id, on=on.isoformat(), slot=slot))


def _render(
    school_class: SchoolClass,
    on: date,
    slot: str,
    slots: tuple[str, ...],
    *,
    submitted: dict[str, str] | None = None,
    errors: dict[str, Problem] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    school = current_school()
    today = school_today()
    pupils = marking.class_pupils(school_class)
    ids = [p.id for p in pupils]
    marks = {m.student_id: m for m in marking.marks_of(ids, on) if m.slot == slot}
    values: dict[str, str] = {}
    for pupil in pupils:
        mark = marks.get(pupil.id)
        values[f"s-{pupil.id}"] = mark.status.value if mark else AttendanceStatus.PRESENT.value
        values[f"arr-{pupil.id}"] = f"{mark.arrived_at:%H:%M}" if mark and mark.arrived_at else ""
        values[f"pick-{pupil.id}"] = f"{mark.picked_up_at:%H:%M}" if mark and mark.picked_up_at else ""
    values["reason"] = ""
    if submitted:
        values.update({k: v for k, v in submitted.items() if k in values})
    last = max(marks.values(), key=lambda m: m.marked_at, default=None)
    marker = db.session.get(User, last.marked_by_id) if last is not None and last.marked_by_id else None
    problem = marking.day_problem(school_class, on, today)
    return (
        render_template(
            "attendance/class.html",
            school_class=school_class,
            on=on,
            slot=slot,
            slots=slots,
            today=today,
            pupils=pupils,
            marks=marks,
            cover=approved_cover(ids, on, slot),
            values=values,
            errors={name: _problem_text(p) for name, p in (errors or {}).items()},
            day_problem=_problem_text(problem) if problem else None,
            last=last,
            marked_local=last.marked_at.astimezone(school_zone()) if last is not None else None,
            marker=marker,
            preschool=school.is_preschool,
            form=PostForm(),
        ),
        status,
    )
