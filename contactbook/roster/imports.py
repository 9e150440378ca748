"""Roster import: a dry run that plans every change, then one commit that applies the plan.

Idempotent by national student id: the same file twice changes nothing; a changed file updates in
place; a student missing from a new file is marked as having left its class (only for the classes that
the file's valid rows name, so a file per class or per grade is safe), never deleted. An optional
column absent from the file (gender, a guardian's columns) leaves what it would hold as it is.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select

from contactbook.extensions import db
from contactbook.i18n import N_
from contactbook.models import (
    Enrolment,
    EnrolmentStatus,
    Guardian,
    SchoolClass,
    SchoolYear,
    Student,
    StudentGuardian,
)
from contactbook.roster.reading import Sheet
from contactbook.roster.rules import (
    COLUMNS,
    RELATIONS,
    GuardianRow,
    RowError,
    StudentRow,
    class_key,
    fold,
    id_as_meant,
    many_leaving,
    match_header,
    parse_row,
)


class RosterHeaderError(ValueError):
    """The header row lacks required columns; `missing` lists their expected headers."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(N_("The file is missing required columns."))
        self.missing = missing


@dataclass
class StudentChange:
    """One student of the file and what importing it changes."""

    row: StudentRow
    student_id: int | None = None
    fields: list[str] = field(default_factory=list)
    wanted_links: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class Leaving:
    enrolment_id: int
    national_id: str
    full_name: str
    class_name: str


@dataclass(frozen=True)
class ClassWarning:
    """A class the import would empty of many students: how many would leave of how many active."""

    class_name: str
    leaving: int
    active: int


@dataclass
class ImportPlan:
    """Everything a confirmed import will do, computed without writing anything."""

    school_id: int
    school_year_id: int
    total_rows: int
    errors: list[RowError] = field(default_factory=list)
    created: list[StudentChange] = field(default_factory=list)
    updated: list[StudentChange] = field(default_factory=list)
    unchanged: list[StudentChange] = field(default_factory=list)
    leaving: list[Leaving] = field(default_factory=list)
    new_guardians: dict[str, GuardianRow] = field(default_factory=dict)
    guardian_updates: dict[int, dict[str, Any]] = field(default_factory=dict)
    guardian_ids: dict[str, int] = field(default_factory=dict)
    class_ids: dict[str, int] = field(default_factory=dict)
    enrolments: dict[int, tuple[int, int, EnrolmentStatus]] = field(default_factory=dict)
    links: dict[int, dict[tuple[int, str], int]] = field(default_factory=dict)
    columns: frozenset[str] = frozenset()  # the layout's fields that the file has a column for
    warnings: list[ClassWarning] = field(default_factory=list)

    @property
    def has_valid_rows(self) -> bool:
        return bool(self.created or self.updated or self.unchanged)

    @property
    def relations(self) -> set[str]:
        """The guardians (father, mother, other) that the file has columns for: only their links change."""
        return {r for r in RELATIONS if any(f"{r}_{part}" in self.columns for part in ("name", "phone", "email"))}

    @property
    def skipped_lines(self) -> list[int]:
        return sorted({e.line for e in self.errors})

    @property
    def changes_anything(self) -> bool:
        return bool(self.created or self.updated or self.leaving or self.new_guardians or self.guardian_updates)

    def summary(self) -> dict[str, Any]:
        """Counts for the audit log and the import record."""
        return {
            "rows": self.total_rows,
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "left": len(self.leaving),
            "guardians_created": len(self.new_guardians),
            "guardians_updated": len(self.guardian_updates),
            "skipped_lines": self.skipped_lines,
            "many_left_in": [w.class_name for w in self.warnings],  # confirmed with the tick, if applied
        }


def plan_import(
    school_id: int, year: SchoolYear, sheet: Sheet, progress: Callable[[int], None] | None = None
) -> ImportPlan:
    """Validate every row and compare the file with the database; write nothing."""
    match = match_header(sheet.header)
    if match.missing:
        raise RosterHeaderError(match.missing)
    classes = db.session.scalars(select(SchoolClass).where(SchoolClass.school_year_id == year.id)).all()
    class_names = {class_key(c.name): c.name for c in classes}
    class_ids = {c.name: c.id for c in classes}
    plan = ImportPlan(school_id, year.id, len(sheet.rows), class_ids=class_ids, columns=frozenset(match.positions))

    rows: list[StudentRow] = []
    seen_ids: dict[str, list[int]] = defaultdict(list)
    id_position = match.positions["national_id"]
    named: set[str] = set()  # the ids the file names, valid or not: those students do not leave their class
    for done, (line, cells) in enumerate(sheet.rows, start=1):
        raw_id = str(cells[id_position]).strip() if id_position < len(cells) and cells[id_position] else ""
        if raw_id:
            seen_ids[raw_id].append(line)
            named |= {raw_id, id_as_meant(cells[id_position])}
        parsed = parse_row(line, cells, match.positions, class_names, year.starts_on)
        if isinstance(parsed, list):
            plan.errors.extend(parsed)
        else:
            rows.append(parsed)
        if progress is not None and done % 100 == 0:
            progress(100)
    if progress is not None:
        progress(len(sheet.rows) % 100)

    duplicates = {nid: lines for nid, lines in seen_ids.items() if len(lines) > 1}
    header = next(c.header for c in COLUMNS if c.key == "national_id")
    for nid, lines in duplicates.items():
        for line in lines:
            listed = ", ".join(str(n) for n in lines)
            plan.errors.append(
                RowError(
                    line,
                    header,
                    nid,
                    N_("This student id appears more than once in the file (lines %(lines)s)."),
                    {"lines": listed},
                )
            )
    rows = [r for r in rows if r.national_id not in duplicates]
    plan.errors.sort(key=lambda e: (e.line, e.column))

    _plan_students(plan, rows)
    _plan_guardians(plan, rows)
    # Only valid rows say which classes the file covers: a file of bad rows must not empty a class.
    _plan_leaving(plan, year, named, {plan.class_ids[row.class_name] for row in rows})
    return plan


def _plan_students(plan: ImportPlan, rows: list[StudentRow]) -> None:
    ids = [r.national_id for r in rows]
    existing = (
        {
            s.national_id: s
            for s in db.session.execute(
                select(Student.id, Student.national_id, Student.full_name, Student.date_of_birth, Student.gender).where(
                    Student.school_id == plan.school_id, Student.national_id.in_(ids)
                )
            )
        }
        if ids
        else {}
    )
    student_ids = [s.id for s in existing.values()]
    for existing_enrolment in db.session.execute(
        select(Enrolment.id, Enrolment.student_id, Enrolment.class_id, Enrolment.status).where(
            Enrolment.school_year_id == plan.school_year_id, Enrolment.student_id.in_(student_ids)
        )
    ):
        plan.enrolments[existing_enrolment.student_id] = (
            existing_enrolment.id,
            existing_enrolment.class_id,
            existing_enrolment.status,
        )
    for link in db.session.execute(
        select(
            StudentGuardian.id, StudentGuardian.student_id, StudentGuardian.guardian_id, StudentGuardian.relation
        ).where(StudentGuardian.student_id.in_(student_ids))
    ):
        plan.links.setdefault(link.student_id, {})[(link.guardian_id, link.relation)] = link.id

    for row in rows:
        current = existing.get(row.national_id)
        if current is None:
            plan.created.append(StudentChange(row))
            continue
        change = StudentChange(row, current.id)
        if current.full_name != row.full_name:
            change.fields.append("full_name")
        if current.date_of_birth != row.date_of_birth:
            change.fields.append("date_of_birth")
        if "gender" in plan.columns and (current.gender.value if current.gender else None) != row.gender:
            change.fields.append("gender")
        enrolment = plan.enrolments.get(current.id)
        if (
            enrolment is None
            or enrolment[1] != plan.class_ids[row.class_name]
            or enrolment[2] != EnrolmentStatus.ACTIVE
        ):
            change.fields.append("class")
        (plan.updated if change.fields else plan.unchanged).append(change)


def _plan_guardians(plan: ImportPlan, rows: list[StudentRow]) -> None:
    """Resolve each row's guardians to existing ones (by phone, email, or relation and name) or new ones."""
    phones = {g.phone for r in rows for g in r.guardians if g.phone}
    emails = {g.email for r in rows for g in r.guardians if g.email and not g.phone}
    known: dict[str, Any] = {}
    if phones or emails:
        for stored in db.session.execute(
            select(Guardian.id, Guardian.full_name, Guardian.phone, Guardian.email).where(
                Guardian.school_id == plan.school_id,
                or_(Guardian.phone.in_(phones), Guardian.email.in_(emails) & Guardian.phone.is_(None)),
            )
        ):
            known.setdefault(stored.phone or stored.email, stored)
    # A student's own guardian, recognised by relation and name: a changed phone updates it in place.
    own: dict[tuple[int, str, str], Any] = {}
    if plan.links:
        for linked in db.session.execute(
            select(
                StudentGuardian.student_id,
                StudentGuardian.relation,
                Guardian.id,
                Guardian.full_name,
                Guardian.phone,
                Guardian.email,
            )
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .where(StudentGuardian.student_id.in_(list(plan.links)))
        ):
            own[(linked.student_id, linked.relation, fold(linked.full_name))] = linked

    changes = {c.row.national_id: c for c in (*plan.created, *plan.updated, *plan.unchanged)}
    for row in rows:
        change = changes[row.national_id]
        wanted: set[tuple[str, str]] = set()
        guardian_changed = False
        for guardian in row.guardians:
            key = guardian.key if (guardian.phone or guardian.email) else f"{guardian.key}:{row.national_id}"
            if key not in plan.guardian_ids and key not in plan.new_guardians:
                current = known.get(key)
                if current is None and change.student_id is not None:
                    mine = own.get((change.student_id, guardian.relation, fold(guardian.full_name)))
                    # Take over its contact only if no other row still uses it: else the rows would
                    # swap the guardian's phone back and forth on every import of the same file.
                    if (
                        mine is not None
                        and mine.phone not in phones
                        and (mine.email not in emails or mine.email == guardian.email)
                    ):
                        current = mine
                if current is None:
                    plan.new_guardians[key] = guardian
                else:
                    plan.guardian_ids[key] = current.id
                    updates = _guardian_updates(current, guardian)
                    if updates and current.id not in plan.guardian_updates:
                        plan.guardian_updates[current.id] = {"id": current.id, **updates}
                        guardian_changed = True
            if not any(k == key for k, _ in wanted):
                wanted.add((key, guardian.relation))
        change.wanted_links = wanted
        if change.student_id is not None and (guardian_changed or _link_diff(plan, change, wanted)):
            change.fields.append("guardians")
            if change in plan.unchanged:
                plan.unchanged.remove(change)
                plan.updated.append(change)


def _guardian_updates(current: Any, guardian: GuardianRow) -> dict[str, Any]:
    """What the file changes in a stored guardian; a contact left empty in the file is kept."""
    updates: dict[str, Any] = {}
    if current.full_name != guardian.full_name:
        updates["full_name"] = guardian.full_name
    if guardian.phone and current.phone != guardian.phone:
        updates["phone"] = guardian.phone
    if guardian.email and current.email != guardian.email:
        updates["email"] = guardian.email
    return updates


def _link_diff(plan: ImportPlan, change: StudentChange, wanted: set[tuple[str, str]]) -> bool:
    if change.student_id is None:
        return False
    existing = {pair for pair in plan.links.get(change.student_id, {}) if pair[1] in plan.relations}
    resolved = {(plan.guardian_ids.get(key), relation) for key, relation in wanted}
    return None in {gid for gid, _ in resolved} or resolved != existing


def _plan_leaving(plan: ImportPlan, year: SchoolYear, ids_in_file: set[str], class_ids: set[int]) -> None:
    if not class_ids:
        return
    names = {cid: name for name, cid in plan.class_ids.items()}
    active: dict[int, int] = {
        class_id: count
        for class_id, count in db.session.execute(
            select(Enrolment.class_id, func.count())
            .where(Enrolment.status == EnrolmentStatus.ACTIVE, Enrolment.class_id.in_(class_ids))
            .group_by(Enrolment.class_id)
        )
    }
    for enrolment in db.session.execute(
        select(Enrolment.id, Enrolment.class_id, Student.national_id, Student.full_name)
        .join(Student, Student.id == Enrolment.student_id)
        .where(
            Enrolment.school_year_id == year.id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Enrolment.class_id.in_(class_ids),
            Student.national_id.not_in(ids_in_file),
        )
    ):
        plan.leaving.append(
            Leaving(enrolment.id, enrolment.national_id, enrolment.full_name, names[enrolment.class_id])
        )
    leaving = Counter(item.class_name for item in plan.leaving)
    plan.warnings = [
        ClassWarning(name, count, active[plan.class_ids[name]])
        for name, count in sorted(leaving.items())
        if many_leaving(count, active[plan.class_ids[name]])
    ]
