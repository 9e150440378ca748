"""Writing a roster import's plan: bulk inserts and updates, nothing else, in the unit of work of the import
service that applies it (`confirm_import`, `import_sheet`: only services call it, tests/test_module_homes.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, update

from contactbook.extensions import db
from contactbook.models import Enrolment, EnrolmentStatus, Gender, Guardian, Student, StudentGuardian
from contactbook.models.base import utcnow
from contactbook.roster.imports import ImportPlan
from contactbook.roster.rules import StudentRow


def apply_plan(plan: ImportPlan) -> None:
    """Write the plan into the import service's unit of work, which its commit ends."""
    now = utcnow()
    if plan.new_guardians:
        keys = list(plan.new_guardians)
        inserted = (
            db.session.execute(
                insert(Guardian).returning(Guardian.id, sort_by_parameter_order=True),
                [
                    {
                        "school_id": plan.school_id,
                        "full_name": g.full_name,
                        "phone": g.phone,
                        "email": g.email,
                        "created_at": now,
                    }
                    for g in plan.new_guardians.values()
                ],
            )
            .scalars()
            .all()
        )
        plan.guardian_ids.update(zip(keys, inserted, strict=True))
    if plan.guardian_updates:
        db.session.execute(update(Guardian), list(plan.guardian_updates.values()))

    if plan.created:
        new_ids = (
            db.session.execute(
                insert(Student).returning(Student.id, sort_by_parameter_order=True),
                [_student_values(plan, c.row, now) | {"created_at": now} for c in plan.created],
            )
            .scalars()
            .all()
        )
        for change, student_id in zip(plan.created, new_ids, strict=True):
            change.student_id = student_id
    changed = [c for c in plan.updated if set(c.fields) & {"full_name", "date_of_birth", "gender"}]
    if changed:
        values = [{"id": c.student_id} | _student_values(plan, c.row, now) for c in changed]
        if "gender" not in plan.columns:  # not in this file: kept as it is
            values = [{k: v for k, v in row.items() if k != "gender"} for row in values]
        db.session.execute(update(Student), values)

    _apply_enrolments(plan, now)
    _apply_links(plan)
    if plan.leaving:
        db.session.execute(
            update(Enrolment),
            [{"id": item.enrolment_id, "status": EnrolmentStatus.LEFT, "left_at": now} for item in plan.leaving],
        )


def _student_values(plan: ImportPlan, row: StudentRow, now: Any) -> dict[str, Any]:
    return {
        "school_id": plan.school_id,
        "national_id": row.national_id,
        "full_name": row.full_name,
        "date_of_birth": row.date_of_birth,
        "gender": Gender(row.gender) if row.gender else None,
        "updated_at": now,
    }


def _apply_enrolments(plan: ImportPlan, now: Any) -> None:
    new_rows, moved = [], []
    for change in (*plan.created, *plan.updated):
        if change in plan.updated and "class" not in change.fields:
            continue
        assert change.student_id is not None
        class_id = plan.class_ids[change.row.class_name]
        current = plan.enrolments.get(change.student_id)
        if current is None:
            new_rows.append(
                {
                    "school_id": plan.school_id,
                    "student_id": change.student_id,
                    "school_year_id": plan.school_year_id,
                    "class_id": class_id,
                    "status": EnrolmentStatus.ACTIVE,
                }
            )
        else:
            moved.append({"id": current[0], "class_id": class_id, "status": EnrolmentStatus.ACTIVE, "left_at": None})
    if new_rows:
        db.session.execute(insert(Enrolment), new_rows)
    if moved:
        db.session.execute(update(Enrolment), moved)


def _apply_links(plan: ImportPlan) -> None:
    added: list[dict[str, Any]] = []
    removed: list[int] = []
    for change in (*plan.created, *plan.updated):
        assert change.student_id is not None
        wanted = {(plan.guardian_ids[key], relation) for key, relation in change.wanted_links}
        existing = plan.links.get(change.student_id, {})
        added.extend(
            {"school_id": plan.school_id, "student_id": change.student_id, "guardian_id": gid, "relation": relation}
            for gid, relation in wanted - set(existing)
        )
        removed.extend(
            link_id for pair, link_id in existing.items() if pair[1] in plan.relations and pair not in wanted
        )
    if removed:
        db.session.execute(delete(StudentGuardian).where(StudentGuardian.id.in_(removed)))
    if added:
        db.session.execute(insert(StudentGuardian), added)
