"""What the homeroom teacher records in the class summary: conduct and (primary) qualities.

Saving them is one unit of work: every student's records, or nothing when any field is refused. Absences
are not typed here: the summary counts them from the attendance marks (`contactbook.attendance.totals`).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from contactbook.audit import services as audit
from contactbook.extensions import among, db
from contactbook.grading.rules import Competence, Level
from contactbook.grading.services.grids import GradingError, leads
from contactbook.models import School, SchoolClass, Semester, TermRecord, User
from contactbook.models.base import utcnow
from contactbook.roster.queries import class_students


def term_fields(student_id: int, number: int) -> dict[str, str]:
    """The form fields of a student's records for semester `number`: conduct, competence."""
    return {"conduct": f"c-{student_id}-{number}", "competence": f"q-{student_id}"}


def save_term_records(
    school: School, actor: User, school_class: SchoolClass, form: Mapping[str, str]
) -> dict[str, str]:
    """Store conduct (and, primary, qualities) for every student of the class; nothing if any is refused.

    Returns the refusals by form field; only the class's homeroom teacher records these (`GradingError`).
    """
    if school_class.school_id != school.id or not leads(actor, school_class):
        raise GradingError("Chỉ giáo viên chủ nhiệm của lớp được nhập hạnh kiểm.")
    students = class_students(school_class)
    semesters = list(
        db.session.scalars(
            select(Semester).where(Semester.school_year_id == school_class.school_year_id).order_by(Semester.number)
        )
    )
    errors: dict[str, str] = {}
    wanted: dict[tuple[int, int], dict[str, object]] = {}
    conducts = {level.value for level in Level}
    competences = {c.value for c in Competence}
    for student in students:
        for semester in semesters:
            names = term_fields(student.id, semester.number)
            values: dict[str, object] = {}
            if names["conduct"] in form:
                conduct = form[names["conduct"]].strip()
                if conduct and conduct not in conducts:
                    errors[names["conduct"]] = "Chọn một mức trong danh sách"
                values["conduct"] = conduct or None
            if semester.number == 2 and names["competence"] in form:
                competence = form[names["competence"]].strip()
                if competence and competence not in competences:
                    errors[names["competence"]] = "Chọn một mức trong danh sách"
                values["competence"] = competence or None
            if values:
                wanted[(student.id, semester.id)] = values
    if errors:
        return errors
    existing = {
        (r.student_id, r.semester_id): r
        for r in db.session.scalars(
            select(TermRecord).where(
                among(TermRecord.student_id, [student.id for student in students]),
                among(TermRecord.semester_id, [s.id for s in semesters]),
            )
        )
    }
    now = utcnow()
    changed = 0
    for (student_id, semester_id), values in wanted.items():
        record = existing.get((student_id, semester_id))
        if record is None:
            record = TermRecord(
                school_id=school.id, class_id=school_class.id, student_id=student_id, semester_id=semester_id
            )
            db.session.add(record)
        before = (record.conduct, record.competence)
        for name, value in values.items():
            setattr(record, name, value)
        if record.absences is None:
            record.absences = 0  # the typed count of old; the summary counts the attendance marks instead
        if (record.conduct, record.competence) != before:
            record.updated_by_id, record.updated_at = actor.id, now
            changed += 1
    if changed:
        audit.record("grades.term_records", actor=actor, school_id=school.id, target=school_class, changed=changed)
    db.session.commit()
    return {}
