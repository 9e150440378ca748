"""The school's structure pages (years, classes, subjects, teaching assignments) and the staff's roster pages.

The structure is the school admin's (`settings.manage`). The roster pages are for staff with `roster.view`:
with `roster.view_all` they see every class, else only the classes they teach or lead, and a class,
student or guardian out of sight answers 404 like an id of another school.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from contactbook.auth.access import has_permission, school_member, sees_all, staff_user
from contactbook.auth.rules import Permission
from contactbook.extensions import db
from contactbook.inputs import id_argument, page_number
from contactbook.models import (
    AssessmentKind,
    Guardian,
    SchoolClass,
    SchoolYear,
    Student,
    Subject,
    TeachingAssignment,
    User,
)
from contactbook.roster import queries, services
from contactbook.roster.exports import class_list_filename, class_list_workbook
from contactbook.roster.forms import NOBODY, AssignmentForm, ClassForm, DeleteForm, HomeroomForm, SubjectForm, YearForm
from contactbook.roster.labels import assessment_label, domestic_phone, gender_label, relation_label
from contactbook.roster.rules import fold
from contactbook.spreadsheet_export import XLSX_MIMETYPE
from contactbook.tenancy import current_school, get_scoped_or_404, scoped

bp = Blueprint("roster", __name__)
MAX_QUERY_LENGTH = 100


@bp.context_processor
def _display_helpers() -> dict[str, Any]:
    return {
        "domestic_phone": domestic_phone,
        "gender_label": gender_label,
        "relation_label": relation_label,
        "assessment_label": assessment_label,
    }


def _viewer() -> queries.Viewer:
    user = staff_user()
    return queries.Viewer(current_school(), user, sees_all(user))


def _years() -> list[SchoolYear]:
    return list(db.session.scalars(scoped(SchoolYear).order_by(SchoolYear.starts_on.desc())))


def _teacher_choices(*, nobody: bool) -> list[SelectChoice]:
    """The school's active staff, for a teacher select (with a "nobody" choice first if asked)."""
    staff = sorted(db.session.scalars(scoped(User).where(User.active.is_(True))), key=lambda u: fold(u.full_name))
    choices = [SelectChoice(u.id, f"{u.full_name} ({u.username})") for u in staff]
    return [SelectChoice(NOBODY, _("— nobody —")), *choices] if nobody else choices


def _teacher(user_id: int | None) -> User | None:
    return None if not user_id else get_scoped_or_404(User, user_id)


def _visible_class(class_id: int) -> SchoolClass:
    school_class = get_scoped_or_404(SchoolClass, class_id)
    if not queries.can_see_class(_viewer(), school_class):
        abort(404)
    return school_class


# --- Structure (settings.manage) ------------------------------------------------------------------


@bp.route("/years/", methods=["GET", "POST"])
@school_member(Permission.SETTINGS_MANAGE)
def year_list() -> ResponseReturnValue:
    school = current_school()
    form = YearForm()
    if form.validate_on_submit():
        dates = ((form.first_start.data, form.first_end.data), (form.second_start.data, form.second_end.data))
        try:
            year = services.create_year(school, staff_user(), name=form.name.data or "", semester_dates=dates)
        except services.RosterError as exc:
            form.name.errors = [_(str(exc))]
        else:
            flash(_("School year %(name)s created.", name=year.name), "info")
            return redirect(url_for("roster.year_list"))
    years = db.session.scalars(
        scoped(SchoolYear).options(selectinload(SchoolYear.semesters)).order_by(SchoolYear.starts_on.desc())
    ).all()
    counts = db.session.execute(
        select(SchoolClass.school_year_id, func.count())
        .where(SchoolClass.school_id == school.id)
        .group_by(SchoolClass.school_year_id)
    ).tuples()
    class_counts = {year_id: count for year_id, count in counts}  # a Result has .keys(): dict() would misread it
    return render_template("roster/years.html", form=form, years=years, class_counts=class_counts)


@bp.route("/classes/new", methods=["GET", "POST"])
@school_member(Permission.SETTINGS_MANAGE)
def class_new() -> ResponseReturnValue:
    school = current_school()
    years = _years()
    form = ClassForm()
    form.school_year_id.choices = [SelectChoice(y.id, y.name) for y in years]
    form.homeroom_teacher_id.choices = _teacher_choices(nobody=True)
    if form.school_year_id.data is None and years:
        current = services.current_year(school)
        form.school_year_id.data = current.id if current else years[0].id
    if years and form.validate_on_submit():
        year = get_scoped_or_404(SchoolYear, form.school_year_id.data)
        try:
            school_class = services.create_class(
                school,
                staff_user(),
                year=year,
                name=form.name.data or "",
                grade_level=form.grade_level.data,
                homeroom_teacher=_teacher(form.homeroom_teacher_id.data),
            )
        except services.RosterError as exc:
            form.name.errors = [_(str(exc))]
        else:
            flash(_("Class %(name)s created.", name=school_class.name), "info")
            return redirect(url_for("roster.class_detail", class_id=school_class.id))
    return render_template("roster/class_new.html", form=form, has_years=bool(years))


@bp.route("/classes/<int:class_id>/homeroom", methods=["POST"])
@school_member(Permission.SETTINGS_MANAGE)
def class_homeroom(class_id: int) -> ResponseReturnValue:
    school_class = get_scoped_or_404(SchoolClass, class_id)
    form = HomeroomForm()
    form.teacher_id.choices = _teacher_choices(nobody=True)
    if not form.validate_on_submit():
        abort(400)
    services.set_homeroom_teacher(current_school(), staff_user(), school_class, _teacher(form.teacher_id.data))
    flash(_("Saved."), "info")
    return redirect(url_for("roster.class_detail", class_id=school_class.id))


@bp.route("/subjects/", methods=["GET", "POST"])
@school_member(Permission.SETTINGS_MANAGE)
def subject_list() -> ResponseReturnValue:
    form = SubjectForm()
    if form.validate_on_submit():
        try:
            subject = services.create_subject(
                current_school(),
                staff_user(),
                name=form.name.data or "",
                periods_per_year=form.periods_per_year.data,
                assessment_kind=AssessmentKind(form.assessment_kind.data),
            )
        except services.RosterError as exc:
            form.name.errors = [_(str(exc))]
        else:
            flash(_("Subject %(name)s created.", name=subject.name), "info")
            return redirect(url_for("roster.subject_list"))
    subjects = sorted(db.session.scalars(scoped(Subject)), key=lambda s: fold(s.name))
    return render_template("roster/subjects.html", form=form, subjects=subjects)


@bp.route("/assignments/", methods=["GET", "POST"])
@school_member(Permission.SETTINGS_MANAGE)
def assignment_list() -> ResponseReturnValue:
    school = current_school()
    year = services.current_year(school)
    classes = queries.classes_of_year(queries.Viewer(school, staff_user(), sees_all=True), year) if year else []
    subjects = sorted(db.session.scalars(scoped(Subject)), key=lambda s: fold(s.name))
    form = AssignmentForm()
    form.teacher_id.choices = _teacher_choices(nobody=False)
    form.subject_id.choices = [SelectChoice(s.id, s.name) for s in subjects]
    form.class_id.choices = [SelectChoice(c.id, c.name) for c in classes]
    if classes and subjects and form.validate_on_submit():
        try:
            services.assign_teacher(
                school,
                staff_user(),
                teacher=get_scoped_or_404(User, form.teacher_id.data),
                subject=get_scoped_or_404(Subject, form.subject_id.data),
                school_class=get_scoped_or_404(SchoolClass, form.class_id.data),
            )
        except services.RosterError as exc:
            form.form_errors.append(_(str(exc)))
        else:
            flash(_("Teaching assignment saved."), "info")
            return redirect(url_for("roster.assignment_list"))
    assignments = db.session.scalars(
        scoped(TeachingAssignment)
        .where(TeachingAssignment.class_id.in_([c.id for c in classes]))
        .options(selectinload(TeachingAssignment.subject), selectinload(TeachingAssignment.teacher))
    ).all()
    class_order = {c.id: index for index, c in enumerate(classes)}
    assignments = sorted(assignments, key=lambda a: (class_order[a.class_id], fold(a.subject.name)))
    return render_template(
        "roster/assignments.html",
        form=form,
        year=year,
        classes={c.id: c for c in classes},
        has_subjects=bool(subjects),
        assignments=assignments,
        delete_form=DeleteForm(),
    )


@bp.route("/assignments/<int:assignment_id>/delete", methods=["POST"])
@school_member(Permission.SETTINGS_MANAGE)
def assignment_delete(assignment_id: int) -> ResponseReturnValue:
    assignment = get_scoped_or_404(TeachingAssignment, assignment_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    services.remove_assignment(current_school(), staff_user(), assignment)
    flash(_("Teaching assignment removed."), "info")
    return redirect(url_for("roster.assignment_list"))


# --- Browsing (roster.view) -----------------------------------------------------------------------


@bp.route("/classes/")
@school_member(Permission.ROSTER_VIEW)
def class_list() -> ResponseReturnValue:
    school = current_school()
    year_id = id_argument("year")
    year = get_scoped_or_404(SchoolYear, year_id) if year_id is not None else services.current_year(school)
    classes = queries.classes_of_year(_viewer(), year) if year else []
    return render_template(
        "roster/class_list.html",
        year=year,
        years=_years(),
        classes=classes,
        sizes=queries.class_sizes(c.id for c in classes),
    )


@bp.route("/classes/<int:class_id>")
@school_member(Permission.ROSTER_VIEW)
def class_detail(class_id: int) -> ResponseReturnValue:
    school_class = _visible_class(class_id)
    lines = queries.class_roster(school_class)
    homeroom_form = None
    if has_permission(Permission.SETTINGS_MANAGE):
        homeroom_form = HomeroomForm(teacher_id=school_class.homeroom_teacher_id or NOBODY)
        homeroom_form.teacher_id.choices = _teacher_choices(nobody=True)
    return render_template(
        "roster/class_detail.html",
        school_class=school_class,
        current=[line for line in lines if not line.has_left],
        left=[line for line in lines if line.has_left],
        assignments=queries.class_assignments(school_class),
        homeroom_form=homeroom_form,
    )


@bp.route("/classes/<int:class_id>/export.xlsx")
@school_member(Permission.ROSTER_VIEW)
def class_export(class_id: int) -> ResponseReturnValue:
    school_class = _visible_class(class_id)
    lines = [line for line in queries.class_roster(school_class) if not line.has_left]
    return send_file(
        io.BytesIO(class_list_workbook(school_class, lines)),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=class_list_filename(school_class),
    )


@bp.route("/students/")
@school_member(Permission.ROSTER_VIEW)
def student_search() -> ResponseReturnValue:
    text = request.args.get("q", "")[:MAX_QUERY_LENGTH]
    page = page_number()
    result = queries.search_students(_viewer(), text, page)
    year = services.current_year(current_school())
    return render_template(
        "roster/students.html",
        q=text,
        result=result,
        year=year,
        enrolments=queries.enrolments_in_year((s.id for s in result.students), year),
    )


@bp.route("/students/<int:student_id>")
@school_member(Permission.ROSTER_VIEW)
def student_detail(student_id: int) -> ResponseReturnValue:
    student = get_scoped_or_404(Student, student_id)
    viewer = _viewer()
    if not queries.can_see_student(viewer, student):
        abort(404)
    enrolments = queries.student_enrolments(student)
    return render_template(
        "roster/student_detail.html",
        student=student,
        enrolments=enrolments,
        visible_class_ids=queries.visible_among(viewer, (e.class_id for e in enrolments)),
        guardians=queries.guardian_links([student.id]).get(student.id, []),
    )


@bp.route("/guardians/<int:guardian_id>")
@school_member(Permission.ROSTER_VIEW)
def guardian_detail(guardian_id: int) -> ResponseReturnValue:
    guardian = get_scoped_or_404(Guardian, guardian_id)
    children = queries.visible_children(_viewer(), guardian)
    if not children:
        abort(404)
    return render_template(
        "roster/guardian_detail.html",
        guardian=guardian,
        children=children,
        relations={link.student_id: link.relation for link in guardian.student_links},
        enrolments=queries.enrolments_in_year((s.id for s in children), services.current_year(current_school())),
    )
