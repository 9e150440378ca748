"""The preschool daily notes screens: the classes whose notes one writes, and one class's notes for a day.

Every view needs `attendance.record`, and a preschool (any other school answers 404). A class's notes are
written by its homeroom teacher, or staff who see every class (`roster.view_all`); another school's class
answers 404, a class one does not write for 403. One POST saves the whole class.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _

from contactbook.auth.access import school_member, sees_all, staff_user
from contactbook.auth.forms import PostForm
from contactbook.auth.rules import Permission
from contactbook.daily_notes import queries, rules
from contactbook.daily_notes.services import NotesError, save_class_notes
from contactbook.daily_notes.services.saving import may_write
from contactbook.models import SchoolClass
from contactbook.roster.queries import class_students
from contactbook.roster.services import current_year
from contactbook.tenancy import current_school, get_scoped_or_404
from contactbook.timezones import school_today

bp = Blueprint("daily_notes", __name__)


def _preschool() -> None:
    if not current_school().is_preschool:
        abort(404)


def _class(class_id: int) -> SchoolClass:
    """The class, if the user writes its notes; 404 for another school's, 403 for a class not theirs."""
    _preschool()
    school_class = get_scoped_or_404(SchoolClass, class_id)
    if not may_write(staff_user(), school_class):
        abort(403)
    return school_class


@bp.route("/")
@school_member(Permission.ATTENDANCE_RECORD)
def index() -> ResponseReturnValue:
    _preschool()
    school, user, today = current_school(), staff_user(), school_today()
    classes = queries.classes_for(school, user, sees_all=sees_all(user), year=current_year(school), on=today)
    return render_template("daily_notes/index.html", classes=classes, today=today)


def _day_error(first: date, last: date) -> str:
    return _(rules.BAD_DAY, first=format_date(first, "dd/MM/yyyy"), last=format_date(last, "dd/MM/yyyy"))


@bp.route("/classes/<int:class_id>", methods=["GET", "POST"])
@school_member(Permission.ATTENDANCE_RECORD)
def class_notes(class_id: int) -> ResponseReturnValue:
    school_class = _class(class_id)
    year = school_class.school_year
    days = rules.writable_days(year.starts_on, year.ends_on, school_today())
    if days is None:
        return _page(school_class, None, None, error=_("The class's school year has not begun."), status=400)
    if request.method == "POST":
        if not PostForm().validate_on_submit():
            abort(400)
        day = rules.parse_day(request.form.get("on", ""))
        if day is None or not days[0] <= day <= days[1]:
            return _page(school_class, days, None, error=_day_error(*days), status=400)
        submitted = request.form.to_dict()
        try:
            refusals = save_class_notes(current_school(), staff_user(), school_class, day, submitted)
        except NotesError:
            abort(403)
        if not refusals:
            flash(_("The notes of %(day)s are saved.", day=format_date(day, "dd/MM/yyyy")), "info")
            return redirect(url_for("daily_notes.class_notes", class_id=class_id, on=day.isoformat()))
        errors = {name: _(refusal.message, **refusal.values) for name, refusal in refusals.items()}
        return _page(school_class, days, day, errors=errors, submitted=submitted, status=422)
    raw = request.args.get("on", "")
    day = rules.parse_day(raw) if raw else days[1]
    if day is None or not days[0] <= day <= days[1]:
        return _page(school_class, days, None, error=_day_error(*days), status=400)
    return _page(school_class, days, day)


def _page(
    school_class: SchoolClass,
    days: tuple[date, date] | None,
    day: date | None,
    *,
    error: str | None = None,
    errors: dict[str, str] | None = None,
    submitted: dict[str, str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    students = class_students(school_class) if day is not None else []
    notes = queries.notes_of_day(school_class, [s.id for s in students], day) if day is not None else {}
    before, after = rules.neighbours(day, *days) if day is not None and days is not None else (None, None)
    typed = [rules.field_name(field, rules.EVERYONE) for field in rules.FIELDS]
    everyone_open = any((submitted or {}).get(name, "").strip() or name in (errors or {}) for name in typed)
    return (
        render_template(
            "daily_notes/class.html",
            school_class=school_class,
            days=days,
            day=day,
            before=before,
            after=after,
            students=students,
            notes=notes,
            error=error,
            errors=errors or {},
            submitted=submitted,
            form=PostForm(),
            fields=rules.FIELDS,
            labels=rules.LABELS,
            max_lengths=rules.MAX_LENGTHS,
            field_name=rules.field_name,
            everyone=rules.EVERYONE,
            everyone_open=everyone_open,
        ),
        status,
    )
