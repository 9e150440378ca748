"""The pages: a family asks and downloads in its portal; the school lists requests with their deadline and
answers them; staff without `data_requests.manage` are refused."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.models import DataRequest, DataRequestKind, DataRequestStatus, Guardian, School
from tests.data_requests.factories import family_of, make_request
from tests.data_requests.support import FATHER_PHONE, MOTHER_PHONE, DataWorld, make_data_world
from tests.factories import World, login, post
from tests.family.support import sign_in_family
from tests.support import browser, change_grant, main_text, page


@pytest.fixture
def dw(world: World) -> DataWorld:
    return make_data_world(world)


def staff(app: Flask, username: str, slug: str = "alpha") -> FlaskClient:
    client = browser(app)
    assert login(client, username, slug).status_code == 302
    return client


def family(app: Flask, phone: str = MOTHER_PHONE) -> FlaskClient:
    client = browser(app)
    sign_in_family(app, client, phone=phone)
    return client


def world_names(dw: DataWorld) -> tuple[str, str]:
    """The names of school alpha and school beta."""
    beta = db.session.get_one(School, dw.beta.guardian.school_id)
    return dw.alpha.people.school.name, beta.name


def requests_of(phone: str, kind: DataRequestKind) -> list[DataRequest]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(DataRequest).where(DataRequest.family_id == family_of(phone).id, DataRequest.kind == kind)
        )
    )


# --- The school's side ---------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["teacher", "homeroom", "accountant", "norole"])
def test_staff_without_the_permission_are_refused(app: Flask, dw: DataWorld, username: str) -> None:
    client = staff(app, username)
    [request] = requests_of(MOTHER_PHONE, DataRequestKind.COPY)

    assert client.get("/s/alpha/data-requests/").status_code == 403
    assert client.get(f"/s/alpha/data-requests/{request.id}").status_code == 403
    assert post(client, f"/s/alpha/data-requests/{request.id}", {"note": ""}).status_code == 403
    assert requests_of(MOTHER_PHONE, DataRequestKind.COPY)[0].status == DataRequestStatus.PENDING


@pytest.mark.parametrize("username", ["admin", "principal"])
def test_the_admin_and_the_principal_see_the_requests_with_their_deadline(
    app: Flask, dw: DataWorld, username: str
) -> None:
    old = make_request(dw.alpha.father, DataRequestKind.ERASURE, requested_at=datetime.now(UTC) - timedelta(days=9))

    listing = page(staff(app, username).get("/s/alpha/data-requests/"))

    assert "Trần Thị Bình" in listing and "Lê Văn Dũng" in listing
    overdue_row = listing.split(f'data-test="request-{old.id}"')[1].split("</tr>")[0]
    assert 'data-test="overdue"' in overdue_row
    assert listing.count('data-test="overdue"') == 1  # the fresh requests are not overdue
    assert old.due_on.strftime("%d/%m/%Y") in overdue_row


def test_the_school_sees_only_its_own_requests(app: Flask, dw: DataWorld) -> None:
    beta_request = make_request(dw.beta.guardian, DataRequestKind.COPY)
    alpha_admin = staff(app, "admin")

    assert alpha_admin.get(f"/s/alpha/data-requests/{beta_request.id}").status_code == 404
    assert f'data-test="request-{beta_request.id}"' not in page(alpha_admin.get("/s/alpha/data-requests/"))


def test_marking_a_copy_provided_lets_the_family_download_it(app: Flask, dw: DataWorld) -> None:
    [request] = requests_of(MOTHER_PHONE, DataRequestKind.COPY)
    mother = family(app)
    assert mother.get(f"/family/data/requests/{request.id}/copy.zip").status_code == 404  # not provided yet

    answer = post(staff(app, "principal"), f"/s/alpha/data-requests/{request.id}", {"note": "Đã gửi"})

    assert answer.status_code == 302
    assert requests_of(MOTHER_PHONE, DataRequestKind.COPY)[0].status == DataRequestStatus.PROVIDED
    assert "/family/data/requests/" in page(mother.get("/family/data/"))
    download = mother.get(f"/family/data/requests/{request.id}/copy.zip")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    document = json.loads(zipfile.ZipFile(io.BytesIO(download.data)).read("data.json"))
    assert [g["full_name"] for g in document["sections"]["guardians"]] == ["Trần Thị Bình"]
    # Another family never downloads it.
    assert family(app, FATHER_PHONE).get(f"/family/data/requests/{request.id}/copy.zip").status_code == 404


def test_an_erasure_needs_the_tick_and_then_the_family_no_longer_sees_the_child(app: Flask, dw: DataWorld) -> None:
    mother = family(app)
    assert "Nguyễn Văn An" in main_text(mother.get("/family/"))
    assert post(mother, f"/family/data/erase/{dw.alpha.people.school.id}", {}).status_code == 200
    assert requests_of(MOTHER_PHONE, DataRequestKind.ERASURE) == []
    post(mother, f"/family/data/erase/{dw.alpha.people.school.id}", {"confirm": "y"})
    [request] = requests_of(MOTHER_PHONE, DataRequestKind.ERASURE)
    admin = staff(app, "admin")

    refused = post(admin, f"/s/alpha/data-requests/{request.id}", {"note": ""})
    assert refused.status_code == 200 and 'class="error"' in page(refused)
    assert requests_of(MOTHER_PHONE, DataRequestKind.ERASURE)[0].status == DataRequestStatus.PENDING
    done = post(admin, f"/s/alpha/data-requests/{request.id}", {"note": "", "confirm": "y"})

    assert done.status_code == 302
    assert requests_of(MOTHER_PHONE, DataRequestKind.ERASURE)[0].status == DataRequestStatus.ERASED
    alpha_name, beta_name = world_names(dw)
    for session in (mother, family(app)):  # the session she had, and a new sign-in: only beta's child is hers
        session.get("/family/data/")  # takes the flashed messages away
        children = main_text(session.get("/family/"))
        assert alpha_name not in children and beta_name in children
        assert children.count("Nguyễn Văn An") == 1


# --- The family's side ---------------------------------------------------------------------------


def test_a_family_asks_each_of_its_schools_and_sees_its_requests(app: Flask, dw: DataWorld) -> None:
    mother = family(app)
    listing = main_text(mother.get("/family/data/"))
    assert all(name in listing for name in world_names(dw))

    post(mother, f"/family/data/copy/{dw.beta.guardian.school_id}")

    [beta_request] = [r for r in requests_of(MOTHER_PHONE, DataRequestKind.COPY) if r.school_id != dw.mother.school_id]
    assert beta_request.guardian_ids == [dw.beta.guardian.id] and beta_request.due_on is not None
    again = post(mother, f"/family/data/copy/{dw.beta.guardian.school_id}")
    assert again.status_code == 302
    assert len(requests_of(MOTHER_PHONE, DataRequestKind.COPY)) == 2  # the second ask of beta was refused


def test_a_family_cannot_ask_a_school_where_it_has_no_record(app: Flask, dw: DataWorld) -> None:
    father = family(app, FATHER_PHONE)
    beta_id = dw.beta.guardian.school_id

    assert post(father, f"/family/data/copy/{beta_id}").status_code == 404
    assert father.get(f"/family/data/erase/{beta_id}").status_code == 404
    assert [r.school_id for r in requests_of(FATHER_PHONE, DataRequestKind.COPY)] == [dw.alpha.people.school.id]


def test_a_record_whose_number_the_school_changed_is_no_longer_asked_for_nor_copied(app: Flask, dw: DataWorld) -> None:
    [request] = requests_of(MOTHER_PHONE, DataRequestKind.COPY)
    post(staff(app, "principal"), f"/s/alpha/data-requests/{request.id}", {"note": "Đã gửi"})
    mother = family(app)
    assert mother.get(f"/family/data/requests/{request.id}/copy.zip").status_code == 200
    for record in (db.session.get_one(Guardian, dw.mother.id), db.session.get_one(Guardian, dw.beta.guardian.id)):
        record.phone = "+84977000222"  # the schools correct the number: these records were never this family's
    db.session.commit()

    post(mother, f"/family/data/copy/{dw.beta.guardian.school_id}")

    assert [r.school_id for r in requests_of(MOTHER_PHONE, DataRequestKind.COPY)] == [dw.mother.school_id]
    assert mother.get(f"/family/data/requests/{request.id}/copy.zip").status_code == 404


def test_the_admin_delegates_the_permission_on_the_staff_page(app: Flask, dw: DataWorld) -> None:
    admin, teacher = staff(app, "admin"), staff(app, "teacher")
    teacher_id = dw.alpha.people.staff["teacher"].id
    staff_page = page(admin.get(f"/s/alpha/staff/{teacher_id}"))
    assert 'value="data_requests.manage"' in staff_page
    assert teacher.get("/s/alpha/data-requests/").status_code == 403

    change_grant(admin, teacher_id, "grant", "permission", "data_requests.manage", "alpha")

    assert teacher.get("/s/alpha/data-requests/").status_code == 200
