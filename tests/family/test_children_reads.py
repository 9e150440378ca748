"""How the family's children are read: one statement per school, the latest class, active schools only."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import NotFound

from contactbook.extensions import db
from contactbook.family.children import child_or_404, children_of
from contactbook.family.session import SignedInFamily, members_of
from contactbook.models import Enrolment, EnrolmentStatus, SchoolStatus
from tests.factories import World
from tests.family.support import family_for, sign_in_family
from tests.roster.factories import make_class, make_class_world, make_guardian, make_student, make_year
from tests.support import sql_statements

PHONE = "+84912345678"


def _family(phone: str = PHONE) -> SignedInFamily:
    family = family_for(phone)
    return SignedInFamily(family.id, family.phone, None, members_of(family))


def test_the_home_page_reads_each_school_in_one_statement(app: Flask, client: FlaskClient, world: World) -> None:
    alpha, beta = make_class_world(world.a), make_class_world(world.b)
    make_guardian(world.b, [beta.student], "Trần Thị Bình (beta)", phone=PHONE)
    sibling = make_student(world.a, alpha.school_class, "Nguyễn Thị Em", "790100000002")
    make_guardian(world.a, [sibling], "Nguyễn Văn Bố", relation="father", phone=PHONE)
    sign_in_family(app, client, phone=PHONE)
    with sql_statements(app) as statements:
        page = client.get("/family/").get_data(as_text=True)

    reads = [s for s in statements if s.startswith("SELECT") and "set_config" not in s]
    assert len(reads) == 2, reads  # two schools, one statement each, however many children and guardians
    assert page.count("Nguyễn Văn An") == 2 and "Nguyễn Thị Em" in page


def test_the_class_shown_is_the_latest_years(app: Flask, world: World) -> None:
    alpha = make_class_world(world.a)
    earlier = make_class(world.a, make_year(world.a, 2024), "5A3", grade=5)
    db.session.add(
        Enrolment(
            school_id=world.a.school.id,
            student_id=alpha.student.id,
            school_year_id=earlier.school_year_id,
            class_id=earlier.id,
            status=EnrolmentStatus.ACTIVE,
        )
    )
    db.session.commit()
    make_guardian(world.a, [alpha.student], "Nguyễn Văn Bố", relation="father", phone=PHONE)

    (group,) = children_of(_family())

    assert [(c.full_name, c.class_name) for c in group.children] == [("Nguyễn Văn An", "6A1")]
    assert group.children[0].date_of_birth == date(2014, 3, 9)


def test_a_suspended_school_shows_no_child(app: Flask, world: World) -> None:
    alpha, beta = make_class_world(world.a), make_class_world(world.b)
    make_guardian(world.a, [alpha.student], "Mẹ", phone=PHONE)
    make_guardian(world.b, [beta.student], "Mẹ", phone=PHONE)
    world.b.school.status = SchoolStatus.SUSPENDED
    db.session.commit()

    groups = children_of(_family())

    assert [group.school_id for group in groups] == [world.a.school.id]


def test_child_or_404_finds_only_the_familys_own_children(app: Flask, world: World) -> None:
    alpha = make_class_world(world.a)
    make_guardian(world.a, [alpha.student], "Mẹ", phone=PHONE)
    other = make_student(world.a, alpha.school_class, "Lê Thị Khác", "790100000099")
    make_guardian(world.a, [other], "Người khác", phone="+84987654321")
    family = _family()

    child = child_or_404(family, alpha.student.id)

    assert (child.student_id, child.school_id, child.class_name) == (alpha.student.id, world.a.school.id, "6A1")
    assert len(child.guardian_ids) == 2  # make_class_world's mother has the same number
    for student_id in (other.id, 0, 2**31):
        with pytest.raises(NotFound):
            child_or_404(family, student_id)
