"""The grade book pages: the grids, publishing a column, correcting a published score, the class summary.

Every view needs `grades.enter`; then the object decides. The subject's assigned teacher enters,
imports, publishes and corrects its scores; the homeroom teacher sees every grid of the class and
records conduct in the summary (absences come from the attendance marks); staff with `roster.view_all`
see everything, read-only.
Another school's class, subject or score answers 404, a grid one may not touch 403.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select

from contactbook.auth.access import permissions_of, school_member, sees_all, staff_user
from contactbook.auth.rules import Permission
from contactbook.extensions import db
from contactbook.grading import services, sheets, summary
from contactbook.grading.grid import Column, cell_text, columns_for, field_names, level_choices
from contactbook.grading.rules import Competence, Level
from contactbook.grading.services import GradingError, Grid
from contactbook.models import (
    AssessmentKind,
    SchoolClass,
    Score,
    Semester,
    Subject,
    TeachingAssignment,
)
from contactbook.notices.rules import disclosure
from contactbook.roster.services import current_year
from contactbook.spreadsheet_export import XLSX_MIMETYPE, ascii_filename
from contactbook.tenancy import current_school, get_scoped_or_404

bp = Blueprint("grades", __name__)


class PostForm(FlaskForm):
    """A form whose fields are read from `request.form` by the grade book: only its CSRF token is checked."""


class SheetForm(FlaskForm):
    sheet = FileField()


@bp.app_template_filter("score_text")
def score_text(value: Decimal | None, level: str | None = None, primary: bool = False) -> str:
    """A stored cell as people read it: "8,5", "Đạt", "Hoàn thành tốt (9)"."""
    return services.shown(value, level, primary=primary)


@bp.app_template_filter("mark_text")
def mark_text(mark: Decimal | str | None, kind: AssessmentKind) -> str:
    """A summary mark: an average as "7,6", a level by its label, "—" while missing."""
    return summary.mark(mark, kind) or "—"


def _grid(class_id: int, subject_id: int, number: int, *, edit: bool = False, only: str | None = None) -> Grid:
    """The grid, if the user may see it (with `edit`, change it); 404 for another school's, 403 if not theirs."""
    school_class = get_scoped_or_404(SchoolClass, class_id)
    subject = get_scoped_or_404(Subject, subject_id)
    if number not in (1, 2):
        abort(404)
    semester = db.session.scalar(
        select(Semester).where(Semester.school_year_id == school_class.school_year_id, Semester.number == number)
    )
    if semester is None:
        abort(404)
    user = staff_user()
    allowed = (
        services.teaches(user, school_class, subject)
        if edit
        else services.may_view(user, school_class, subject, sees_all=sees_all(user))
    )
    if not allowed:
        abort(403)
    if only is not None and only not in {c.key for c in columns_for(subject.assessment_kind, subject.periods_per_year)}:
        abort(404)  # before any query: PostgreSQL refuses a column name with a NUL in it
    return services.load_grid(school_class, subject, semester, only)


def _grid_url(grid: Grid, endpoint: str = "grades.grid", **values: Any) -> str:
    return url_for(
        endpoint,
        class_id=grid.school_class.id,
        subject_id=grid.subject.id,
        number=grid.semester.number,
        **values,
    )


def _render_grid(grid: Grid, *, submitted: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                 status: int = 200, sheet_errors: list[str] | None = None) -> ResponseReturnValue:  # fmt: skip
    user = staff_user()
    editable = services.teaches(user, grid.school_class, grid.subject)
    return (
        render_template(
            "grades/grid.html",
            grid=grid,
            editable=editable,
            submitted=submitted,
            errors=errors or {},
            sheet_errors=sheet_errors or [],
            form=PostForm(),
            sheet_form=SheetForm(),
            field_names=field_names,
            level_choices=level_choices,
            values=_values(grid, submitted),
            publishable=_publishable(grid) if editable else set(),
            corrections=services.corrections_of(grid),
            other_semester=2 if grid.semester.number == 1 else 1,
        ),
        status,
    )


def _values(grid: Grid, submitted: dict[str, str] | None) -> dict[str, str]:
    """What each form field shows: the submission (when refused), else the stored cell."""
    values: dict[str, str] = {}
    for student in grid.students:
        for column in grid.columns:
            score = grid.scores.get((student.id, column.key))
            names = field_names(student.id, column)
            if "value" in names:
                stored = score.value if score is not None else None
                values[names["value"]] = cell_text(stored, primary=grid.primary) if stored is not None else ""
            if "level" in names:
                values[names["level"]] = score.level or "" if score else ""
            if "comment" in names:
                values[names["comment"]] = score.comment or "" if score else ""
    if submitted:
        values.update({k: v for k, v in submitted.items() if k in values})
    return values


def _publishable(grid: Grid) -> set[str]:
    return {
        key
        for (_, key), score in grid.scores.items()
        if score.published_at is None and (score.value is not None or score.level is not None)
    }


# --- Pages -------------------------------------------------------------------------------------------


@bp.route("/")
@school_member(Permission.GRADES_ENTER)
def index() -> ResponseReturnValue:
    school = current_school()
    user = staff_user()
    year = current_year(school)
    assignments: list[TeachingAssignment] = []
    led: list[SchoolClass] = []
    if year is not None:
        query = (
            select(TeachingAssignment)
            .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
            .where(TeachingAssignment.school_id == school.id, SchoolClass.school_year_id == year.id)
            .order_by(SchoolClass.grade_level, SchoolClass.name, TeachingAssignment.subject_id)
        )
        if not sees_all(user):
            query = query.where(TeachingAssignment.teacher_id == user.id)
        assignments = list(db.session.scalars(query))
        led_query = select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.school_year_id == year.id)
        if not sees_all(user):
            led_query = led_query.where(SchoolClass.homeroom_teacher_id == user.id)
        led = list(db.session.scalars(led_query.order_by(SchoolClass.grade_level, SchoolClass.name)))
    return render_template("grades/index.html", year=year, assignments=assignments, led=led, user=user)


@bp.route("/class/<int:class_id>/subject/<int:subject_id>/semester/<int:number>", methods=["GET", "POST"])
@school_member(Permission.GRADES_ENTER)
def grid(class_id: int, subject_id: int, number: int) -> ResponseReturnValue:
    if request.method == "GET":
        return _render_grid(_grid(class_id, subject_id, number))
    the_grid = _grid(class_id, subject_id, number, edit=True)
    if not PostForm().validate_on_submit():
        abort(400)
    submitted = request.form.to_dict()
    back = _grid_url(the_grid)  # before the commit, which expires the grid's objects
    reading = services.save_grid(current_school(), staff_user(), the_grid, submitted)
    if services.GRID_ERROR in reading.errors:
        flash(reading.errors[services.GRID_ERROR], "error")
        return redirect(back)
    if reading.errors:
        flash(_("Nothing was saved: %(count)s cells need correcting.", count=len(reading.errors)), "error")
        return _render_grid(the_grid, submitted=submitted, errors=reading.errors, status=422)
    flash(_("The grid is saved."), "info")
    return redirect(back)


@bp.route("/class/<int:class_id>/subject/<int:subject_id>/semester/<int:number>/grid.xlsx")
@school_member(Permission.GRADES_ENTER)
def export(class_id: int, subject_id: int, number: int) -> ResponseReturnValue:
    the_grid = _grid(class_id, subject_id, number)
    data = sheets.export_grid(the_grid)
    name = ascii_filename("diem", the_grid.school_class.name, str(the_grid.subject.id), f"hk{number}")
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=name)


@bp.route("/class/<int:class_id>/subject/<int:subject_id>/semester/<int:number>/import", methods=["POST"])
@school_member(Permission.GRADES_ENTER)
def import_sheet(class_id: int, subject_id: int, number: int) -> ResponseReturnValue:
    the_grid = _grid(class_id, subject_id, number, edit=True)
    form = SheetForm()
    if not form.validate_on_submit():
        abort(400)
    upload = form.sheet.data
    if upload is None:
        abort(400)  # the page always sends the file field: a request without it is not from the page
    data = upload.read(sheets.MAX_BYTES + 1)  # the reading refuses an empty or oversized file itself
    reading = sheets.read_grid_sheet(the_grid, data)
    if reading.errors:
        return _render_grid(the_grid, sheet_errors=reading.errors, status=422)
    saved = services.save_grid(current_school(), staff_user(), the_grid, reading.form)
    if services.GRID_ERROR in saved.errors:
        return _render_grid(the_grid, sheet_errors=[saved.errors[services.GRID_ERROR]], status=422)
    if saved.errors:  # e.g. a published cell the sheet changes: named by its place in the sheet
        return _render_grid(the_grid, sheet_errors=reading.located(saved.errors), status=422)
    flash(_("The spreadsheet is imported and the grid saved."), "info")
    return redirect(_grid_url(the_grid))


def _column(the_grid: Grid, column: str) -> Column:
    found = the_grid.column(column)
    if found is None:
        abort(404)
    return found


@bp.route(
    "/class/<int:class_id>/subject/<int:subject_id>/semester/<int:number>/publish/<column>", methods=["GET", "POST"]
)
@school_member(Permission.GRADES_ENTER)
def publish(class_id: int, subject_id: int, number: int, column: str) -> ResponseReturnValue:
    the_grid = _grid(class_id, subject_id, number, edit=True, only=column)
    the_column = _column(the_grid, column)
    school = current_school()
    form = PostForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        back = _grid_url(the_grid)  # before the commit, which expires the grid's objects
        try:
            publication = services.publish(school, staff_user(), the_grid, the_column)
        except GradingError as exc:
            flash(str(exc), "error")
            return redirect(back)
        if disclosure(permissions_of(staff_user()), publication.scores).totals:
            flash(
                _("Published: %(scores)s scores, %(messages)s messages to families.",
                  scores=publication.scores, messages=publication.messages),
                "info",
            )  # fmt: skip
        else:
            flash(_("Published: %(scores)s scores.", scores=publication.scores), "info")
        return redirect(back)
    preview = services.preview_publication(school, the_grid, the_column)
    seen = disclosure(permissions_of(staff_user()), preview.scores)
    return render_template(
        "grades/publish.html", grid=the_grid, column=the_column, preview=preview, seen=seen, form=form
    )


@bp.route("/score/<int:score_id>/correct", methods=["GET", "POST"])
@school_member(Permission.GRADES_ENTER)
def correct(score_id: int) -> ResponseReturnValue:
    score = get_scoped_or_404(Score, score_id)
    the_grid = services.correction_grid(score)
    if not services.may_correct(staff_user(), the_grid):
        abort(403)
    the_column = _column(the_grid, score.column)
    form = PostForm()
    error = None
    if request.method == "POST":
        if not form.validate_on_submit() or "reason" not in request.form:
            abort(400)
        try:
            services.correct(
                current_school(),
                staff_user(),
                score,
                raw_value=request.form.get("value", ""),
                raw_level=request.form.get("level", ""),
                reason=request.form.get("reason", ""),
            )
        except GradingError as exc:
            error = str(exc)
        else:
            flash(_("The score is corrected; the family is told."), "info")
            return redirect(_grid_url(the_grid))
    return (
        render_template(
            "grades/correct.html",
            grid=the_grid,
            score=score,
            column=the_column,
            form=form,
            error=error,
            level_choices=level_choices(the_column) if the_column.kind != "score" else [],
            submitted=request.form,
            current_value=cell_text(score.value, primary=the_grid.primary) if score.value is not None else "",
        ),
        422 if error else 200,
    )


# --- The class summary -----------------------------------------------------------------------------


def _summary_class(class_id: int, *, edit: bool = False) -> SchoolClass:
    """The class, if the user may see its summary (with `edit`, record in it); 404 for another school's, else 403."""
    school_class = get_scoped_or_404(SchoolClass, class_id)
    user = staff_user()
    allowed = services.leads(user, school_class) or (not edit and sees_all(user))
    if not allowed:
        abort(403)
    return school_class


@bp.route("/class/<int:class_id>/summary", methods=["GET", "POST"])
@school_member(Permission.GRADES_ENTER)
def class_summary(class_id: int) -> ResponseReturnValue:
    errors: dict[str, str] = {}
    submitted = None
    if request.method == "POST":
        school_class = _summary_class(class_id, edit=True)
        if not PostForm().validate_on_submit():
            abort(400)
        submitted = request.form.to_dict()
        errors = services.save_term_records(current_school(), staff_user(), school_class, submitted)
        if not errors:
            flash(_("The class summary is saved."), "info")
            return redirect(url_for("grades.class_summary", class_id=class_id))
    the_summary = summary.summarise(_summary_class(class_id))
    return (
        render_template(
            "grades/summary.html",
            summary=the_summary,
            editable=services.leads(staff_user(), the_summary.school_class),
            form=PostForm(),
            errors=errors,
            submitted=submitted or {},
            term_fields=services.term_fields,
            levels=list(Level),
            competences=list(Competence),
            can_export_attendance=Permission.ATTENDANCE_RECORD in permissions_of(staff_user()),
        ),
        422 if errors else 200,
    )


@bp.route("/class/<int:class_id>/summary.xlsx")
@school_member(Permission.GRADES_ENTER)
def summary_export(class_id: int) -> ResponseReturnValue:
    the_summary = summary.summarise(_summary_class(class_id))
    data = summary.export_summary(the_summary)
    name = ascii_filename("tong-ket", the_summary.school_class.name)
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=name)
