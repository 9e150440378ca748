"""The demo's grade book: every subject of every demo class has a teacher, class 6A1 has its semester I
complete (every subject's scores or assessment, and conduct), so its class summary shows real results, and
"giaovien" has a grid of Toán begun in 6A2 (regular and midterm scores, unpublished) to finish and publish.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from sqlalchemy import select

from contactbook.auth.rules import Role
from contactbook.extensions import db
from contactbook.grading import services as grading
from contactbook.grading.grid import PASS, SCORE, field_names
from contactbook.models import School, SchoolClass, Score, Semester, Subject, TeachingAssignment, User
from contactbook.roster import services as roster
from contactbook.roster.queries import class_students
from contactbook.schools import services as staff

# The secondary school's subject teachers besides "giaovien" (Toán) and "gvcn", who teaches the subjects
# not listed here. They log in with the demo password; `flask demo seed` does not print them.
SUBJECT_TEACHERS: Mapping[str, tuple[str, str]] = {
    "Toán": ("giaovien", "Lê Thị Lan"),
    "Ngữ văn": ("gv.van", "Đặng Thu Hà"),
    "Tiếng Anh": ("gv.anh", "Hồ Minh Thư"),
    "Khoa học tự nhiên": ("gv.khtn", "Bùi Văn Tài"),
    "Lịch sử và Địa lí": ("gv.su", "Ngô Thị Mai"),
    "Tin học": ("gv.tin", "Dương Quốc Việt"),
    "Công nghệ": ("gv.tin", "Dương Quốc Việt"),
}
HOMEROOM, TEACHER = "gvcn", "giaovien"
SHOWCASE, BEGUN = 0, 1  # by class order: the homeroom class complete, the next one's Toán begun


def _user(school: School, username: str) -> User | None:
    return db.session.scalar(select(User).where(User.school_id == school.id, User.username == username))


def staff_member(school: School, username: str, full_name: str, role: Role, password: str) -> User:
    """A staff account created and given `role` by the school's admin, as the staff pages do."""
    admin = _user(school, "admin")
    assert admin is not None
    user = staff.create_staff(school, admin, username=username, full_name=full_name, password=password, email=None)
    staff.grant(school, admin, staff.held_permissions(admin), user, "role", role)
    return user


def _teacher(school: School, username: str, full_name: str, password: str) -> User:
    return _user(school, username) or staff_member(school, username, full_name, Role.TEACHER, password)


def assign_every_subject(
    school: School, classes: Sequence[SchoolClass], subjects: Sequence[Subject], *, primary: bool, password: str
) -> None:
    """Every subject of every class taught: in primary by the homeroom teacher in the class they lead and by
    "giaovien" elsewhere; in secondary by its subject teacher (`SUBJECT_TEACHERS`), else by "gvcn"."""
    admin, homeroom, teacher = _user(school, "admin"), _user(school, HOMEROOM), _user(school, TEACHER)
    assert admin is not None and homeroom is not None and teacher is not None
    taught = set(
        db.session.execute(
            select(TeachingAssignment.class_id, TeachingAssignment.subject_id).where(
                TeachingAssignment.school_id == school.id
            )
        ).tuples()
    )
    for school_class in classes:
        for subject in subjects:
            if (school_class.id, subject.id) in taught:
                continue
            if primary:
                who = homeroom if school_class.homeroom_teacher_id == homeroom.id else teacher
            elif subject.name in SUBJECT_TEACHERS:
                who = _teacher(school, *SUBJECT_TEACHERS[subject.name], password)
            else:
                who = homeroom
            roster.assign_teacher(school, admin, teacher=who, subject=subject, school_class=school_class)


def _score(rng: random.Random, ability: float) -> str:
    """A score around the student's `ability`, in halves, as a teacher types it ("7,5")."""
    value = min(10.0, max(2.0, round(rng.gauss(ability, 1.0) * 2) / 2))
    return f"{value:.1f}".replace(".", ",").removesuffix(",0")


def seed_grades(school: School, classes: Sequence[SchoolClass]) -> None:
    """The showcase class's semester I complete and the begun grid (once: nothing if the school has scores)."""
    if len(classes) <= BEGUN or db.session.scalar(select(Score.id).where(Score.school_id == school.id).limit(1)):
        return
    showcase, begun = classes[SHOWCASE], classes[BEGUN]
    semester = db.session.scalar(
        select(Semester).where(Semester.school_year_id == showcase.school_year_id, Semester.number == 1)
    )
    assert semester is not None
    rng = random.Random(school.id)  # noqa: S311 (demo data)
    students = class_students(showcase)
    ability = {student.id: rng.uniform(5.0, 9.3) for student in students}
    for assignment in _assignments(showcase):
        grid = grading.load_grid(showcase, assignment.subject, semester)
        form: dict[str, str] = {}
        for student in grid.students:
            for column in grid.columns:
                names = field_names(student.id, column)
                if column.kind == SCORE:
                    form[names["value"]] = _score(rng, ability[student.id])
                elif column.kind == PASS:
                    form[names["level"]] = "dat" if rng.random() < 0.97 else "chua_dat"
        grading.save_grid(school, assignment.teacher, grid, form)
    conduct = {}
    for student in students:
        fields = grading.term_fields(student.id, 1)
        conduct[fields["conduct"]] = "tot" if ability[student.id] > 6.5 or rng.random() < 0.5 else "kha"
    homeroom = _user(school, HOMEROOM)
    assert homeroom is not None and showcase.homeroom_teacher_id == homeroom.id
    grading.save_term_records(school, homeroom, showcase, conduct)

    maths = next((a for a in _assignments(begun) if a.teacher.username == TEACHER), None)
    if maths is not None:
        grid = grading.load_grid(begun, maths.subject, semester)
        form = {
            field_names(student.id, column)["value"]: _score(rng, 7.0)
            for student in grid.students
            for column in grid.columns
            if column.key != "ck"
        }
        grading.save_grid(school, maths.teacher, grid, form)


def _assignments(school_class: SchoolClass) -> list[TeachingAssignment]:
    return list(
        db.session.scalars(
            select(TeachingAssignment)
            .where(TeachingAssignment.class_id == school_class.id)
            .order_by(TeachingAssignment.id)
        )
    )
