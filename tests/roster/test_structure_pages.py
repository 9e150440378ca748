"""The school admin's structure pages: school years, classes, homeroom teachers, subjects, teaching assignments."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from contactbook.extensions import db
from contactbook.models import AssessmentKind, SchoolClass, SchoolYear, Subject, TeachingAssignment
from contactbook.roster import services as roster
from contactbook.schools import services as schools
from tests.factories import World, login, post
from tests.roster.factories import ClassWorld, make_class, make_class_world, make_subject, make_year
from tests.support import audit_rows, browser, flashes, follow, page, translated

ADDRESS = "203.0.113.70"
A = "/s/alpha"
GOOD_YEAR = {
    "name": "2026-2027",
    "first_start": "2026-09-05",
    "first_end": "2027-01-15",
    "second_start": "2027-01-18",
    "second_end": "2027-05-31",
}


@pytest.fixture
def admin(app: Flask, world: World) -> FlaskClient:
    """School alpha's admin, logged in from ADDRESS."""
    client = browser(app, ADDRESS)
    assert login(client, "admin", world.a.slug).status_code == 302
    return client


@pytest.fixture
def alpha(world: World) -> ClassWorld:
    return make_class_world(world.a)


@pytest.fixture
def beta(world: World) -> ClassWorld:
    return make_class_world(world.b)


def field_errors(response_page: str) -> list[str]:
    return re.findall(r'<p class="error">(.*?)</p>', response_page)


def count(model: type, **where: object) -> int:
    db.session.expire_all()
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return int(db.session.scalar(query) or 0)


# --- Pages render -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/years/", "/classes/new", "/subjects/", "/assignments/"])
def test_structure_page_renders_for_the_admin(admin: FlaskClient, alpha: ClassWorld, path: str) -> None:
    response = admin.get(A + path)

    assert response.status_code == 200
    assert "<form" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/years/", "/classes/new", "/subjects/", "/assignments/"])
def test_structure_page_renders_before_any_school_year_exists(admin: FlaskClient, path: str) -> None:
    assert admin.get(A + path).status_code == 200


@pytest.mark.parametrize("path", ["/years/", "/classes/new", "/subjects/", "/assignments/"])
def test_teacher_cannot_open_structure_pages(app: Flask, world: World, path: str) -> None:
    client = browser(app)
    login(client, "teacher", world.a.slug)

    assert client.get(A + path).status_code == 403


# --- School years -----------------------------------------------------------------------------------


def test_admin_creates_a_school_year_with_its_semesters_and_it_is_audited(
    app: Flask, admin: FlaskClient, world: World
) -> None:
    response = post(admin, A + "/years/", GOOD_YEAR)

    assert flashes(follow(admin, response)) == [translated(app, "School year %(name)s created.", name="2026-2027")]
    db.session.expire_all()
    year = db.session.scalar(select(SchoolYear).where(SchoolYear.school_id == world.a.school.id))
    assert year is not None
    assert (year.name, year.starts_on, year.ends_on) == ("2026-2027", date(2026, 9, 5), date(2027, 5, 31))
    assert [(s.number, s.starts_on, s.ends_on) for s in year.semesters] == [
        (1, date(2026, 9, 5), date(2027, 1, 15)),
        (2, date(2027, 1, 18), date(2027, 5, 31)),
    ]
    [row] = audit_rows("year.created")
    assert (row.actor_id, row.school_id, row.target_id, row.ip_address) == (
        world.a.admin.id,
        world.a.school.id,
        year.id,
        ADDRESS,
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("2026", "Write the school year as two years, for example 2025-2026."),
        ("26-27", "Write the school year as two years, for example 2025-2026."),
        ("2026/2027", "Write the school year as two years, for example 2025-2026."),
        ("2026-2028", "The second year must follow the first, for example 2025-2026."),
        ("2027-2026", "The second year must follow the first, for example 2025-2026."),
    ],
)
def test_bad_school_year_name_is_explained_and_nothing_is_created(
    app: Flask, admin: FlaskClient, world: World, name: str, message: str
) -> None:
    response = post(admin, A + "/years/", {**GOOD_YEAR, "name": name})

    assert response.status_code == 200
    assert translated(app, message) in field_errors(page(response))
    assert count(SchoolYear, school_id=world.a.school.id) == 0
    assert audit_rows("year.created") == []


@pytest.mark.parametrize(
    ("dates", "message", "variables"),
    [
        ({"first_end": "2026-09-01"}, "Semester I must end after it starts.", {}),
        ({"second_start": "2027-01-10"}, "Semester II must start after semester I ends.", {}),
        ({"second_end": "2027-01-18"}, "Semester II must end after it starts.", {}),
        ({"first_start": "2025-09-05"}, "Semester I must start in %(year)s.", {"year": 2026}),
        ({"second_end": "2028-05-31"}, "Semester II must end in %(year)s.", {"year": 2027}),
        ({"first_start": "31/02/2026"}, "Not a valid date value.", {}),
        ({"second_end": ""}, "This field is required.", {}),
    ],
    ids=[
        "I-ends-before-it-starts",
        "overlap",
        "II-ends-when-it-starts",
        "I-wrong-year",
        "II-wrong-year",
        "bad",
        "empty",
    ],
)
def test_bad_semester_dates_are_explained_and_nothing_is_created(
    app: Flask, admin: FlaskClient, world: World, dates: dict[str, str], message: str, variables: dict[str, int]
) -> None:
    response = post(admin, A + "/years/", {**GOOD_YEAR, **dates})

    assert response.status_code == 200
    errors = field_errors(page(response))
    assert any(translated(app, message, **variables) in error for error in errors), errors
    assert count(SchoolYear, school_id=world.a.school.id) == 0


def test_dates_may_be_typed_day_first(admin: FlaskClient, world: World) -> None:
    post(admin, A + "/years/", {**GOOD_YEAR, "first_start": "05/09/2026", "second_end": "31/05/2027"})

    db.session.expire_all()
    year = db.session.scalar(select(SchoolYear).where(SchoolYear.school_id == world.a.school.id))
    assert year is not None
    assert (year.starts_on, year.ends_on) == (date(2026, 9, 5), date(2027, 5, 31))


def test_duplicate_school_year_is_refused(app: Flask, admin: FlaskClient, world: World) -> None:
    make_year(world.a, 2026)

    response = post(admin, A + "/years/", GOOD_YEAR)

    assert translated(app, "This school year already exists.") in field_errors(page(response))
    assert count(SchoolYear, school_id=world.a.school.id) == 1


def test_years_page_lists_the_years_of_this_school_only(admin: FlaskClient, world: World) -> None:
    make_year(world.a, 2025)
    make_year(world.b, 2024)

    text = page(admin.get(A + "/years/"))

    assert "2025-2026" in text
    assert "05/09/2025" in text
    assert "2024-2025" not in text


# --- Classes ----------------------------------------------------------------------------------------


def test_admin_creates_a_class_with_its_homeroom_teacher_and_it_is_audited(
    app: Flask, admin: FlaskClient, world: World
) -> None:
    year = make_year(world.a)
    homeroom = world.a.staff["homeroom"]

    response = post(
        admin,
        A + "/classes/new",
        {"school_year_id": str(year.id), "name": " 7a2 ", "grade_level": "7", "homeroom_teacher_id": str(homeroom.id)},
    )

    db.session.expire_all()
    school_class = db.session.scalar(select(SchoolClass).where(SchoolClass.school_year_id == year.id))
    assert school_class is not None
    assert response.headers["Location"] == f"{A}/classes/{school_class.id}"
    assert (school_class.name, school_class.grade_level, school_class.homeroom_teacher_id) == ("7A2", 7, homeroom.id)
    assert flashes(follow(admin, response)) == [translated(app, "Class %(name)s created.", name="7A2")]
    [row] = audit_rows("class.created")
    assert (row.actor_id, row.school_id, row.target_id, row.ip_address) == (
        world.a.admin.id,
        world.a.school.id,
        school_class.id,
        ADDRESS,
    )


def test_class_can_be_created_without_homeroom_teacher(admin: FlaskClient, world: World) -> None:
    year = make_year(world.a)

    post(
        admin,
        A + "/classes/new",
        {"school_year_id": str(year.id), "name": "6A3", "grade_level": "6", "homeroom_teacher_id": "0"},
    )

    db.session.expire_all()
    school_class = db.session.scalar(select(SchoolClass).where(SchoolClass.name == "6A3"))
    assert school_class is not None and school_class.homeroom_teacher_id is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "6a1"}, "This class already exists in the school year."),
        ({"name": "6 A1"}, "This class already exists in the school year."),
        ({"name": ""}, "This field is required."),
        ({"name": "=6A9"}, "Letters and digits, for example 6A1."),
        ({"grade_level": "0"}, "A grade from 1 to 12."),
        ({"grade_level": "13"}, "A grade from 1 to 12."),
        ({"grade_level": "six"}, "Not a valid integer value."),
    ],
    ids=["duplicate", "duplicate-spaced", "no-name", "formula", "grade-0", "grade-13", "grade-text"],
)
def test_bad_class_is_explained_and_nothing_is_created(
    app: Flask, admin: FlaskClient, world: World, fields: dict[str, str], message: str
) -> None:
    year = make_year(world.a)
    make_class(world.a, year, "6A1")
    before = count(SchoolClass, school_year_id=year.id)
    form = {"school_year_id": str(year.id), "name": "6A9", "grade_level": "6", "homeroom_teacher_id": "0"}

    response = post(admin, A + "/classes/new", {**form, **fields})

    assert response.status_code == 200
    assert translated(app, message) in field_errors(page(response))
    assert count(SchoolClass, school_year_id=year.id) == before
    assert len(audit_rows("class.created")) == before


def test_homeroom_teacher_is_chosen_among_the_schools_active_staff(admin: FlaskClient, world: World) -> None:
    year = make_year(world.a)
    world.a.staff["norole"].active = False
    db.session.commit()

    form = page(admin.get(A + "/classes/new"))
    refused = post(
        admin,
        A + "/classes/new",
        {
            "school_year_id": str(year.id),
            "name": "6A5",
            "grade_level": "6",
            "homeroom_teacher_id": str(world.b.staff["homeroom"].id),
        },
    )

    assert "homeroom alpha" in form
    assert "norole alpha" not in form
    assert "homeroom beta" not in form
    assert refused.status_code == 200
    assert count(SchoolClass, school_year_id=year.id) == 0


def test_class_cannot_be_created_in_another_schools_year(admin: FlaskClient, world: World) -> None:
    make_year(world.a)
    other = make_year(world.b)

    post(
        admin,
        A + "/classes/new",
        {"school_year_id": str(other.id), "name": "6A5", "grade_level": "6", "homeroom_teacher_id": "0"},
    )

    assert count(SchoolClass, school_year_id=other.id) == 0


def test_admin_changes_the_homeroom_teacher_and_it_is_audited(
    app: Flask, admin: FlaskClient, world: World, alpha: ClassWorld
) -> None:
    teacher = world.a.staff["teacher"]

    response = post(admin, f"{A}/classes/{alpha.school_class.id}/homeroom", {"teacher_id": str(teacher.id)})

    assert flashes(follow(admin, response)) == [translated(app, "Saved.")]
    db.session.expire_all()
    assert db.session.get(SchoolClass, alpha.school_class.id).homeroom_teacher_id == teacher.id  # type: ignore[union-attr]
    row = audit_rows("class.homeroom")[-1]
    assert (row.actor_id, row.target_id, row.details) == (
        world.a.admin.id,
        alpha.school_class.id,
        {"teacher_id": teacher.id},
    )


def test_admin_removes_the_homeroom_teacher(admin: FlaskClient, alpha: ClassWorld) -> None:
    post(admin, f"{A}/classes/{alpha.school_class.id}/homeroom", {"teacher_id": "0"})

    db.session.expire_all()
    assert db.session.get(SchoolClass, alpha.school_class.id).homeroom_teacher_id is None  # type: ignore[union-attr]


def test_homeroom_of_another_schools_class_answers_404(
    admin: FlaskClient, world: World, alpha: ClassWorld, beta: ClassWorld
) -> None:
    response = post(admin, f"{A}/classes/{beta.school_class.id}/homeroom", {"teacher_id": "0"})

    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(SchoolClass, beta.school_class.id).homeroom_teacher_id == world.b.staff["homeroom"].id  # type: ignore[union-attr]


def test_another_schools_staff_cannot_become_homeroom_teacher(
    admin: FlaskClient, world: World, alpha: ClassWorld
) -> None:
    response = post(
        admin, f"{A}/classes/{alpha.school_class.id}/homeroom", {"teacher_id": str(world.b.staff["teacher"].id)}
    )

    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(SchoolClass, alpha.school_class.id).homeroom_teacher_id == world.a.staff["homeroom"].id  # type: ignore[union-attr]


# --- Subjects ---------------------------------------------------------------------------------------


def test_admin_creates_a_subject_and_it_is_audited(app: Flask, admin: FlaskClient, world: World) -> None:
    response = post(
        admin, A + "/subjects/", {"name": "  Ngữ   văn ", "periods_per_year": "140", "assessment_kind": "scored"}
    )

    assert flashes(follow(admin, response)) == [translated(app, "Subject %(name)s created.", name="Ngữ văn")]
    db.session.expire_all()
    subject = db.session.scalar(select(Subject).where(Subject.school_id == world.a.school.id))
    assert subject is not None
    assert (subject.name, subject.periods_per_year, subject.assessment_kind) == ("Ngữ văn", 140, AssessmentKind.SCORED)
    [row] = audit_rows("subject.created")
    assert (row.actor_id, row.school_id, row.target_id, row.ip_address) == (
        world.a.admin.id,
        world.a.school.id,
        subject.id,
        ADDRESS,
    )
    assert "Ngữ văn" in page(admin.get(A + "/subjects/"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"periods_per_year": "0"}, "From 1 to 500 periods."),
        ({"periods_per_year": "501"}, "From 1 to 500 periods."),
        ({"periods_per_year": ""}, "This field is required."),
        ({"assessment_kind": "stars"}, "Not a valid choice."),
        ({"name": "Toán"}, "This subject already exists."),
        ({"name": " "}, "This field is required."),
    ],
    ids=["periods-0", "periods-501", "no-periods", "bad-kind", "duplicate", "no-name"],
)
def test_bad_subject_is_explained_and_nothing_is_created(
    app: Flask, admin: FlaskClient, world: World, fields: dict[str, str], message: str
) -> None:
    make_subject(world.a, "Toán")
    form = {"name": "Tin học", "periods_per_year": "35", "assessment_kind": "comment"}

    response = post(admin, A + "/subjects/", {**form, **fields})

    assert response.status_code == 200
    assert translated(app, message) in field_errors(page(response))
    assert count(Subject, school_id=world.a.school.id) == 1


# --- Teaching assignments ---------------------------------------------------------------------------


def test_admin_assigns_a_teacher_and_it_is_audited(
    app: Flask, admin: FlaskClient, world: World, alpha: ClassWorld
) -> None:
    teacher = world.a.staff["principal"]
    form = {"teacher_id": str(teacher.id), "subject_id": str(alpha.subject.id), "class_id": str(alpha.school_class.id)}

    response = post(admin, A + "/assignments/", form)

    assert flashes(follow(admin, response)) == [translated(app, "Teaching assignment saved.")]
    db.session.expire_all()
    assignment = db.session.scalar(select(TeachingAssignment).where(TeachingAssignment.teacher_id == teacher.id))
    assert assignment is not None
    assert (assignment.subject_id, assignment.class_id) == (alpha.subject.id, alpha.school_class.id)
    row = audit_rows("assignment.created")[-1]
    assert (row.actor_id, row.target_id, row.ip_address) == (world.a.admin.id, assignment.id, ADDRESS)
    listing = page(admin.get(A + "/assignments/"))
    assert "principal alpha" in listing and "teacher alpha" in listing


def test_duplicate_assignment_is_refused(app: Flask, admin: FlaskClient, world: World, alpha: ClassWorld) -> None:
    form = {
        "teacher_id": str(world.a.staff["teacher"].id),
        "subject_id": str(alpha.subject.id),
        "class_id": str(alpha.school_class.id),
    }

    response = post(admin, A + "/assignments/", form)

    assert response.status_code == 200
    assert translated(app, "This teaching assignment already exists.") in page(response)
    assert count(TeachingAssignment, class_id=alpha.school_class.id) == 1


def test_assignment_offers_only_the_classes_of_the_current_year(
    admin: FlaskClient, world: World, alpha: ClassWorld
) -> None:
    older = make_year(world.a, 2024)
    old_class = make_class(world.a, older, "9Z9", 9)

    form = page(admin.get(A + "/assignments/"))
    response = post(
        admin,
        A + "/assignments/",
        {
            "teacher_id": str(world.a.staff["teacher"].id),
            "subject_id": str(alpha.subject.id),
            "class_id": str(old_class.id),
        },
    )

    assert "6A1" in form and "9Z9" not in form
    assert response.status_code == 200
    assert count(TeachingAssignment, class_id=old_class.id) == 0


def test_assignment_with_another_schools_objects_is_refused(
    admin: FlaskClient, world: World, alpha: ClassWorld, beta: ClassWorld
) -> None:
    mixes = [
        (world.b.staff["teacher"].id, alpha.subject.id, alpha.school_class.id),
        (world.a.staff["teacher"].id, beta.subject.id, alpha.school_class.id),
        (world.a.staff["principal"].id, alpha.subject.id, beta.school_class.id),
    ]
    for teacher_id, subject_id, class_id in mixes:
        form = {"teacher_id": str(teacher_id), "subject_id": str(subject_id), "class_id": str(class_id)}
        assert post(admin, A + "/assignments/", form).status_code == 200

    assert count(TeachingAssignment, school_id=world.a.school.id) == 1


def test_admin_removes_an_assignment_and_it_is_audited(
    app: Flask, admin: FlaskClient, world: World, alpha: ClassWorld
) -> None:
    assignment_id = alpha.assignment.id

    response = post(admin, f"{A}/assignments/{assignment_id}/delete")

    assert flashes(follow(admin, response)) == [translated(app, "Teaching assignment removed.")]
    assert count(TeachingAssignment, id=assignment_id) == 0
    [row] = audit_rows("assignment.removed")
    assert (row.actor_id, row.school_id, row.target_id) == (world.a.admin.id, world.a.school.id, assignment_id)


def test_removing_another_schools_assignment_answers_404(
    admin: FlaskClient, alpha: ClassWorld, beta: ClassWorld
) -> None:
    assert post(admin, f"{A}/assignments/{beta.assignment.id}/delete").status_code == 404
    assert count(TeachingAssignment, id=beta.assignment.id) == 1


def test_removing_an_assignment_needs_the_csrf_token(admin: FlaskClient, alpha: ClassWorld) -> None:
    assert admin.post(f"{A}/assignments/{alpha.assignment.id}/delete").status_code == 400
    assert count(TeachingAssignment, id=alpha.assignment.id) == 1


# --- The structure's rules hold in the services, as the CLI and the portal call them ---------------------


def test_the_services_refuse_another_schools_year_class_subject_or_assignment(world: World, alpha: ClassWorld) -> None:
    beta = make_class_world(world.b)
    school, admin, teacher = world.a.school, world.a.admin, world.a.staff["teacher"]
    refusals = [
        lambda: roster.create_class(school, admin, year=beta.year, name="9Z9", grade_level=9, homeroom_teacher=None),
        lambda: roster.set_homeroom_teacher(school, admin, beta.school_class, None),
        lambda: roster.assign_teacher(
            school, admin, teacher=teacher, subject=beta.subject, school_class=alpha.school_class
        ),
        lambda: roster.assign_teacher(
            school, admin, teacher=teacher, subject=alpha.subject, school_class=beta.school_class
        ),
        lambda: roster.remove_assignment(school, admin, beta.assignment),
    ]
    for refusal in refusals:
        with pytest.raises(roster.RosterError, match="another school"):
            refusal()
    db.session.rollback()
    assert db.session.scalar(select(func.count(SchoolClass.id)).where(SchoolClass.name == "9Z9")) == 0
    assert db.session.get(TeachingAssignment, beta.assignment.id) is not None


def test_only_an_active_staff_member_of_the_school_teaches_or_leads_a_class(world: World, alpha: ClassWorld) -> None:
    school, admin = world.a.school, world.a.admin
    gone = world.a.staff["norole"]
    schools.set_active(school, admin, gone, False)
    strangers = [gone, world.b.staff["teacher"]]
    for teacher in strangers:
        with pytest.raises(roster.RosterError, match="active staff member"):
            roster.set_homeroom_teacher(school, admin, alpha.school_class, teacher)
        with pytest.raises(roster.RosterError, match="active staff member"):
            roster.assign_teacher(
                school, admin, teacher=teacher, subject=alpha.subject, school_class=alpha.school_class
            )
        with pytest.raises(roster.RosterError, match="active staff member"):
            roster.create_class(school, admin, year=alpha.year, name="6A9", grade_level=6, homeroom_teacher=teacher)
    db.session.rollback()
    assert alpha.school_class.homeroom_teacher_id == world.a.staff["homeroom"].id
    assert (
        db.session.scalar(select(func.count(TeachingAssignment.id)).where(TeachingAssignment.school_id == school.id))
        == 1
    )
