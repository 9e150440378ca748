"""What a staff member may see of the roster, and the rows the browse pages and the export show.

Read only: nothing here writes or commits. A teacher without `roster.view_all` sees the classes it
teaches or leads (in any year), the students enrolled in them (also those who left), and the
guardians of those students.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from contactbook.extensions import db
from contactbook.models import (
    Enrolment,
    EnrolmentStatus,
    Guardian,
    School,
    SchoolClass,
    SchoolYear,
    Student,
    StudentGuardian,
    TeachingAssignment,
    User,
)
from contactbook.roster.rules import RELATIONS, fold
from contactbook.roster.services import visible_classes

PAGE_SIZE = 50


@dataclass(frozen=True)
class Viewer:
    """Who is looking: the school, the staff member, and whether it may see every class."""

    school: School
    user: User
    sees_all: bool


def name_order(full_name: str) -> tuple[str, str]:
    """Sort key of Vietnamese class lists: by given name (the last word), then by the full name."""
    folded = fold(full_name)
    return folded.rsplit(" ", 1)[-1], folded


def class_students(school_class: SchoolClass) -> list[Student]:
    """The students actively enrolled in the class, in the order of the class list (given name, then full)."""
    students = db.session.scalars(
        select(Student)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .where(
            Enrolment.school_id == school_class.school_id,
            Enrolment.class_id == school_class.id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
    ).all()
    return sorted(students, key=lambda s: (name_order(s.full_name), s.id))


def matches_search(text: str, full_name: str, national_id: str) -> bool:
    """Whether a search for `text` finds this student: each word starts a word of the name, or an id part."""
    digits = "".join(text.split())
    if digits.isdigit() and digits in national_id:
        return True
    words = fold(text).split()
    name_words = fold(full_name).split()
    return bool(words) and all(any(w.startswith(t) for w in name_words) for t in words)


# --- Visibility -------------------------------------------------------------------------------------


def classes_of_year(viewer: Viewer, year: SchoolYear | None) -> list[SchoolClass]:
    """The classes of `year` the viewer may see, by grade then name, with their homeroom teachers."""
    query = visible_classes(viewer.school, viewer.user, sees_all=viewer.sees_all, year=year)
    return list(db.session.scalars(query.options(selectinload(SchoolClass.homeroom_teacher))))


def visible_class_ids(viewer: Viewer) -> Select[tuple[int]]:
    """The ids of every class, of any year, that the viewer may see."""
    query = visible_classes(viewer.school, viewer.user, sees_all=viewer.sees_all, year=None)
    return query.with_only_columns(SchoolClass.id).order_by(None)


def visible_student_ids(viewer: Viewer) -> Select[tuple[int]]:
    """The ids of the students the viewer may see: all of the school's, or those of its classes."""
    if viewer.sees_all:
        return select(Student.id).where(Student.school_id == viewer.school.id)
    return select(Enrolment.student_id).where(
        Enrolment.school_id == viewer.school.id, Enrolment.class_id.in_(visible_class_ids(viewer))
    )


def can_see_class(viewer: Viewer, school_class: SchoolClass) -> bool:
    """Whether the viewer may open this class."""
    if school_class.school_id != viewer.school.id:
        return False
    if viewer.sees_all:
        return True
    return db.session.scalar(visible_class_ids(viewer).where(SchoolClass.id == school_class.id)) is not None


def visible_among(viewer: Viewer, class_ids: Iterable[int]) -> set[int]:
    """Which of `class_ids` the viewer may open."""
    ids = set(class_ids)
    if viewer.sees_all or not ids:
        return ids
    return set(db.session.scalars(visible_class_ids(viewer).where(SchoolClass.id.in_(ids))))


def can_see_student(viewer: Viewer, student: Student) -> bool:
    """Whether the viewer may open this student's page."""
    if student.school_id != viewer.school.id:
        return False
    if viewer.sees_all:
        return True
    query = select(Enrolment.id).where(
        Enrolment.student_id == student.id, Enrolment.class_id.in_(visible_class_ids(viewer))
    )
    return db.session.scalar(query.limit(1)) is not None


def visible_children(viewer: Viewer, guardian: Guardian) -> list[Student]:
    """The guardian's children that the viewer may see, in class-list order (none: the page is hidden)."""
    query = (
        select(Student)
        .join(StudentGuardian, StudentGuardian.student_id == Student.id)
        .where(StudentGuardian.guardian_id == guardian.id, Student.id.in_(visible_student_ids(viewer)))
    )
    return sorted(db.session.scalars(query), key=lambda s: name_order(s.full_name))


# --- Rows of the pages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterLine:
    """A student of a class list with its enrolment and its guardians (father, mother, guardian first)."""

    student: Student
    enrolment: Enrolment
    guardians: list[StudentGuardian]

    @property
    def has_left(self) -> bool:
        return self.enrolment.status == EnrolmentStatus.LEFT


def class_sizes(class_ids: Iterable[int]) -> dict[int, int]:
    """The number of students currently enrolled in each class."""
    ids = list(class_ids)
    if not ids:
        return {}
    query = (
        select(Enrolment.class_id, func.count())
        .where(Enrolment.class_id.in_(ids), Enrolment.status == EnrolmentStatus.ACTIVE)
        .group_by(Enrolment.class_id)
    )
    return {class_id: count for class_id, count in db.session.execute(query).tuples()}


def guardian_links(student_ids: Iterable[int]) -> dict[int, list[StudentGuardian]]:
    """Each student's guardian links with the guardians loaded, father, mother, then other guardians."""
    ids = list(student_ids)
    links: dict[int, list[StudentGuardian]] = defaultdict(list)
    if not ids:
        return links
    query = (
        select(StudentGuardian)
        .where(StudentGuardian.student_id.in_(ids))
        .options(selectinload(StudentGuardian.guardian))
        .order_by(StudentGuardian.id)
    )
    for link in db.session.scalars(query):
        links[link.student_id].append(link)
    rank = {relation: index for index, relation in enumerate(RELATIONS)}
    for student_links in links.values():
        student_links.sort(key=lambda link: rank.get(link.relation, len(rank)))
    return links


def class_roster(school_class: SchoolClass) -> list[RosterLine]:
    """Every student enrolled in the class (also those who left), in class-list order."""
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.class_id == school_class.id).options(selectinload(Enrolment.student))
    ).all()
    links = guardian_links(e.student_id for e in enrolments)
    lines = [RosterLine(e.student, e, links.get(e.student_id, [])) for e in enrolments]
    return sorted(lines, key=lambda line: name_order(line.student.full_name))


def class_assignments(school_class: SchoolClass) -> list[TeachingAssignment]:
    """Who teaches what in the class, by subject name."""
    query = (
        select(TeachingAssignment)
        .where(TeachingAssignment.class_id == school_class.id)
        .options(selectinload(TeachingAssignment.subject), selectinload(TeachingAssignment.teacher))
    )
    return sorted(db.session.scalars(query), key=lambda a: (fold(a.subject.name), fold(a.teacher.full_name)))


def student_enrolments(student: Student) -> list[Enrolment]:
    """The student's enrolments, latest school year first, with their classes and years loaded."""
    query = (
        select(Enrolment)
        .join(SchoolYear, SchoolYear.id == Enrolment.school_year_id)
        .where(Enrolment.student_id == student.id)
        .options(selectinload(Enrolment.school_class).selectinload(SchoolClass.school_year))
        .order_by(SchoolYear.starts_on.desc())
    )
    return list(db.session.scalars(query))


def enrolments_in_year(student_ids: Iterable[int], year: SchoolYear | None) -> dict[int, Enrolment]:
    """Each student's enrolment (with its class) in `year`."""
    ids = list(student_ids)
    if year is None or not ids:
        return {}
    query = (
        select(Enrolment)
        .where(Enrolment.student_id.in_(ids), Enrolment.school_year_id == year.id)
        .options(selectinload(Enrolment.school_class))
    )
    return {e.student_id: e for e in db.session.scalars(query)}


@dataclass(frozen=True)
class SearchPage:
    """One page of a student search."""

    students: list[Student]
    page: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.page * PAGE_SIZE < self.total


def search_students(viewer: Viewer, text: str, page: int) -> SearchPage:
    """The visible students whose name (ignoring accents) or national id matches `text`; all if empty.

    Names are compared in Python on their folded form: a school has a few thousand students at most,
    and neither SQLite nor PostgreSQL without the unaccent extension folds Vietnamese accents.
    """
    rows = db.session.execute(
        select(Student.id, Student.full_name, Student.national_id).where(Student.id.in_(visible_student_ids(viewer)))
    ).tuples()
    text = text.strip()
    found = [(name_order(name), sid) for sid, name, nid in rows if not text or matches_search(text, name, nid)]
    found.sort()
    page_ids = [sid for _key, sid in found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]
    by_id = {s.id: s for s in db.session.scalars(select(Student).where(Student.id.in_(page_ids)))}
    return SearchPage([by_id[sid] for sid in page_ids], page, len(found))
