"""A teacher never learns whether a family subscribes: every notice and publication page, generated from the URL map.

Schools alpha and beta are built alike: class 6A1 taught by "teacher", its students and one guardian each,
the paid service on with a monthly plan. Only in alpha does An's mother subscribe (notices and grades, by
SMS and email). Each page and JSON answer of the notice and publication endpoints is rendered for the
teacher of each school and normalised (school, ids, times, CSRF and preview tokens); the two must be identical for an
audience of one student, and differ in nothing but totals for an audience of ten. A new notice or
publication endpoint joins by itself and fails until it has a case here. Staff holding
`subscriptions.manage` still see the counts and the cost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from contactbook.auth.rules import Permission
from contactbook.extensions import db
from contactbook.grading import services as grading
from contactbook.messaging.vocabulary import FailureKind
from contactbook.models import Grant, Message, MessageStatus, Notice, Score, Student
from contactbook.notices import queries, routes, services
from contactbook.notices.services import Audience, create_notice
from tests.factories import SchoolPeople, World, csrf_token, login
from tests.roster.factories import ClassWorld, make_class_world, make_guardian, make_student
from tests.subscriptions.payment_factories import monthly_plan, service_on, subscribe
from tests.support import browser, page, translated

PURPOSES = {"notices_sms", "notices_email", "grades_sms", "grades_email"}
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


# --- The two schools --------------------------------------------------------------------------------


@dataclass
class Side:
    """One school as its teacher sees it: the class, its students (An first), the teacher's browser."""

    people: SchoolPeople
    roster: ClassWorld
    students: list[Student]
    client: FlaskClient

    def url(self, path: str) -> str:
        return f"/s/{self.people.slug}{path}"

    @property
    def teacher_id(self) -> int:
        return self.people.staff["teacher"].id


def build_side(app: Flask, people: SchoolPeople, *, size: int, subscribed: bool) -> Side:
    roster = make_class_world(people)
    students = [roster.student]
    for n in range(1, size):
        student = make_student(people, roster.school_class, f"Học Sinh Số {n}", f"7901000010{n:02d}")
        make_guardian(people, [student], f"Phụ Huynh Số {n}", phone=f"+849123{n:05d}")
        students.append(student)
    service_on(people)
    plan = monthly_plan(people)
    if subscribed:
        today = datetime.now(ZONE).date()
        subscribe(
            people, roster.guardian, roster.student, plan, today, purposes=PURPOSES, email=True, actor=people.admin
        )
    client = browser(app)
    assert login(client, "teacher", people.slug).status_code == 302
    return Side(people, roster, students, client)


def both_sides(app: Flask, world: World, size: int) -> tuple[Side, Side]:
    return build_side(app, world.a, size=size, subscribed=True), build_side(app, world.b, size=size, subscribed=False)


def grant_subscriptions_view(side: Side) -> None:
    teacher = side.people.staff["teacher"]
    db.session.add(Grant(school_id=side.people.school.id, user_id=teacher.id, kind="permission",
                         name=Permission.SUBSCRIPTIONS_MANAGE))  # fmt: skip
    db.session.commit()


# --- Doing things as the teacher ----------------------------------------------------------------------


def post(side: Side, path: str, data: dict[str, str | list[str]]) -> TestResponse:
    return side.client.post(side.url(path), data={**data, "csrf_token": csrf_token(side.client)})


def followed(side: Side, response: TestResponse) -> TestResponse:
    assert response.status_code == 302, response.status_code
    return side.client.get(response.headers["Location"])


def notice_fields(side: Side, audience: str) -> dict[str, str | list[str]]:
    base: dict[str, str | list[str]] = {
        "title": "Họp phụ huynh",
        "body": "Mời quý phụ huynh dự họp.",
        "category": "general",
    }
    if audience == "one":
        return {**base, "audience": "students", "students": [str(side.students[0].id)]}
    return {**base, "audience": "classes", "classes": [str(side.roster.school_class.id)]}


def audience_of(side: Side) -> Audience:
    if len(side.students) == 1:
        return Audience("students", (side.students[0].id,))
    return Audience("classes", (side.roster.school_class.id,))


def sent_notice(side: Side) -> int:
    notice = create_notice(
        side.people.school,
        side.people.staff["teacher"],
        title="Nghỉ học",
        body="Trường nghỉ học ngày mai.",
        category="general",
        urgent=True,  # no quiet hours: the pages read alike at any time of day
        audience=audience_of(side),
    )
    return notice.id


def failed_notice(side: Side) -> int:
    """A sent notice whose messages (if any) failed for a reason that may pass."""
    notice_id = sent_notice(side)
    db.session.execute(
        update(Message)
        .where(Message.notice_id == notice_id)
        .values(
            status=MessageStatus.FAILED,
            error="temporary: provider unavailable",
            failure_kind=FailureKind.TEMPORARY,
            attempts=1,
        )
    )
    db.session.commit()
    return notice_id


def grid_path(side: Side) -> str:
    return f"/grades/class/{side.roster.school_class.id}/subject/{side.roster.subject.id}/semester/1"


def load_grid(side: Side) -> grading.Grid:
    return grading.load_grid(side.roster.school_class, side.roster.subject, side.roster.year.semesters[0])


def scores_entered(side: Side) -> None:
    form = {f"s-{student.id}-gk": "8" for student in side.students}
    assert grading.save_grid(side.people.school, side.people.staff["teacher"], load_grid(side), form).errors == {}


def scores_published(side: Side) -> int:
    """The midterm published; the id of An's score."""
    scores_entered(side)
    grid = load_grid(side)
    column = grid.column("gk")
    assert column is not None
    grading.publish(side.people.school, side.people.staff["teacher"], grid, column)
    score_id = db.session.scalar(select(Score.id).where(Score.student_id == side.students[0].id, Score.column == "gk"))
    assert score_id is not None
    return score_id


# --- The cases: every notice and publication endpoint, by (endpoint, method) --------------------------


def is_covered_endpoint(rule: Rule) -> bool:
    """A page or JSON answer about a notice or a publication: the notice pages, publishing and correcting."""
    blueprint, _, name = rule.endpoint.partition(".")
    return blueprint == "notices" or (blueprint == "grades" and ("publish" in name or "correct" in name))


def compose_page(side: Side) -> list[TestResponse]:
    return [side.client.get(side.url("/notices/new"))]


def preview_and_confirm(side: Side) -> list[TestResponse]:
    fields = notice_fields(side, "one" if len(side.students) == 1 else "class")
    preview = post(side, "/notices/new", fields)
    return [preview, followed(side, post(side, "/notices/new", {**fields, "urgent": "y", "confirm": "1"}))]


def notice_list(side: Side) -> list[TestResponse]:
    sent_notice(side)
    return [side.client.get(side.url("/notices/"))]


def progress_page(side: Side) -> list[TestResponse]:
    return [side.client.get(side.url(f"/notices/{sent_notice(side)}"))]


def progress_json(side: Side) -> list[TestResponse]:
    return [side.client.get(side.url(f"/notices/{sent_notice(side)}/progress.json"))]


def retry_result(side: Side) -> list[TestResponse]:
    return [followed(side, post(side, f"/notices/{failed_notice(side)}/retry", {}))]


def publish_page(side: Side) -> list[TestResponse]:
    scores_entered(side)
    return [side.client.get(side.url(grid_path(side) + "/publish/gk"))]


def publish_result(side: Side) -> list[TestResponse]:
    scores_entered(side)
    return [followed(side, post(side, grid_path(side) + "/publish/gk", {}))]


def correct_page(side: Side) -> list[TestResponse]:
    return [side.client.get(side.url(f"/grades/score/{scores_published(side)}/correct"))]


def correct_result(side: Side) -> list[TestResponse]:
    path = f"/grades/score/{scores_published(side)}/correct"
    return [followed(side, post(side, path, {"value": "9", "reason": "Cộng nhầm điểm"}))]


CASES: dict[tuple[str, str], Callable[[Side], list[TestResponse]]] = {
    ("notices.compose", "GET"): compose_page,
    ("notices.compose", "POST"): preview_and_confirm,
    ("notices.list", "GET"): notice_list,
    ("notices.progress", "GET"): progress_page,
    ("notices.progress_json", "GET"): progress_json,
    ("notices.retry", "POST"): retry_result,
    ("grades.publish", "GET"): publish_page,
    ("grades.publish", "POST"): publish_result,
    ("grades.correct", "GET"): correct_page,
    ("grades.correct", "POST"): correct_result,
}


def covered_routes(app: Flask) -> list[tuple[str, str]]:
    found = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if is_covered_endpoint(rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    return sorted(found)


def _route_ids() -> list[str]:
    return [f"{endpoint} {method}" for endpoint, method in CASES]


# --- Normalising ------------------------------------------------------------------------------------


def normalised(app: Flask, response: TestResponse, *, totals: bool = False) -> str:
    """The answer with what differs between two schools anyway taken out: slug, ids, times, CSRF tokens.

    With `totals`, the total numbers of messages (all an audience of ten may show) are taken out too.
    """
    assert response.status_code < 500, response.status_code
    if response.is_json:
        data = response.get_json()
        if totals:
            data = {key: "TOTAL" if key in ("total", "done") else value for key, value in data.items()}
        return f"{response.status_code} {json.dumps(data, sort_keys=True)}"
    text = page(response)
    text = re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1CSRF", text)
    text = re.sub(r'(name="csrf-token"[^>]*content=")[^"]+', r"\1CSRF", text)
    text = re.sub(r'(name="submission"[^>]*value=")[0-9a-f]+', r"\1TOKEN", text)  # a notice preview's own
    text = re.sub(r"\b(alpha|beta)\b", "SCHOOL", text)
    # Ids live in attributes (links, form fields, row markers); counts are element text and stay.
    text = re.sub(r'((?:href|action|src|value|name|id|for|data-[a-z-]+)=")([^"]*)"', _ids_out, text)
    text = re.sub(r"\d{2}/\d{2}/\d{4}", "DATE", text)
    text = re.sub(r"\b\d{2}:\d{2}\b", "TIME", text)
    if totals:
        text = re.sub(r'(data-test="(?:messages-total|total)"[^>]*>)\d+', r"\1TOTAL", text)
        text = re.sub(r"(data-total>)\d+", r"\1TOTAL", text)
        text = text.replace(' data-done="true"', "")
        text = re.sub(_published_pattern(app), "PUBLISHED", text)
    return f"{response.status_code} {text}"


def _ids_out(match: re.Match[str]) -> str:
    return match.group(1) + re.sub(r"\d+", "N", match.group(2)) + '"'


def _published_pattern(app: Flask) -> str:
    """The flash after publishing, with any number of messages."""
    flash = "Published: %(scores)s scores, %(messages)s messages to families."
    return re.escape(translated(app, flash, scores=10, messages=424242)).replace("424242", r"\d+")


# --- The properties ---------------------------------------------------------------------------------


def test_every_notice_and_publication_endpoint_has_a_case(app: Flask) -> None:
    missing = [f"{endpoint} {method}" for endpoint, method in covered_routes(app) if (endpoint, method) not in CASES]
    stale = [f"{endpoint} {method}" for endpoint, method in CASES if (endpoint, method) not in covered_routes(app)]
    assert not missing, f"add a case to CASES in {__name__} for: {', '.join(missing)}"
    assert not stale, f"CASES names routes that no longer exist: {', '.join(stale)}"


@pytest.mark.parametrize("route", list(CASES), ids=_route_ids())
def test_a_teacher_sees_the_same_for_one_subscribed_and_one_unsubscribed_student(
    app: Flask, world: World, route: tuple[str, str]
) -> None:
    subscribed, unsubscribed = both_sides(app, world, size=1)

    seen = [normalised(app, r) for r in CASES[route](subscribed)]
    other = [normalised(app, r) for r in CASES[route](unsubscribed)]

    assert seen == other


@pytest.mark.parametrize("route", list(CASES), ids=_route_ids())
def test_for_ten_students_a_teacher_sees_totals_only(app: Flask, world: World, route: tuple[str, str]) -> None:
    subscribed, unsubscribed = both_sides(app, world, size=10)

    answers = CASES[route](subscribed)
    other = CASES[route](unsubscribed)

    assert [normalised(app, r, totals=True) for r in answers] == [normalised(app, r, totals=True) for r in other]
    for response in answers:
        body = response.get_data(as_text=True)
        for split in (
            'data-test="recipients-sms"',
            'data-test="sms"',
            'data-test="cost"',
            "data-count=",
            'data-test="nobody-warning"',
            'data-test="failure"',
            'data-test="not-sent"',
            "month-cost",
        ):
            assert split not in body  # fmt: skip
        if response.is_json:
            assert set(response.get_json()) <= {"disclosure", "total", "done"}


def count_messages(side: Side) -> int:
    db.session.expire_all()
    return int(
        db.session.scalar(select(func.count()).select_from(Message).where(Message.school_id == side.people.school.id))
        or 0
    )


def test_the_totals_for_ten_students_are_the_messages_sent(app: Flask, world: World) -> None:
    subscribed, _ = both_sides(app, world, size=10)
    notice_id = sent_notice(subscribed)

    progress = subscribed.client.get(subscribed.url(f"/notices/{notice_id}"))
    data = subscribed.client.get(subscribed.url(f"/notices/{notice_id}/progress.json")).get_json()
    listing = subscribed.client.get(subscribed.url("/notices/"))
    preview = post(subscribed, "/notices/new", notice_fields(subscribed, "class"))

    assert re.search(r"data-total>2<", progress.get_data(as_text=True))  # the mother's SMS and email
    assert data == {"disclosure": "totals", "total": 2, "done": False}
    assert re.search(r'data-test="total">2<', listing.get_data(as_text=True))
    assert re.search(r'data-test="messages-total">2<', preview.get_data(as_text=True))


def test_staff_who_may_see_subscriptions_keep_the_counts_and_the_cost(app: Flask, world: World) -> None:
    subscribed, _ = both_sides(app, world, size=1)
    grant_subscriptions_view(subscribed)
    notice_id = sent_notice(subscribed)
    scores_entered(subscribed)

    preview = page(post(subscribed, "/notices/new", notice_fields(subscribed, "one")))
    progress = page(subscribed.client.get(subscribed.url(f"/notices/{notice_id}")))
    data = subscribed.client.get(subscribed.url(f"/notices/{notice_id}/progress.json")).get_json()
    listing = page(subscribed.client.get(subscribed.url("/notices/")))
    publish = page(subscribed.client.get(subscribed.url(grid_path(subscribed) + "/publish/gk")))

    assert re.search(r'data-test="recipients-sms">1<', preview) and re.search(
        r'data-test="recipients-email">1<', preview
    )
    assert re.search(r'data-test="cost">[1-9][\d.]* đ<', preview) and 'data-test="month-cost"' in preview
    assert re.search(r'data-count="queued">2<', progress)
    assert data["counts"]["queued"] == 2 and data["total"] == 2 and data["in_flight"] == 2
    assert re.search(r'data-test="total">2<', listing)
    assert re.search(r'data-test="sms">1<', publish) and re.search(r'data-test="cost">[1-9][\d.]* đ<', publish)


def test_an_unsubscribed_audience_warns_only_staff_who_may_see_subscriptions(app: Flask, world: World) -> None:
    _, unsubscribed = both_sides(app, world, size=1)
    assert 'data-test="nobody-warning"' not in page(
        post(unsubscribed, "/notices/new", notice_fields(unsubscribed, "one"))
    )

    grant_subscriptions_view(unsubscribed)

    assert 'data-test="nobody-warning"' in page(post(unsubscribed, "/notices/new", notice_fields(unsubscribed, "one")))


# --- When sending starts ------------------------------------------------------------------------------


def at_local(hour: int, minute: int) -> datetime:
    return datetime.combine(datetime.now(ZONE).date(), time(hour, minute), tzinfo=ZONE).astimezone(UTC)


@pytest.fixture
def at_one_forty_nine(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The clock of the notice pages and of writing a notice stands at 01:49 local time today."""
    moment = at_local(1, 49)
    for module in (routes, queries, services):
        monkeypatch.setattr(module, "utcnow", lambda: moment)
    return moment


@pytest.mark.parametrize("holder", [False, True], ids=["teacher", "subscriptions-manager"])
def test_a_notice_written_at_night_says_when_sending_starts(
    app: Flask, world: World, at_one_forty_nine: datetime, holder: bool
) -> None:
    subscribed, _ = both_sides(app, world, size=1)
    if holder:
        grant_subscriptions_view(subscribed)

    response = followed(
        subscribed, post(subscribed, "/notices/new", {**notice_fields(subscribed, "one"), "confirm": "1"})
    )

    notice = db.session.scalars(select(Notice)).one()
    assert notice.created_at == at_one_forty_nine
    text = page(response)
    assert translated(app, "The notice is recorded. Sending starts at %(time)s.", time="07:00") in text
    starts = re.search(r'data-test="starts">(.*?)</p>', text, re.DOTALL)
    assert starts and translated(app, "Sending starts at %(time)s.", time="07:00") in starts.group(1)
    assert translated(app, "Messages wait for the end of the quiet hours.") in starts.group(1)
    assert "Bắt đầu gửi lúc 07:00" in text  # the default language, Vietnamese
    assert translated(app, "The notice is recorded and is being sent.") not in text


def test_an_urgent_notice_at_night_goes_at_once(app: Flask, world: World, at_one_forty_nine: datetime) -> None:
    subscribed, _ = both_sides(app, world, size=1)
    fields = {**notice_fields(subscribed, "one"), "urgent": "y", "confirm": "1"}

    text = page(followed(subscribed, post(subscribed, "/notices/new", fields)))

    assert translated(app, "The notice is recorded and is being sent.") in text
    assert 'data-test="starts"' not in text
