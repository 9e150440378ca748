"""The notice pages: the preview with its recipients and cost, sending, progress, and retrying failures.

Alpha has class 6A1 (taught by "teacher", led by "homeroom") with Nguyễn Văn An, whose mother Trần Thị
Bình subscribed to notices by SMS and email, and Lê Văn Cường, whose father Lê Văn Dũng did not
subscribe (he has an email address, so free essential notices reach him by email). Class 7A2 (grade 7),
which no teacher of the world teaches or leads, has Phạm Thị Hoa and her mother. Beta has its own 6A1.
The school's short name is plain ("THCS Alpha") and an SMS segment costs 250 đ.
"""

from __future__ import annotations

import html
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from werkzeug.test import TestResponse

from contactbook.extensions import TaskClient, db, tasks
from contactbook.messaging.text import sms_segments, to_gsm
from contactbook.messaging.vocabulary import FailureKind
from contactbook.models import (
    Message,
    MessageStatus,
    Notice,
    SchoolClass,
    ServiceSettings,
    Student,
)
from contactbook.notices import queries
from contactbook.notices import services as notice_services
from contactbook.notices.services import Audience, create_notice
from tests.factories import SchoolPeople, World, login
from tests.roster.factories import ClassWorld, make_class, make_class_world, make_guardian, make_student
from tests.subscriptions.payment_factories import monthly_plan, service_on, subscribe
from tests.support import audit_rows, browser, follow, page, translated

A = "/s/alpha/notices"
QUIET_HINT = "Other notices wait for the end of the quiet hours (%(start)s to %(end)s)."
PRICE = 250


# --- The world --------------------------------------------------------------------------------------


@dataclass
class Alpha:
    roster: ClassWorld
    unsubscribed: Student
    other_class: SchoolClass
    other_student: Student


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def set_sms(people: SchoolPeople, *, unaccented: bool, price: int = PRICE) -> None:
    """The school's SMS settings (no page changes them yet)."""
    settings = db.session.get(ServiceSettings, people.school.id)
    assert settings is not None
    settings.sms_unaccented, settings.sms_segment_price = unaccented, price
    db.session.commit()


def subscribe_to_notices(people: SchoolPeople, roster: ClassWorld) -> None:
    """The service on, a monthly plan, and the mother's subscription to notices by SMS and email."""
    service_on(people)
    plan = monthly_plan(people)
    purposes = {"notices_sms", "notices_email"}
    subscribe(people, roster.guardian, roster.student, plan, today(), purposes=purposes, email=True, actor=people.admin)


@pytest.fixture
def alpha(world: World) -> Alpha:
    people = world.a
    people.school.name = "THCS Alpha"
    roster = make_class_world(people)
    cuong = make_student(people, roster.school_class, "Lê Văn Cường", "790100000002")
    make_guardian(people, [cuong], "Lê Văn Dũng", relation="father", phone="+84987654321", email="dung@example.vn")
    other_class = make_class(people, roster.year, "7A2", grade=7)
    hoa = make_student(people, other_class, "Phạm Thị Hoa", "790100000003")
    make_guardian(people, [hoa], "Đỗ Thị Lan", email="lan@example.vn")
    subscribe_to_notices(people, roster)
    set_sms(people, unaccented=True)
    return Alpha(roster, cuong, other_class, hoa)


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
    return signed_in(app, "teacher")


# --- Helpers ----------------------------------------------------------------------------------------


def post_form(client: FlaskClient, url: str, data: dict[str, str | list[str]]) -> TestResponse:
    """Submit a form with the session's CSRF token (repeated fields as lists)."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True))
    assert token
    return client.post(url, data={**data, "csrf_token": token.group(1)})


def notice_form(alpha: Alpha, **changes: str | list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "title": "Họp phụ huynh",
        "body": "Mời quý phụ huynh dự họp lúc 8 giờ sáng thứ Bảy tại phòng 12.",
        "category": "general",
        "audience": "classes",
        "classes": [str(alpha.roster.school_class.id)],
    }
    return {**data, **changes}


def shown(response: TestResponse, name: str) -> str:
    """The text of the element marked `data-test=name`."""
    match = re.search(rf'data-test="{name}"[^>]*>(.*?)</', response.get_data(as_text=True), re.DOTALL)
    assert match, f"no {name} on the page"
    return page_text(match.group(1))


def row_text(response: TestResponse, name: str) -> str:
    """The text of the table row marked `data-test=name`."""
    match = re.search(rf'<tr data-test="{name}">(.*?)</tr>', response.get_data(as_text=True), re.DOTALL)
    assert match, f"no row {name} on the page"
    return page_text(match.group(1))


def page_text(html_text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", html_text)).split())


def hidden_inputs(response: TestResponse, button: str) -> dict[str, str | list[str]]:
    """The hidden fields of the form holding the button marked `data-test=button`, as a browser posts them."""
    body = response.get_data(as_text=True)
    form = next(f for f in re.findall(r"<form.*?</form>", body, re.DOTALL) if f'data-test="{button}"' in f)
    fields: dict[str, str | list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form):
        value = html.unescape(value)
        if name in fields:
            previous = fields[name]
            fields[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[name] = [value] if name in ("grades", "classes", "students") else value
    return fields


def count_rows(model: type, **where: object) -> int:
    db.session.expire_all()
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return int(db.session.scalar(query) or 0)


def messages_of(notice_id: int) -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).where(Message.notice_id == notice_id).order_by(Message.id)))


def mothers_and_fathers(notice_id: int, alpha: Alpha) -> tuple[Message, Message, Message]:
    """The messages of a free essential notice to 6A1: the mother's SMS and email, the father's email."""
    by_key = {(m.guardian_id, m.channel): m for m in messages_of(notice_id)}
    assert len(by_key) == 3
    mother = alpha.roster.guardian.id
    father = next(g for g, channel in by_key if g != mother)
    return by_key[(mother, "sms")], by_key[(mother, "email")], by_key[(father, "email")]


def sent_notice(people: SchoolPeople, alpha: Alpha, author_name: str = "admin", category: str = "general") -> Notice:
    author = people.admin if author_name == "admin" else people.staff[author_name]
    return create_notice(
        people.school,
        author,
        title="Nghỉ học",
        body="Trường nghỉ học ngày mai.",
        category=category,
        urgent=False,
        audience=Audience("classes", (alpha.roster.school_class.id,)),
    )


def set_outcome(
    message: Message,
    status: MessageStatus,
    error: str | None = None,
    attempts: int = 1,
    kind: FailureKind | None = None,
) -> None:
    values = {"status": status, "error": error, "attempts": attempts, "failure_kind": kind}
    db.session.execute(update(Message).where(Message.id == message.id).values(**values))
    db.session.commit()


@pytest.fixture
def broker(urls: dict[str, str], alpha: Alpha) -> redis.Redis:
    """The broker, emptied of the nudges the setup made (the welcome SMS of alpha's subscriptions)."""
    client = redis.Redis.from_url(urls["REDIS_URL"])
    client.delete("celery")
    return client


# --- The preview ------------------------------------------------------------------------------------


def test_compose_page_renders(admin: FlaskClient, alpha: Alpha) -> None:
    body = page(admin.get(A + "/new"))

    assert 'type="radio" value="school"' in body
    assert "7A2" in body and "Phạm Thị Hoa" in body


def test_compose_page_states_the_schools_own_quiet_hours(
    app: Flask, admin: FlaskClient, world: World, alpha: Alpha
) -> None:
    settings = db.session.get(ServiceSettings, world.a.school.id)
    assert settings is not None
    settings.quiet_start_hour, settings.quiet_end_hour = 20, 6
    db.session.commit()

    body = page(admin.get(A + "/new"))

    assert html.escape(translated(app, QUIET_HINT, start="20:00", end="06:00")) in body
    assert "21:00" not in body


def test_preview_shows_recipients_per_channel_and_the_cost(admin: FlaskClient, alpha: Alpha) -> None:
    response = post_form(admin, A + "/new", notice_form(alpha))

    assert response.status_code == 200
    assert shown(response, "students") == "2"
    assert shown(response, "recipients-sms") == "1"  # the mother; the father did not subscribe
    assert shown(response, "recipients-email") == "1"
    sms = shown(response, "sms-text")
    assert sms.startswith("THCS Alpha") and "Hop phu huynh" in sms  # the school sends unaccented SMS
    encoding, segments = sms_segments(sms)
    assert shown(response, "encoding") == encoding == "GSM-7"
    assert shown(response, "segments") == str(segments)
    assert shown(response, "total-segments") == str(segments)  # one SMS recipient
    assert shown(response, "cost") == f"{segments * PRICE} đ"
    assert 'data-test="ucs2-warning"' not in response.get_data(as_text=True)
    assert count_rows(Notice) == 0 and count_rows(Message, kind="notice") == 0


def test_preview_of_a_free_essential_counts_the_unsubscribed_familys_email(admin: FlaskClient, alpha: Alpha) -> None:
    response = post_form(admin, A + "/new", notice_form(alpha, category="closure"))

    assert shown(response, "recipients-sms") == "1"
    assert shown(response, "recipients-email") == "2"


def test_preview_warns_when_the_sms_needs_ucs2(app: Flask, admin: FlaskClient, world: World, alpha: Alpha) -> None:
    set_sms(world.a, unaccented=False)

    response = post_form(admin, A + "/new", notice_form(alpha))

    sms = shown(response, "sms-text")
    assert "Họp phụ huynh" in sms
    assert shown(response, "encoding") == "UCS-2"
    assert shown(response, "segments") == str(sms_segments(sms)[1])
    assert shown(response, "cost") == f"{sms_segments(sms)[1] * PRICE} đ"
    assert 'data-test="ucs2-warning"' in response.get_data(as_text=True)


def test_preview_warns_about_more_than_two_segments(admin: FlaskClient, world: World, alpha: Alpha) -> None:
    set_sms(world.a, unaccented=False)

    response = post_form(admin, A + "/new", notice_form(alpha, body="Thông báo " * 20))

    assert int(shown(response, "segments")) > 2
    assert 'data-test="long-warning"' in response.get_data(as_text=True)


def test_unaccented_version_reposts_the_title_and_text_without_accents(
    admin: FlaskClient, world: World, alpha: Alpha
) -> None:
    set_sms(world.a, unaccented=False)
    accented = post_form(admin, A + "/new", notice_form(alpha))
    fields = hidden_inputs(accented, "use-unaccented")
    assert fields["title"] == "Hop phu huynh"
    assert fields["body"] == to_gsm(str(notice_form(alpha)["body"]))
    assert "confirm" not in fields

    response = post_form(admin, A + "/new", fields)

    assert shown(response, "sms-text") == shown(accented, "unaccented-text")  # as offered
    assert shown(response, "encoding") == "GSM-7"
    assert int(shown(response, "segments")) < int(shown(accented, "segments"))
    assert int(shown(response, "cost")[:-2].replace(".", "")) < int(shown(accented, "cost")[:-2].replace(".", ""))
    assert 'data-test="ucs2-warning"' not in response.get_data(as_text=True)
    assert count_rows(Notice) == 0


def test_preview_refuses_an_empty_audience_choice(app: Flask, admin: FlaskClient, alpha: Alpha) -> None:
    response = post_form(admin, A + "/new", notice_form(alpha, classes=[]))

    assert response.status_code == 200
    assert translated(app, "Choose at least one class.") in page(response)
    assert 'data-test="preview"' not in response.get_data(as_text=True)


# --- Sending ----------------------------------------------------------------------------------------


def test_confirming_creates_one_queued_message_per_eligible_guardian_and_channel(
    admin: FlaskClient, alpha: Alpha, broker: redis.Redis
) -> None:
    preview = post_form(admin, A + "/new", notice_form(alpha))
    fields = hidden_inputs(preview, "confirm")
    assert fields["confirm"] == "1"

    response = post_form(admin, A + "/new", fields)

    assert response.status_code == 302
    notice = db.session.scalars(select(Notice)).one()
    assert response.headers["Location"].endswith(f"{A}/{notice.id}")
    assert notice.title == "Họp phụ huynh" and notice.audience == {
        "kind": "classes",
        "ids": [alpha.roster.school_class.id],
        "size": 2,  # An and Cường
    }
    messages = messages_of(notice.id)
    assert sorted((m.guardian_id, m.channel) for m in messages) == [
        (alpha.roster.guardian.id, "email"),
        (alpha.roster.guardian.id, "sms"),
    ]
    assert {m.status for m in messages} == {MessageStatus.QUEUED}
    assert broker.llen("celery") == 1  # the workers were nudged, after the commit


def test_free_essential_category_emails_unsubscribed_guardians_only(admin: FlaskClient, alpha: Alpha) -> None:
    response = post_form(admin, A + "/new", {**notice_form(alpha, category="emergency"), "confirm": "1"})

    assert response.status_code == 302
    notice = db.session.scalars(select(Notice)).one()
    father = [m for m in messages_of(notice.id) if m.student_id == alpha.unsubscribed.id]
    assert [(m.channel, m.to_address, m.status) for m in father] == [("email", "dung@example.vn", MessageStatus.QUEUED)]
    assert len(messages_of(notice.id)) == 3


def test_sending_works_when_the_workers_cannot_be_nudged(
    admin: FlaskClient, alpha: Alpha, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broker_away(name: str, *args: object) -> str:
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(tasks, "send", broker_away)

    response = post_form(admin, A + "/new", {**notice_form(alpha), "confirm": "1"})

    assert response.status_code == 302
    assert count_rows(Message, kind="notice", status=MessageStatus.QUEUED) == 2  # the beat sweep will find them


def test_nudge_gives_up_quickly_when_redis_does_not_answer() -> None:
    with socket.socket() as silent:  # accepts connections (the backlog does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        web = Flask("nudge-test")
        web.config["REDIS_URL"] = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        client = TaskClient()
        client.init_app(web)

        started = time.monotonic()
        with pytest.raises(Exception):  # noqa: B017 (whatever Kombu raises: the point is that it returns)
            client.send("messaging.dispatch")

        assert time.monotonic() - started < 6


# --- Who may write to whom --------------------------------------------------------------------------


def test_teacher_is_offered_only_its_classes_and_their_students(teacher: FlaskClient, alpha: Alpha) -> None:
    body = page(teacher.get(A + "/new"))

    assert 'value="school"' not in body and 'value="grades"' not in body
    assert "6A1" in body and "Nguyễn Văn An" in body
    assert "7A2" not in body and "Phạm Thị Hoa" not in body


# Audiences a teacher of 6A1 was not offered, as (audience kind, ids) posted by a forged form.
FOREIGN_AUDIENCES: dict[str, Callable[[Alpha, ClassWorld], dict[str, str | list[str]]]] = {
    "school": lambda alpha, beta: {"audience": "school"},
    "grades": lambda alpha, beta: {"audience": "grades", "grades": ["6"]},
    "other-class": lambda alpha, beta: {"audience": "classes", "classes": [str(alpha.other_class.id)]},
    "other-student": lambda alpha, beta: {"audience": "students", "students": [str(alpha.other_student.id)]},
    "class-of-another-school": lambda alpha, beta: {"audience": "classes", "classes": [str(beta.school_class.id)]},
}


@pytest.mark.parametrize("target", FOREIGN_AUDIENCES)
@pytest.mark.parametrize("step", [{}, {"confirm": "1"}], ids=["preview", "confirm"])
def test_teacher_cannot_target_others_than_its_classes(
    teacher: FlaskClient, alpha: Alpha, beta: ClassWorld, target: str, step: dict[str, str]
) -> None:
    data = {**notice_form(alpha), "classes": [], **FOREIGN_AUDIENCES[target](alpha, beta), **step}

    response = post_form(teacher, A + "/new", data)

    assert response.status_code == 403
    assert count_rows(Notice) == 0 and count_rows(Message, kind="notice") == 0


def test_forged_ids_are_a_bad_request(teacher: FlaskClient, alpha: Alpha) -> None:
    response = post_form(teacher, A + "/new", {**notice_form(alpha, classes=["6A1"]), "confirm": "1"})

    assert response.status_code == 400
    assert count_rows(Notice) == 0


def test_teacher_sends_to_a_student_of_its_class(teacher: FlaskClient, alpha: Alpha, world: World) -> None:
    data = notice_form(alpha, audience="students", students=[str(alpha.roster.student.id)], confirm="1")
    data.pop("classes")

    response = post_form(teacher, A + "/new", data)

    assert response.status_code == 302
    notice = db.session.scalars(select(Notice)).one()
    assert notice.author_id == world.a.staff["teacher"].id
    assert {m.student_id for m in messages_of(notice.id)} == {alpha.roster.student.id}


def test_principal_may_write_to_grade_levels(app: Flask, world: World, alpha: Alpha) -> None:
    principal = signed_in(app, "principal")

    response = post_form(principal, A + "/new", notice_form(alpha, audience="grades", grades=["7"]))

    assert shown(response, "students") == "1"  # Hoa, the only student in grade 7


# --- Following a notice -----------------------------------------------------------------------------


def test_progress_page_and_json_show_counts_per_status(admin: FlaskClient, world: World, alpha: Alpha) -> None:
    notice = sent_notice(world.a, alpha, category="closure")  # mother SMS + email, father email
    sms, email, father = mothers_and_fathers(notice.id, alpha)
    set_outcome(sms, MessageStatus.DELIVERED)
    set_outcome(email, MessageStatus.FAILED, "permanent: mailbox does not exist")
    set_outcome(father, MessageStatus.SKIPPED, "no longer eligible (opted out or consent withdrawn)", attempts=0)

    response = admin.get(f"{A}/{notice.id}")
    data = admin.get(f"{A}/{notice.id}/progress.json").get_json()

    assert response.status_code == 200
    body = page(response)
    assert re.search(r'data-count="delivered">1<', body) and re.search(r'data-count="queued">0<', body)
    assert "permanent: mailbox does not exist" in body and "binh@example.vn" in body
    assert "no longer eligible (opted out or consent withdrawn)" in body
    assert 'src="/static/progress.js"' in body and "<script>" not in body
    assert data["counts"]["delivered"] == 1 and data["counts"]["failed"] == 1 and data["counts"]["skipped"] == 1
    assert data["counts"]["queued"] == 0 and data["total"] == 3 and data["done"] is True


def test_progress_json_counts_waiting_messages(admin: FlaskClient, world: World, alpha: Alpha) -> None:
    notice = sent_notice(world.a, alpha)

    data = admin.get(f"{A}/{notice.id}/progress.json").get_json()

    assert data["counts"]["queued"] == 2 and data["in_flight"] == 2 and data["done"] is False


def test_list_shows_the_schools_notices_with_counts(admin: FlaskClient, world: World, alpha: Alpha) -> None:
    notice = sent_notice(world.a, alpha, author_name="teacher")

    response = admin.get(A + "/")

    assert response.status_code == 200
    row = row_text(response, f"notice-{notice.id}")
    written = notice.created_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y %H:%M")
    assert row.startswith(written)
    assert shown(response, "total") == "2"  # the mother's SMS and email
    assert "Nghỉ học" in row and "6A1" in row and "teacher alpha" in row


def test_teacher_sees_only_its_own_notices(app: Flask, world: World, alpha: Alpha) -> None:
    own = sent_notice(world.a, alpha, author_name="teacher")
    others = sent_notice(world.a, alpha, author_name="homeroom")
    teacher = signed_in(app, "teacher")

    listing = teacher.get(A + "/").get_data(as_text=True)

    assert f'data-test="notice-{own.id}"' in listing and f'data-test="notice-{others.id}"' not in listing
    assert teacher.get(f"{A}/{own.id}").status_code == 200
    assert teacher.get(f"{A}/{others.id}").status_code == 404
    assert teacher.get(f"{A}/{others.id}/progress.json").status_code == 404
    assert post_form(teacher, f"{A}/{others.id}/retry", {}).status_code == 404


def test_notice_of_another_school_answers_404(admin: FlaskClient, world: World, alpha: Alpha, beta: ClassWorld) -> None:
    theirs = create_notice(
        world.b.school,
        world.b.admin,
        title="Beta",
        body="Beta",
        category="general",
        urgent=False,
        audience=Audience("school"),
    )

    assert admin.get(f"{A}/{theirs.id}").status_code == 404
    assert admin.get(f"{A}/{theirs.id}/progress.json").status_code == 404
    assert post_form(admin, f"{A}/{theirs.id}/retry", {}).status_code == 404


def test_only_staff_of_its_school_may_open_a_notice_even_seeing_everything(world: World, alpha: Alpha) -> None:
    ours = sent_notice(world.a, alpha)

    assert queries.may_open(ours, world.a.staff["principal"], sees_all=True)
    assert not queries.may_open(ours, world.b.admin, sees_all=True)
    assert not queries.may_open(ours, world.a.staff["teacher"], sees_all=False)


# --- Retrying failures ------------------------------------------------------------------------------


def test_retry_requeues_only_temporary_failures(
    app: Flask, admin: FlaskClient, world: World, alpha: Alpha, broker: redis.Redis
) -> None:
    notice = sent_notice(world.a, alpha, category="closure")
    gave_up, temporary, permanent = mothers_and_fathers(notice.id, alpha)
    set_outcome(gave_up, MessageStatus.FAILED, "gave up after 6 attempts: timeout", 6, FailureKind.TEMPORARY)
    set_outcome(temporary, MessageStatus.FAILED, "provider unavailable", 2, FailureKind.TEMPORARY)
    # The kind decides, never the wording of the reason.
    set_outcome(permanent, MessageStatus.FAILED, "temporary-looking text: 21211", 1, FailureKind.PERMANENT)
    assert 'data-test="retry"' in admin.get(f"{A}/{notice.id}").get_data(as_text=True)
    assert broker.llen("celery") == 1  # writing the notice nudged, at its commit
    broker.delete("celery")

    response = post_form(admin, f"{A}/{notice.id}/retry", {})

    assert follow(admin, response).status_code == 200
    by_id = {m.id: m for m in messages_of(notice.id)}
    assert (by_id[gave_up.id].status, by_id[gave_up.id].attempts) == (MessageStatus.QUEUED, 6)
    assert (by_id[temporary.id].status, by_id[temporary.id].attempts) == (MessageStatus.QUEUED, 2)
    assert by_id[permanent.id].status == MessageStatus.FAILED
    [entry] = audit_rows("notice.retried", world.a.school.id)
    assert entry.target_id == notice.id and entry.details["messages"] == 2
    assert broker.llen("celery") == 1  # the retry nudged, once


def test_retry_without_failures_changes_nothing(admin: FlaskClient, world: World, alpha: Alpha) -> None:
    notice = sent_notice(world.a, alpha)

    response = post_form(admin, f"{A}/{notice.id}/retry", {})

    assert response.status_code == 302
    assert {m.status for m in messages_of(notice.id)} == {MessageStatus.QUEUED}


def test_confirming_twice_records_the_notice_once(admin: FlaskClient, alpha: Alpha) -> None:
    # A double click on "Send the notice", or the confirmation posted again from another tab or the back
    # button, must not send every family the notice a second time.
    preview = post_form(admin, A + "/new", notice_form(alpha))
    fields = hidden_inputs(preview, "confirm")

    first = post_form(admin, A + "/new", fields)
    second = post_form(admin, A + "/new", fields)

    notice = db.session.scalars(select(Notice)).one()
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"] == f"{A}/{notice.id}"
    assert len(messages_of(notice.id)) == 2


def test_each_preview_may_be_sent_once(admin: FlaskClient, alpha: Alpha) -> None:
    # The same notice previewed and sent again on purpose is a second notice.
    for _ in range(2):
        preview = post_form(admin, A + "/new", notice_form(alpha))
        assert post_form(admin, A + "/new", hidden_inputs(preview, "confirm")).status_code == 302

    assert db.session.scalar(select(func.count()).select_from(Notice)) == 2


def test_a_forged_preview_token_is_a_bad_request(admin: FlaskClient, alpha: Alpha) -> None:
    preview = post_form(admin, A + "/new", notice_form(alpha))
    fields = {**hidden_inputs(preview, "confirm"), "submission": "'; drop table notices; --"}

    response = post_form(admin, A + "/new", fields)

    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0


def test_a_confirmation_recorded_meanwhile_by_another_request_is_not_recorded_again(
    world: World, alpha: Alpha, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two requests confirming the same preview at once both find no notice yet; the unique token decides.
    people = world.a
    audience = Audience("classes", (alpha.roster.school_class.id,))
    fields = {"title": "Họp phụ huynh", "body": "Họp lúc 8 giờ.", "category": "general", "urgent": False}
    first = create_notice(people.school, people.admin, audience=audience, submission="a" * 32, **fields)
    first_id = first.id
    looked_up = iter([None])
    monkeypatch.setattr(notice_services, "_submitted", lambda school, token: next(looked_up, first))

    again = create_notice(people.school, people.admin, audience=audience, submission="a" * 32, **fields)

    assert again.id == first_id
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 1
    assert len(messages_of(first_id)) == 2
