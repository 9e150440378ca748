"""The staff's roster pages: classes, a class's students, student search, student and guardian pages.

Alpha has 6A1 (led by "homeroom", taught by "teacher") and 6A2 (led and taught by nobody of those);
a family has a child in each. Beta has its own 6A1. A teacher sees only the classes it teaches or leads,
and everything else answers 404, as an id of another school does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from contactbook.extensions import db
from contactbook.models import Gender, Guardian, SchoolClass, Student
from contactbook.roster.queries import matches_search, name_order
from tests.factories import World, login
from tests.roster.factories import (
    ClassWorld,
    make_class,
    make_class_world,
    make_guardian,
    make_student,
    make_year,
)
from tests.support import browser, main_text, page, translated

A = "/s/alpha"


@dataclass
class Alpha:
    """Alpha's roster for these tests."""

    base: ClassWorld
    other_class: SchoolClass
    other_student: Student
    other_guardian: Guardian
    family: Guardian
    sibling_in_6a1: Student
    sibling_in_6a2: Student
    leaver: Student


@pytest.fixture
def alpha(world: World) -> Alpha:
    people = world.a
    base = make_class_world(people)
    other_class = make_class(people, base.year, "6A2")
    other_student = make_student(people, other_class, "Lê Thị Cúc", "790100000002", gender=Gender.FEMALE)
    other_guardian = make_guardian(people, [other_student], "Lê Văn Dũng", relation="father", phone="+84987654321")
    sibling_a = make_student(people, base.school_class, "Phạm Minh Khoa", "790100000003")
    sibling_b = make_student(people, other_class, "Phạm Minh Hà", "790100000004", gender=Gender.FEMALE)
    family = make_guardian(people, [sibling_a, sibling_b], "Phạm Văn Long", relation="father", phone="+84355555555")
    leaver = make_student(people, base.school_class, "Đỗ Thị Xuân", "790100000005", left=True)
    return Alpha(base, other_class, other_student, other_guardian, family, sibling_a, sibling_b, leaver)


@pytest.fixture
def beta(world: World) -> ClassWorld:
    return make_class_world(world.b)


def signed_in(app: Flask, username: str, slug: str = "alpha") -> FlaskClient:
    client = browser(app)
    assert login(client, username, slug).status_code == 302
    return client


@pytest.fixture
def admin(app: Flask, world: World) -> FlaskClient:
    return signed_in(app, "admin")


@pytest.fixture
def teacher(app: Flask, world: World) -> FlaskClient:
    """Alpha's subject teacher: teaches Toán in 6A1, nothing in 6A2."""
    return signed_in(app, "teacher")


def class_names(response_text: str) -> set[str]:
    return {name for name in ("6A1", "6A2") if f">{name}</a>" in response_text}


# --- Pages render -----------------------------------------------------------------------------------


def test_every_roster_page_renders_for_the_admin(admin: FlaskClient, alpha: Alpha) -> None:
    base = alpha.base
    paths = [
        "/classes/",
        f"/classes/?year={base.year.id}",
        f"/classes/{base.school_class.id}",
        f"/classes/{base.school_class.id}/export.xlsx",
        "/students/",
        "/students/?q=an",
        f"/students/{base.student.id}",
        f"/guardians/{base.guardian.id}",
        "/",
    ]
    for path in paths:
        assert admin.get(A + path).status_code == 200, path


def test_roster_pages_render_before_any_school_year_exists(admin: FlaskClient, world: World) -> None:
    assert admin.get(A + "/classes/").status_code == 200
    assert admin.get(A + "/students/").status_code == 200


def test_dashboard_and_menu_link_the_roster_pages(admin: FlaskClient, teacher: FlaskClient, alpha: Alpha) -> None:
    admin_home = admin.get(A + "/home").get_data(as_text=True)
    teacher_home = teacher.get(A + "/home").get_data(as_text=True)

    for path in ("/classes/", "/students/", "/years/", "/subjects/", "/assignments/"):
        assert f'href="{A}{path}"' in admin_home
    assert f'href="{A}/classes/"' in teacher_home
    assert f'href="{A}/years/"' not in teacher_home


# --- Classes ----------------------------------------------------------------------------------------


def test_class_list_shows_student_counts_and_homeroom_teachers(admin: FlaskClient, alpha: Alpha) -> None:
    text = main_text(admin.get(A + "/classes/"))

    assert "6A1 6 homeroom alpha 2" in text  # An and Khoa; Xuân left
    assert "6A2 6 — 2" in text


def test_class_list_of_another_year(admin: FlaskClient, world: World, alpha: Alpha) -> None:
    older = make_year(world.a, 2024)
    make_class(world.a, older, "9B1", 9)

    current = page(admin.get(A + "/classes/"))
    previous = page(admin.get(f"{A}/classes/?year={older.id}"))

    assert "9B1" not in current and "6A1" in current
    assert "9B1" in previous and "6A1" not in previous


def test_teacher_sees_only_the_classes_it_teaches_or_leads(app: Flask, alpha: Alpha) -> None:
    for username in ("teacher", "homeroom"):
        assert class_names(page(signed_in(app, username).get(A + "/classes/"))) == {"6A1"}, username
    for username in ("principal", "accountant", "admin"):
        assert class_names(page(signed_in(app, username).get(A + "/classes/"))) == {"6A1", "6A2"}, username


def test_class_page_lists_current_students_and_those_who_left_separately(
    app: Flask, admin: FlaskClient, alpha: Alpha
) -> None:
    text = main_text(admin.get(f"{A}/classes/{alpha.base.school_class.id}"))

    current, left = text.split(translated(app, "Students who left the class"))
    assert "Nguyễn Văn An" in current and "Phạm Minh Khoa" in current
    assert "Đỗ Thị Xuân" not in current
    assert f"Đỗ Thị Xuân ({translated(app, 'left')})" in left
    # Class-list order: by given name (An, Khoa).
    assert current.index("Nguyễn Văn An") < current.index("Phạm Minh Khoa")
    assert "Trần Thị Bình" in current and "0912 345 678" in current
    assert "Toán: teacher alpha" in left


def test_class_page_links_students_and_guardians(admin: FlaskClient, alpha: Alpha) -> None:
    html = admin.get(f"{A}/classes/{alpha.base.school_class.id}").get_data(as_text=True)

    assert f'href="{A}/students/{alpha.base.student.id}"' in html
    assert f'href="{A}/guardians/{alpha.base.guardian.id}"' in html
    assert 'href="tel:+84912345678"' in html


def test_teacher_cannot_open_a_class_it_neither_teaches_nor_leads(teacher: FlaskClient, alpha: Alpha) -> None:
    assert teacher.get(f"{A}/classes/{alpha.base.school_class.id}").status_code == 200
    assert teacher.get(f"{A}/classes/{alpha.other_class.id}").status_code == 404
    assert teacher.get(f"{A}/classes/{alpha.other_class.id}/export.xlsx").status_code == 404


def test_homeroom_change_form_is_shown_to_the_admin_only(
    admin: FlaskClient, teacher: FlaskClient, alpha: Alpha
) -> None:
    action = f'action="{A}/classes/{alpha.base.school_class.id}/homeroom"'

    assert action in admin.get(f"{A}/classes/{alpha.base.school_class.id}").get_data(as_text=True)
    assert action not in teacher.get(f"{A}/classes/{alpha.base.school_class.id}").get_data(as_text=True)


# --- Students and guardians -------------------------------------------------------------------------


def test_student_page_shows_classes_and_guardians_with_domestic_phones(
    app: Flask, admin: FlaskClient, alpha: Alpha
) -> None:
    text = main_text(admin.get(f"{A}/students/{alpha.base.student.id}"))

    assert "Nguyễn Văn An" in text
    assert "790100000001" in text
    assert "09/03/2014" in text
    assert f"2025-2026 6A1 {translated(app, 'In class')}" in text
    assert f"{translated(app, 'Mother')} Trần Thị Bình 0912 345 678 binh@example.vn" in text
    assert "+84912345678" not in text


def test_student_who_left_is_marked_on_its_page(app: Flask, admin: FlaskClient, alpha: Alpha) -> None:
    assert f"2025-2026 6A1 {translated(app, 'Left')}" in main_text(admin.get(f"{A}/students/{alpha.leaver.id}"))


def test_teacher_opens_only_students_of_its_classes(teacher: FlaskClient, alpha: Alpha) -> None:
    assert teacher.get(f"{A}/students/{alpha.base.student.id}").status_code == 200
    assert teacher.get(f"{A}/students/{alpha.leaver.id}").status_code == 200
    assert teacher.get(f"{A}/students/{alpha.other_student.id}").status_code == 404
    assert teacher.get(f"{A}/students/{alpha.sibling_in_6a2.id}").status_code == 404


def test_teacher_opens_only_guardians_of_its_students(teacher: FlaskClient, alpha: Alpha) -> None:
    assert teacher.get(f"{A}/guardians/{alpha.base.guardian.id}").status_code == 200
    assert teacher.get(f"{A}/guardians/{alpha.other_guardian.id}").status_code == 404


def test_guardian_page_shows_only_the_children_the_teacher_may_see(
    admin: FlaskClient, teacher: FlaskClient, alpha: Alpha
) -> None:
    url = f"{A}/guardians/{alpha.family.id}"

    for_admin = main_text(admin.get(url))
    for_teacher = main_text(teacher.get(url))

    assert "Phạm Minh Khoa" in for_admin and "Phạm Minh Hà" in for_admin
    assert "Phạm Minh Khoa" in for_teacher and "Phạm Minh Hà" not in for_teacher
    assert "0355 555 555" in for_teacher


def test_homeroom_teacher_sees_the_students_of_the_class_it_leads(app: Flask, alpha: Alpha) -> None:
    client = signed_in(app, "homeroom")

    assert client.get(f"{A}/students/{alpha.sibling_in_6a1.id}").status_code == 200
    assert client.get(f"{A}/students/{alpha.sibling_in_6a2.id}").status_code == 404


def test_names_are_escaped(admin: FlaskClient, world: World, alpha: Alpha) -> None:
    student = make_student(world.a, alpha.base.school_class, "<b>Bold</b> Tên", "790100000099")

    for path in (f"/classes/{alpha.base.school_class.id}", f"/students/{student.id}", "/students/?q=ten"):
        html = admin.get(A + path).get_data(as_text=True)
        assert "<b>Bold</b>" not in html, path
        assert "&lt;b&gt;Bold&lt;/b&gt; Tên" in html, path


# --- Search -----------------------------------------------------------------------------------------


def found(client: FlaskClient, query: str) -> list[str]:
    text = main_text(client.get(A + "/students/", query_string={"q": query}))
    names = ["Nguyễn Văn An", "Lê Thị Cúc", "Phạm Minh Khoa", "Phạm Minh Hà", "Đỗ Thị Xuân"]
    return [name for name in names if name in text]


def test_search_ignores_accents_and_case(admin: FlaskClient, alpha: Alpha) -> None:
    assert found(admin, "nguyen van an") == ["Nguyễn Văn An"]
    assert found(admin, "PHAM MINH") == ["Phạm Minh Khoa", "Phạm Minh Hà"]
    assert found(admin, "do xuan") == ["Đỗ Thị Xuân"]
    assert found(admin, "Cúc") == ["Lê Thị Cúc"]


def test_search_by_national_id(admin: FlaskClient, alpha: Alpha) -> None:
    assert found(admin, "790100000002") == ["Lê Thị Cúc"]
    assert found(admin, "0000004") == ["Phạm Minh Hà"]


def test_search_results_are_limited_to_the_teachers_classes(teacher: FlaskClient, alpha: Alpha) -> None:
    assert found(teacher, "") == ["Nguyễn Văn An", "Phạm Minh Khoa", "Đỗ Thị Xuân"]
    assert found(teacher, "pham") == ["Phạm Minh Khoa"]
    assert found(teacher, "790100000002") == []


def test_search_without_text_lists_students_in_class_list_order(admin: FlaskClient, alpha: Alpha) -> None:
    text = main_text(admin.get(A + "/students/"))

    positions = [text.index(name) for name in ("Nguyễn Văn An", "Lê Thị Cúc", "Phạm Minh Hà", "Phạm Minh Khoa")]
    assert positions == sorted(positions)


def test_search_is_paginated_by_fifty(admin: FlaskClient, world: World, alpha: Alpha) -> None:
    for number in range(55):
        make_student(world.a, alpha.other_class, f"Trương Văn Số {number:02d}", f"7901000010{number:02d}")
    total = int(db.session.scalar(select(func.count(Student.id)).where(Student.school_id == world.a.school.id)) or 0)

    first = admin.get(A + "/students/", query_string={"q": "truong"}).get_data(as_text=True)
    second = admin.get(A + "/students/", query_string={"q": "truong", "page": "2"}).get_data(as_text=True)

    assert len(re.findall(rf'href="{A}/students/\d+"', first)) == 50
    assert second.count("Trương Văn Số") == 5
    assert "page=2" in first and "q=truong" in first
    assert total == 60


def test_search_matching_rules() -> None:
    assert matches_search("ng v an", "Nguyễn Văn An", "790100000001")
    assert not matches_search("an", "Hoàng Văn Bình", "790100000001")  # "an" only inside a word
    assert matches_search("0000001", "Hoàng Văn Bình", "790100000001")
    assert not matches_search("   ", "Hoàng Văn Bình", "790100000001")
    assert name_order("Nguyễn Văn An") < name_order("Lê Thị Bình")


# --- Other schools ----------------------------------------------------------------------------------


def test_ids_of_another_school_answer_404(admin: FlaskClient, alpha: Alpha, beta: ClassWorld) -> None:
    for path in (
        f"/classes/{beta.school_class.id}",
        f"/classes/{beta.school_class.id}/export.xlsx",
        f"/classes/?year={beta.year.id}",
        f"/students/{beta.student.id}",
        f"/guardians/{beta.guardian.id}",
    ):
        assert admin.get(A + path).status_code == 404, path


def test_search_never_finds_another_schools_students(admin: FlaskClient, alpha: Alpha, beta: ClassWorld) -> None:
    text = main_text(admin.get(A + "/students/", query_string={"q": "nguyen van an"}))

    assert text.count("Nguyễn Văn An") == 1
    assert f'href="{A}/students/{beta.student.id}"' not in admin.get(A + "/students/").get_data(as_text=True)
