"""`flask demo seed`: the demo world, created once; running it again changes nothing."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import func, select

from contactbook.demo.families import DEMO_FAMILIES
from contactbook.demo.seed import DEMO_PASSWORD, DEMO_SCHOOLS, demo_logins, seed
from contactbook.extensions import db
from contactbook.grading import summary
from contactbook.models import (
    AuditLog,
    Authority,
    Grant,
    Guardian,
    RegistrationCampaign,
    School,
    SchoolClass,
    SchoolRegistration,
    Score,
    Student,
    StudentGuardian,
    Subject,
    TeachingAssignment,
    User,
)
from contactbook.tenancy import delivery_scope
from contactbook.timezones import school_today
from tests.factories import login
from tests.family.sign_in_support import ask_code, last_code, send_code
from tests.oversight.test_aggregate_only import answer_text, authority_pages, spellings
from tests.support import browser, main_text


def _counts() -> dict[str, int]:
    return {
        model.__name__: int(db.session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (Authority, School, User, Grant, AuditLog, Score)
    }


def test_seed_creates_two_schools_with_every_role(ctx: None) -> None:
    seed()
    levels = {s.slug: s.level.value for s in db.session.scalars(select(School))}
    assert levels == {"thcs-nguyen-du": "lower_secondary", "th-le-ngoc-han": "primary", "mn-hoa-sen": "preschool"}
    roles = set(db.session.scalars(select(Grant.name).where(Grant.kind == "role")))
    assert roles == {"school_admin", "principal", "accountant", "teacher", "homeroom_teacher"}


def demo_class(slug: str, name: str) -> SchoolClass:
    school_class = db.session.scalar(
        select(SchoolClass)
        .join(School, School.id == SchoolClass.school_id)
        .where(School.slug == slug, SchoolClass.name == name)
    )
    assert school_class is not None
    return school_class


def test_every_subject_of_every_demo_class_has_a_teacher(ctx: None) -> None:
    seed()
    for school in db.session.scalars(select(School)):
        subjects = set(db.session.scalars(select(Subject.id).where(Subject.school_id == school.id)))
        for school_class in db.session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id)):
            taught = db.session.scalars(
                select(TeachingAssignment.subject_id).where(TeachingAssignment.class_id == school_class.id)
            )
            assert set(taught) == subjects, f"{school.slug} {school_class.name}"


def test_the_homeroom_class_summary_shows_real_semester_results(ctx: None) -> None:
    seed()
    the_summary = summary.summarise(demo_class("thcs-nguyen-du", "6A1"))

    assert len(the_summary.subjects) == 12 and not the_summary.untaught
    assert len(the_summary.lines) == 30
    results = [line.learning[1] for line in the_summary.lines]
    assert None not in results and len(set(results)) >= 2  # every student has one, and they differ
    assert all(line.conduct[1] is not None for line in the_summary.lines)
    assert all(line.learning[2] is None and line.year_learning is None for line in the_summary.lines)


def test_the_demo_teacher_has_a_grid_of_maths_begun(ctx: None) -> None:
    seed()
    begun = demo_class("thcs-nguyen-du", "6A2")
    scores = db.session.scalars(select(Score).where(Score.class_id == begun.id)).all()
    assert {s.subject.name for s in scores} == {"Toán"}
    assert {s.column for s in scores} == {"tx1", "tx2", "tx3", "tx4", "gk"}  # the final is left to enter
    assert all(s.published_at is None and s.value is not None for s in scores)
    assert db.session.scalar(select(func.count()).select_from(Score).where(Score.published_at.is_not(None))) == 0


def test_seed_twice_changes_nothing(ctx: None) -> None:
    seed()
    before = _counts()
    seed()
    assert _counts() == before


def test_every_printed_demo_login_works(app: Flask, ctx: None) -> None:
    seed()
    for entry in demo_logins():
        slug = entry.where.split("/")[2] if entry.where.startswith("/s/") else None
        response = login(app.test_client(), entry.username, slug, DEMO_PASSWORD)
        assert response.status_code == 302, entry


def test_every_printed_demo_family_signs_in_and_one_has_children_in_both_schools(app: Flask, ctx: None) -> None:
    seed()
    for family in DEMO_FAMILIES:
        client = browser(app)
        ask_code(client, family.shown_phone)
        response = send_code(client, family.phone, last_code(family.phone))
        assert response.status_code == 302, family
        home = main_text(client.get("/family/"))
        for name, slug, _level in DEMO_SCHOOLS:
            assert (name in home) == (slug in family.slugs), (family, name)
    both = next(f for f in DEMO_FAMILIES if len(f.slugs) == 2)
    with delivery_scope():
        children = db.session.scalars(
            select(Student.full_name)
            .join(StudentGuardian, StudentGuardian.student_id == Student.id)
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .where(Guardian.phone == both.phone)
        ).all()
    # Siblings (one family name): one in each demo school, the youngest in the preschool.
    assert len(children) == 3 and len({name.split()[0] for name in children}) == 1


def test_the_demo_preschool_has_daily_notes_the_demo_family_reads(app: Flask, ctx: None) -> None:
    seed()
    family = DEMO_FAMILIES[0]
    client = browser(app)
    ask_code(client, family.shown_phone)
    send_code(client, family.phone, last_code(family.phone))
    with delivery_scope():
        child = db.session.scalar(
            select(Student.id)
            .join(StudentGuardian, StudentGuardian.student_id == Student.id)
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .join(School, School.id == Student.school_id)
            .where(Guardian.phone == family.phone, School.slug == "mn-hoa-sen")
        )
    assert child is not None
    page = main_text(client.get(f"/family/children/{child}/daily-notes"))
    today = school_today()
    year_begun = today >= date(today.year if today.month >= 8 else today.year - 1, 9, 5)
    assert ("Vẽ tranh chủ đề gia đình" in page) == year_begun  # the notes of the year's last two days so far


def test_no_authority_answer_gives_a_demo_students_or_guardians_name_or_number(app: Flask, ctx: None) -> None:
    """As the demo's officer (the Sở, above every demo school): every authority page and export, the campaign's
    pages included, shows figures about the demo's families but never a student's or guardian's name or number."""
    seed()
    with delivery_scope():
        names = set(db.session.scalars(select(Student.full_name))) | set(db.session.scalars(select(Guardian.full_name)))
        phones = {phone for phone in db.session.scalars(select(Guardian.phone)) if phone}
    campaign = db.session.scalars(select(RegistrationCampaign)).one()
    registration = db.session.scalars(select(SchoolRegistration)).one()
    urls = [*authority_pages(app), f"/platform/authority/campaigns/{campaign.id}"]
    urls.append(f"/platform/authority/campaigns/registrations/{registration.id}")
    client = browser(app)
    assert login(client, "canbo.so", None, DEMO_PASSWORD).status_code == 302
    texts = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        texts[url] = answer_text(response)
    assert all(name in texts["/platform/authority/oversight"] for name, _slug, _level in DEMO_SCHOOLS)
    assert len(names) > 400 and len(phones) > 300
    numbers = {spelling for phone in phones for spelling in spellings(phone)}
    for url, text in texts.items():
        assert not [name for name in names if name in text], url
        assert not [number for number in numbers if number in text], url
