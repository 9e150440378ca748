"""Academic structure and roster import for one school. Every change is audited and committed here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Select, or_, select

from contactbook.audit import services as audit
from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.models import (
    AssessmentKind,
    RosterImport,
    School,
    SchoolClass,
    SchoolYear,
    Semester,
    Subject,
    TeachingAssignment,
    User,
)
from contactbook.models.base import utcnow
from contactbook.roster.import_apply import apply_plan
from contactbook.roster.imports import ImportPlan, plan_import
from contactbook.roster.reading import Sheet, read_roster
from contactbook.roster.rules import RowError, class_key
from contactbook.timezones import school_today

MAX_KEPT_ERRORS = 1000


def error_as_dict(error: RowError) -> dict[str, Any]:
    """A row error as kept in the import record (to show what was skipped after the import)."""
    return {
        "line": error.line,
        "column": error.column,
        "value": error.value,
        "reason": error.reason,
        "params": error.params,
    }


class RosterError(ValueError):
    """A change the rules refuse; the message (an English message id) says why."""


NO_VALID_ROW = N_(
    "No row of the file is valid: nothing was imported. Correct the rows listed and import the file again."
)
MANY_LEAVING = N_(
    "This import would mark many students of %(classes)s as having left their class. "
    "Tick the box to confirm that they have left."
)


def _of_school(school: School, *rows: SchoolYear | SchoolClass | Subject | TeachingAssignment) -> None:
    """Refuse a row of another school: the pages find rows within the school, the CLI and the portal must not
    get further with another school's."""
    if any(row.school_id != school.id for row in rows):
        raise RosterError(N_("This belongs to another school."))


def _check_teacher(school: School, teacher: User | None) -> None:
    """A teacher (or homeroom teacher) is an active staff account of the school, as the pages offer."""
    if teacher is not None and (teacher.school_id != school.id or not teacher.active):
        raise RosterError(N_("Choose an active staff member of the school."))


class ImportRefused(RosterError):
    """An import that must not be applied as it is: no valid row, or many students leaving (`classes`)."""

    def __init__(self, message: str, plan: ImportPlan, classes: list[str] | None = None) -> None:
        super().__init__(message)
        self.plan, self.classes = plan, classes or []


def check_plan(plan: ImportPlan, *, allow_many_left: bool) -> None:
    """Raise ImportRefused for a plan without a valid row, or one emptying classes unless allowed."""
    if not plan.has_valid_rows:
        raise ImportRefused(NO_VALID_ROW, plan)
    if plan.warnings and not allow_many_left:
        raise ImportRefused(MANY_LEAVING, plan, [w.class_name for w in plan.warnings])


def current_year(school: School, today: date | None = None) -> SchoolYear | None:
    """The school year that contains `today`, else the latest one."""
    today = today or school_today()
    years = db.session.scalars(
        select(SchoolYear).where(SchoolYear.school_id == school.id).order_by(SchoolYear.starts_on.desc())
    ).all()
    return next((y for y in years if y.starts_on <= today <= y.ends_on), years[0] if years else None)


def create_year(
    school: School, actor: User, *, name: str, semester_dates: tuple[tuple[date, date], tuple[date, date]]
) -> SchoolYear:
    """A school year with its two semesters; semester I must end before semester II starts."""
    (first_start, first_end), (second_start, second_end) = semester_dates
    if not first_start < first_end < second_start < second_end:
        raise RosterError(N_("Semester I must end before semester II starts, and each must end after it starts."))
    if db.session.scalar(select(SchoolYear.id).where(SchoolYear.school_id == school.id, SchoolYear.name == name)):
        raise RosterError(N_("This school year already exists."))
    year = SchoolYear(school_id=school.id, name=name.strip(), starts_on=first_start, ends_on=second_end)
    year.semesters = [
        Semester(school_id=school.id, number=1, starts_on=first_start, ends_on=first_end),
        Semester(school_id=school.id, number=2, starts_on=second_start, ends_on=second_end),
    ]
    db.session.add(year)
    db.session.flush()
    audit.record("year.created", actor=actor, school_id=school.id, target=year, name=year.name)
    db.session.commit()
    return year


def create_class(
    school: School, actor: User, *, year: SchoolYear, name: str, grade_level: int, homeroom_teacher: User | None
) -> SchoolClass:
    """A class of `year`, led by an active staff member or nobody; names are unique within the year ignoring
    case and spaces."""
    _of_school(school, year)
    _check_teacher(school, homeroom_teacher)
    name = class_key(name)
    existing = db.session.scalars(select(SchoolClass.name).where(SchoolClass.school_year_id == year.id))
    if any(class_key(n) == name for n in existing):
        raise RosterError(N_("This class already exists in the school year."))
    school_class = SchoolClass(
        school_id=school.id,
        school_year_id=year.id,
        name=name,
        grade_level=grade_level,
        homeroom_teacher_id=homeroom_teacher.id if homeroom_teacher else None,
    )
    db.session.add(school_class)
    db.session.flush()
    audit.record("class.created", actor=actor, school_id=school.id, target=school_class, name=name)
    db.session.commit()
    return school_class


def set_homeroom_teacher(school: School, actor: User, school_class: SchoolClass, teacher: User | None) -> None:
    """Make `teacher`, an active staff member, the class's homeroom teacher (None: nobody)."""
    _of_school(school, school_class)
    _check_teacher(school, teacher)
    school_class.homeroom_teacher_id = teacher.id if teacher else None
    audit.record(
        "class.homeroom",
        actor=actor,
        school_id=school.id,
        target=school_class,
        teacher_id=school_class.homeroom_teacher_id,
    )
    db.session.commit()


def create_subject(
    school: School, actor: User, *, name: str, periods_per_year: int, assessment_kind: AssessmentKind
) -> Subject:
    """A subject of the school."""
    name = " ".join(name.split())
    if db.session.scalar(select(Subject.id).where(Subject.school_id == school.id, Subject.name == name)):
        raise RosterError(N_("This subject already exists."))
    subject = Subject(
        school_id=school.id, name=name, periods_per_year=periods_per_year, assessment_kind=assessment_kind
    )
    db.session.add(subject)
    db.session.flush()
    audit.record("subject.created", actor=actor, school_id=school.id, target=subject, name=name)
    db.session.commit()
    return subject


def assign_teacher(
    school: School, actor: User, *, teacher: User, subject: Subject, school_class: SchoolClass
) -> TeachingAssignment:
    """Record that `teacher`, an active staff member, teaches `subject` to `school_class`."""
    _of_school(school, subject, school_class)
    _check_teacher(school, teacher)
    exists = db.session.scalar(
        select(TeachingAssignment).where(
            TeachingAssignment.teacher_id == teacher.id,
            TeachingAssignment.subject_id == subject.id,
            TeachingAssignment.class_id == school_class.id,
        )
    )
    if exists is not None:
        raise RosterError(N_("This teaching assignment already exists."))
    assignment = TeachingAssignment(
        school_id=school.id, teacher_id=teacher.id, subject_id=subject.id, class_id=school_class.id
    )
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        "assignment.created",
        actor=actor,
        school_id=school.id,
        target=assignment,
        teacher_id=teacher.id,
        subject_id=subject.id,
        class_id=school_class.id,
    )
    db.session.commit()
    return assignment


def remove_assignment(school: School, actor: User, assignment: TeachingAssignment) -> None:
    """End a teaching assignment."""
    _of_school(school, assignment)
    audit.record("assignment.removed", actor=actor, school_id=school.id, target=assignment)
    db.session.delete(assignment)
    db.session.commit()


def visible_classes(
    school: School, user: User, *, sees_all: bool, year: SchoolYear | None
) -> Select[tuple[SchoolClass]]:
    """The classes of `year` that `user` may see: all of them, or those it teaches or leads."""
    query = select(SchoolClass).where(SchoolClass.school_id == school.id)
    if year is not None:
        query = query.where(SchoolClass.school_year_id == year.id)
    if not sees_all:
        taught = select(TeachingAssignment.class_id).where(TeachingAssignment.teacher_id == user.id)
        query = query.where(or_(SchoolClass.homeroom_teacher_id == user.id, SchoolClass.id.in_(taught)))
    return query.order_by(SchoolClass.grade_level, SchoolClass.name)


def start_import(
    school: School, actor: User | None, year: SchoolYear, filename: str, content: bytes
) -> tuple[RosterImport, ImportPlan]:
    """Read and plan an uploaded file; keep it, pending, for the user to confirm. Roster data is untouched."""
    plan = plan_import(school.id, year, read_roster(filename, content))
    record = RosterImport(
        school_id=school.id,
        school_year_id=year.id,
        uploaded_by_id=actor.id if actor else None,
        filename=filename[:255],
        content=content,
        status="pending",
        summary=plan.summary(),
    )
    db.session.add(record)
    db.session.commit()
    return record, plan


def preview_import(record: RosterImport) -> ImportPlan:
    """The plan of a pending import, computed again against the current data."""
    return plan_import(record.school_id, record.school_year, read_roster(record.filename, record.content))


def confirm_import(
    school: School, actor: User | None, record: RosterImport, *, allow_many_left: bool = False
) -> ImportPlan:
    """Apply a pending import's valid rows in one commit; rows with errors are skipped and listed.

    Refused (ImportRefused, nothing written) without a valid row, or when classes would lose many
    students and `allow_many_left` is not given.
    """
    if record.status != "pending":
        raise RosterError(N_("This import has already been confirmed or cancelled."))
    plan = preview_import(record)
    check_plan(plan, allow_many_left=allow_many_left)
    apply_plan(plan)
    record.status, record.applied_at = "applied", utcnow()
    record.summary = plan.summary() | {"errors": [error_as_dict(e) for e in plan.errors[:MAX_KEPT_ERRORS]]}
    audit.record("roster.imported", actor=actor, school_id=school.id, target=record, **plan.summary())
    db.session.commit()
    return plan


def cancel_import(school: School, actor: User, record: RosterImport) -> None:
    """Drop a pending import; nothing of it was applied."""
    if record.status == "pending":
        record.status = "cancelled"
        record.content = b""
        audit.record("roster.import_cancelled", actor=actor, school_id=school.id, target=record)
        db.session.commit()


def import_sheet(
    school: School,
    year: SchoolYear,
    sheet: Sheet,
    *,
    dry_run: bool,
    allow_many_left: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportPlan:
    """The command line's import: the same rules and refusals, applied at once unless `dry_run`."""
    plan = plan_import(school.id, year, sheet, progress)
    if dry_run:
        if not plan.has_valid_rows:
            raise ImportRefused(NO_VALID_ROW, plan)
        return plan
    check_plan(plan, allow_many_left=allow_many_left)
    apply_plan(plan)
    audit.record("roster.imported", actor=None, school_id=school.id, target=None, via="cli", **plan.summary())
    db.session.commit()
    return plan
