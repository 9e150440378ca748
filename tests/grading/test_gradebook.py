"""The grade book: saving a grid (all or nothing), who may enter what, publishing, corrections.

See `factories.py` for the world: 6A1 with An (mother subscribed to grades by SMS and email), Cường
(father not subscribed) and Hoa (no guardian); Toán has three regular columns, Âm nhạc is comment only.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from contactbook.extensions import db, tasks
from contactbook.grading import services
from contactbook.grading.grid import semester_average
from contactbook.grading.services import GradingError
from contactbook.models import AssessmentKind, AuditLog, Enrolment, Message, Score, ScoreCorrection, ScorePublication
from contactbook.roster import services as roster
from tests.factories import World, csrf_token, login, post
from tests.grading.factories import GradeWorld, make_grade_world, put_score
from tests.roster.factories import assign, make_class, make_class_world
from tests.support import browser, follow, page

WORKED = {"tx1": "7", "tx2": "8", "tx3": "9", "gk": "6,5", "ck": "8"}  # grading.md: 61 / 8 = 7.625 → 7.6


@pytest.fixture
def gw(world: World) -> GradeWorld:
    return make_grade_world(world.a)


def grid_of(gw: GradeWorld, subject_name: str = "maths", semester: int = 1) -> services.Grid:
    subject = getattr(gw, subject_name)
    return services.load_grid(gw.roster.school_class, subject, gw.first if semester == 1 else gw.second)


def row(student_id: int, values: dict[str, str]) -> dict[str, str]:
    return {f"s-{student_id}-{key}": value for key, value in values.items()}


def teacher_of(gw: GradeWorld):
    return gw.people.staff["teacher"]


def stored(gw: GradeWorld) -> dict[tuple[int, str], tuple[Decimal | None, str | None, str | None]]:
    db.session.expire_all()
    return {
        (s.student_id, s.column): (s.value, s.level, s.comment)
        for s in db.session.scalars(select(Score).where(Score.school_id == gw.people.school.id))
    }


def message_count(**where: object) -> int:
    """Messages about grades (not the welcome SMS the subscriptions of the setup wrote)."""
    query = select(func.count()).select_from(Message).where(Message.kind != "welcome")
    for name, value in where.items():
        query = query.where(getattr(Message, name) == value)
    return int(db.session.scalar(query) or 0)


# --- Saving a grid --------------------------------------------------------------------------------------


def test_a_valid_grid_is_stored_and_its_averages_follow_the_circular(gw: GradeWorld) -> None:
    form = row(gw.an.id, WORKED) | row(gw.cuong.id, {"tx1": "10", "tx2": "9,5", "tx3": "9", "gk": "8.5", "ck": "10"})
    reading = services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw), form)

    assert reading.errors == {}
    cells = stored(gw)
    assert cells[(gw.an.id, "gk")] == (Decimal("6.5"), None, None)
    assert cells[(gw.cuong.id, "tx2")] == (Decimal("9.5"), None, None)
    grid = grid_of(gw)
    assert semester_average(grid.cells_of(gw.an.id), grid.columns) == Decimal("7.6")
    assert semester_average(grid.cells_of(gw.cuong.id), grid.columns) == Decimal("9.4")  # 75.5 / 8 = 9.4375
    assert semester_average(grid.cells_of(gw.hoa.id), grid.columns) is None  # nothing entered yet


def test_one_invalid_cell_saves_nothing_and_names_the_cell(gw: GradeWorld) -> None:
    form = row(gw.an.id, WORKED) | row(gw.cuong.id, {"tx1": "10.5", "tx2": "7,25", "gk": "abc"})
    reading = services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw), form)

    assert reading.errors == {
        f"s-{gw.cuong.id}-tx1": "Điểm phải từ 0 đến 10",
        f"s-{gw.cuong.id}-tx2": "Điểm chỉ có tối đa một chữ số thập phân",
        f"s-{gw.cuong.id}-gk": "Không phải là điểm số",
    }
    assert stored(gw) == {}


def test_only_the_assigned_teacher_saves_a_subject(gw: GradeWorld) -> None:
    for someone in (gw.people.staff["homeroom"], gw.people.admin, gw.teacher2):
        with pytest.raises(GradingError):
            services.save_grid(gw.people.school, someone, grid_of(gw), row(gw.an.id, WORKED))
    assert stored(gw) == {}
    # teacher2 teaches Ngữ văn in the same class and saves that one.
    services.save_grid(gw.people.school, gw.teacher2, grid_of(gw, "literature"), row(gw.an.id, {"gk": "7"}))
    assert stored(gw) == {(gw.an.id, "gk"): (Decimal("7.0"), None, None)}


def test_an_emptied_cell_is_cleared_and_an_absent_field_left_alone(gw: GradeWorld) -> None:
    services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw), row(gw.an.id, WORKED))
    services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw), row(gw.an.id, {"tx1": "", "gk": "9"}))

    cells = stored(gw)
    assert (gw.an.id, "tx1") not in cells
    assert cells[(gw.an.id, "gk")][0] == Decimal("9.0")
    assert cells[(gw.an.id, "ck")][0] == Decimal("8.0")  # not in the second submission: unchanged


def test_a_comment_subject_takes_a_pass_level_and_a_comment(gw: GradeWorld) -> None:
    form = {f"l-{gw.an.id}-kq": "dat", f"n-{gw.an.id}": "  Hát   tốt, tích cực ", f"l-{gw.cuong.id}-kq": "gioi"}
    reading = services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw, "music"), form)
    assert reading.errors == {f"l-{gw.cuong.id}-kq": "Chọn một mức trong danh sách"}

    del form[f"l-{gw.cuong.id}-kq"]
    assert services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw, "music"), form).errors == {}
    assert stored(gw) == {(gw.an.id, "kq"): (None, "dat", "Hát tốt, tích cực")}


def test_saving_is_audited(gw: GradeWorld) -> None:
    services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw), row(gw.an.id, WORKED))
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "grades.saved"))
    assert entry is not None and entry.details["added"] == 5 and entry.actor_id == teacher_of(gw).id


# --- Publishing -------------------------------------------------------------------------------------------


def publish_midterm(gw: GradeWorld) -> ScorePublication:
    services.save_grid(
        gw.people.school, teacher_of(gw), grid_of(gw), row(gw.an.id, {"gk": "8,5"}) | row(gw.cuong.id, {"gk": "7"})
    )
    grid = grid_of(gw)
    column = grid.column("gk")
    assert column is not None
    return services.publish(gw.people.school, teacher_of(gw), grid, column)


def test_publishing_writes_one_message_per_subscribed_guardian_and_channel(gw: GradeWorld) -> None:
    publication = publish_midterm(gw)

    messages = db.session.scalars(select(Message).where(Message.kind == "score").order_by(Message.channel)).all()
    assert [(m.guardian_id, m.student_id, m.channel) for m in messages] == [
        (gw.mother.id, gw.an.id, "email"),
        (gw.mother.id, gw.an.id, "sms"),
    ]  # Cường's father did not subscribe; Hoa has nobody
    assert publication.scores == 2 and publication.messages == 2
    sms = next(m for m in messages if m.channel == "sms")
    email = next(m for m in messages if m.channel == "email")
    assert sms.body.endswith("Diem giua ky I mon Toan cua em An: 8,5")  # the school sends SMS unaccented
    text, footer = email.body.split("\n\n--\n")  # every email to a family ends with how to stop
    assert text.endswith("Điểm giữa kỳ I môn Toán của em An: 8,5") and "/family/" in footer
    assert email.subject == "Điểm giữa kỳ I môn Toán"
    assert sms.category == "grades" and sms.segments == 1 and sms.cost == 250
    assert "7" not in sms.body.split(":")[-1]  # never another child's score


def test_published_cells_are_locked_and_a_second_publish_has_nothing_new(gw: GradeWorld) -> None:
    publish_midterm(gw)
    grid = grid_of(gw)
    assert all(s.published_at is not None for (_, key), s in grid.scores.items() if key == "gk")

    reading = services.save_grid(gw.people.school, teacher_of(gw), grid, row(gw.an.id, {"gk": "9"}))
    assert reading.errors == {f"s-{gw.an.id}-gk": "Điểm đã công bố: dùng “Sửa điểm” và ghi lý do"}
    assert stored(gw)[(gw.an.id, "gk")][0] == Decimal("8.5")
    column = grid.column("gk")
    assert column is not None
    with pytest.raises(GradingError, match="không có điểm mới"):
        services.publish(gw.people.school, teacher_of(gw), grid, column)
    assert message_count(kind="score") == 2


def test_a_late_score_is_published_alone(gw: GradeWorld) -> None:
    publish_midterm(gw)
    services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw), row(gw.hoa.id, {"gk": "6"}))
    grid = grid_of(gw)
    column = grid.column("gk")
    assert column is not None
    second = services.publish(gw.people.school, teacher_of(gw), grid, column)
    assert second.scores == 1 and second.messages == 0  # Hoa has no guardian to tell
    assert message_count(kind="score") == 2


def test_the_preview_counts_messages_and_cost_before_anything_is_written(gw: GradeWorld) -> None:
    services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw), row(gw.an.id, {"gk": "8,5"}))
    grid = grid_of(gw)
    column = grid.column("gk")
    assert column is not None
    preview = services.preview_publication(gw.people.school, grid, column)
    assert (preview.scores, preview.messages, preview.segments, preview.cost) == (1, {"email": 1, "sms": 1}, 1, 250)
    assert preview.sample.endswith("Diem giua ky I mon Toan cua em An: 8,5")
    assert message_count() == 0


# --- Corrections --------------------------------------------------------------------------------------------


def an_midterm(gw: GradeWorld) -> Score:
    score = db.session.scalar(select(Score).where(Score.student_id == gw.an.id, Score.column == "gk"))
    assert score is not None
    return score


def test_a_correction_keeps_the_trail_and_tells_the_family(gw: GradeWorld) -> None:
    publish_midterm(gw)
    correction = services.correct(
        gw.people.school, teacher_of(gw), an_midterm(gw), raw_value="9", raw_level="",
        reason="Cộng nhầm điểm bài 3",
    )  # fmt: skip

    assert (correction.old_value, correction.new_value) == (Decimal("8.5"), Decimal("9.0"))
    assert correction.reason == "Cộng nhầm điểm bài 3" and correction.corrected_by_id == teacher_of(gw).id
    assert an_midterm(gw).value == Decimal("9.0") and an_midterm(gw).published_at is not None
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "grades.corrected"))
    assert entry is not None and entry.details["old"] == "8,5" and entry.details["new"] == "9,0"
    told = db.session.scalars(select(Message).where(Message.dedupe_key.like("correction:%"))).all()
    assert sorted(m.channel for m in told) == ["email", "sms"]
    email = next(m for m in told if m.channel == "email")
    text = email.body.split("\n\n--\n")[0]  # then the footer every email to a family ends with
    assert text.endswith("Sửa điểm giữa kỳ I môn Toán của em An: 8,5 thành 9,0. Lý do: Cộng nhầm điểm bài 3")


@pytest.mark.parametrize(
    ("value", "reason", "message"),
    [
        ("9", "", "Ghi lý do"),
        ("9", "sai", "Ghi lý do"),
        ("8,5", "Chấm lại bài", "giống điểm cũ"),
        ("11", "Chấm lại bài", "từ 0 đến 10"),
        ("", "Chấm lại bài", "Nhập điểm mới"),
    ],
)
def test_a_refused_correction_changes_nothing(gw: GradeWorld, value: str, reason: str, message: str) -> None:
    publish_midterm(gw)
    with pytest.raises(GradingError, match=message):
        services.correct(gw.people.school, teacher_of(gw), an_midterm(gw), raw_value=value, raw_level="", reason=reason)
    db.session.rollback()
    assert an_midterm(gw).value == Decimal("8.5")
    assert db.session.scalar(select(func.count()).select_from(ScoreCorrection)) == 0
    assert message_count(kind="score") == 2


def test_an_unpublished_score_is_not_corrected_but_edited(gw: GradeWorld) -> None:
    score = put_score(gw, gw.an, gw.maths, gw.first, "gk", "8")
    with pytest.raises(GradingError, match="chưa công bố"):
        services.correct(gw.people.school, teacher_of(gw), score, raw_value="9", raw_level="", reason="Chấm lại bài")


# --- The pages ------------------------------------------------------------------------------------------------


def grid_url(gw: GradeWorld, subject_name: str = "maths", number: int = 1) -> str:
    subject = getattr(gw, subject_name)
    return f"/s/alpha/grades/class/{gw.roster.school_class.id}/subject/{subject.id}/semester/{number}"


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = browser(app)
    assert login(client, username, "alpha").status_code == 302
    return client


def test_the_teacher_sees_an_editable_grid_with_the_averages(app: Flask, gw: GradeWorld) -> None:
    services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw), row(gw.an.id, WORKED))
    response = signed_in(app, "teacher").get(grid_url(gw))
    text = page(response)
    assert response.status_code == 200
    assert f'name="s-{gw.an.id}-gk" value="6,5"' in text
    assert "TX3" in text and "TX4" not in text  # 70 periods: three regular assessments
    assert 'data-test="save"' in text and "readonly" not in text


def test_the_homeroom_teacher_sees_the_grid_read_only(app: Flask, gw: GradeWorld) -> None:
    text = page(signed_in(app, "homeroom").get(grid_url(gw)))
    assert "readonly" in text and 'data-test="save"' not in text


def test_a_teacher_of_another_subject_may_not_open_the_grid(app: Flask, gw: GradeWorld) -> None:
    assert signed_in(app, "teacher2").get(grid_url(gw)).status_code == 403
    assert signed_in(app, "teacher2").get(grid_url(gw, "literature")).status_code == 200


def test_another_schools_class_is_not_found(app: Flask, world: World, gw: GradeWorld) -> None:
    beta = make_class_world(world.b)
    url = f"/s/alpha/grades/class/{beta.school_class.id}/subject/{gw.maths.id}/semester/1"
    assert signed_in(app, "teacher").get(url).status_code == 404
    assert signed_in(app, "teacher").get(grid_url(gw, number=3)).status_code == 404


def test_an_invalid_cell_is_shown_in_place_and_nothing_is_saved(app: Flask, gw: GradeWorld) -> None:
    client = signed_in(app, "teacher")
    client.get(grid_url(gw))
    response = post(client, grid_url(gw), row(gw.an.id, WORKED) | row(gw.cuong.id, {"tx1": "12"}))
    text = page(response)
    assert response.status_code == 422
    assert "Điểm phải từ 0 đến 10" in text and f'id="err-s-{gw.cuong.id}-tx1"' in text
    assert f'name="s-{gw.cuong.id}-tx1" value="12"' in text  # what the teacher typed stays there
    assert stored(gw) == {}


def test_a_valid_grid_is_saved_in_one_request(app: Flask, gw: GradeWorld) -> None:
    client = signed_in(app, "teacher")
    client.get(grid_url(gw))
    response = post(client, grid_url(gw), row(gw.an.id, WORKED) | row(gw.hoa.id, {"tx1": "5"}))
    assert response.status_code == 302
    assert len(stored(gw)) == 6
    assert "data-avg" in page(follow(client, response))  # the page's script fills in the averages


def test_the_homeroom_teacher_may_not_post_a_grid(app: Flask, gw: GradeWorld) -> None:
    client = signed_in(app, "homeroom")
    client.get(grid_url(gw))
    assert post(client, grid_url(gw), row(gw.an.id, WORKED)).status_code == 403
    assert stored(gw) == {}


def test_publishing_from_the_page_asks_for_confirmation_first(app: Flask, gw: GradeWorld) -> None:
    services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw), row(gw.an.id, {"gk": "8,5"}))
    client = signed_in(app, "teacher")
    url = grid_url(gw) + "/publish/gk"
    confirm = page(client.get(url))
    assert 'data-test="scores">1<' in confirm
    assert 'data-test="cost"' not in confirm  # a teacher never learns who subscribes (test_subscription_privacy)
    assert message_count() == 0
    response = post(client, url, {})
    assert response.status_code == 302
    assert message_count(kind="score") == 2
    assert "🔒" in page(follow(client, response))


def test_an_unknown_column_is_not_found(app: Flask, gw: GradeWorld) -> None:
    assert signed_in(app, "teacher").get(grid_url(gw) + "/publish/tx9").status_code == 404


@pytest.mark.parametrize("column", ["\x00", "gk\x00", "g\x00k"])
def test_a_column_with_a_nul_is_not_found(app: Flask, gw: GradeWorld, column: str) -> None:
    client = signed_in(app, "teacher")
    client.get(grid_url(gw))
    assert client.get(grid_url(gw) + "/publish/" + column).status_code == 404  # PostgreSQL refuses a NUL
    assert post(client, grid_url(gw) + "/publish/" + column, {}).status_code == 404


def test_a_correction_from_the_page_needs_a_reason(app: Flask, gw: GradeWorld) -> None:
    publish_midterm(gw)
    client = signed_in(app, "teacher")
    url = f"/s/alpha/grades/score/{an_midterm(gw).id}/correct"
    client.get(url)
    refused = post(client, url, {"value": "9", "reason": ""})
    assert refused.status_code == 422 and "Ghi lý do" in page(refused)
    done = post(client, url, {"value": "9", "reason": "Cộng nhầm điểm"})
    assert done.status_code == 302
    assert "Cộng nhầm điểm" in page(follow(client, done))  # the trail, on the grid page


def test_the_homeroom_teacher_may_not_correct(app: Flask, gw: GradeWorld) -> None:
    publish_midterm(gw)
    assert signed_in(app, "homeroom").get(f"/s/alpha/grades/score/{an_midterm(gw).id}/correct").status_code == 403


def test_a_primary_grid_shows_whole_test_scores_and_saves_them_again(app: Flask, gw: GradeWorld) -> None:
    people = gw.people
    subject = roster.create_subject(
        people.school, people.admin, name="Tiếng Việt", periods_per_year=245, assessment_kind=AssessmentKind.LEVEL
    )
    assign(people, people.staff["teacher"], subject, gw.roster.school_class)
    grid = services.load_grid(gw.roster.school_class, subject, gw.first)
    form = {f"l-{gw.an.id}-ck": "hoan_thanh_tot", f"s-{gw.an.id}-ck": "9", f"n-{gw.an.id}": "Đọc lưu loát"}
    assert services.save_grid(people.school, teacher_of(gw), grid, form).errors == {}

    client = signed_in(app, "teacher")
    url = f"/s/alpha/grades/class/{gw.roster.school_class.id}/subject/{subject.id}/semester/1"
    text = page(client.get(url))
    assert f'name="s-{gw.an.id}-ck" value="9"' in text  # the database's 9.0, shown as the teacher typed it
    fields = dict(re.findall(r'name="([sln]-\d+-?\w*)" value="([^"]*)"', text))
    fields |= {f"l-{gw.an.id}-ck": "hoan_thanh_tot"}  # the select's chosen option
    assert post(client, url, fields).status_code == 302  # the page's own values save again unchanged
    grid = services.load_grid(gw.roster.school_class, subject, gw.first)
    column = grid.column("ck")
    assert column is not None
    services.publish(people.school, teacher_of(gw), grid, column)
    email = db.session.scalar(select(Message).where(Message.kind == "score", Message.channel == "email"))
    assert email is not None
    assert email.body.split("\n\n--\n")[0].endswith("môn Tiếng Việt của em An: Hoàn thành tốt (9)")


# --- The spreadsheet, through the pages ------------------------------------------------------------


def upload(client: FlaskClient, url: str, content: bytes) -> TestResponse:
    return client.post(
        url + "/import",
        data={"csrf_token": csrf_token(client), "sheet": (io.BytesIO(content), "diem.xlsx")},
        content_type="multipart/form-data",
    )


def with_midterm(client: FlaskClient, gw: GradeWorld, student: str, value: str) -> bytes:
    """The grid as downloaded, with `student`'s midterm changed to `value` as a teacher would in Excel."""
    workbook = load_workbook(io.BytesIO(client.get(grid_url(gw) + "/grid.xlsx").data))
    sheet = workbook.active
    assert sheet is not None
    header = [cell.value for cell in sheet[2]]
    line = next(r for r in sheet.iter_rows(min_row=3) if r[2].value == student)
    line[header.index("Giữa kỳ")].value = value
    edited = io.BytesIO()
    workbook.save(edited)
    return edited.getvalue()


def test_the_downloaded_sheet_imports_back_and_saves_the_grid(app: Flask, gw: GradeWorld) -> None:
    services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw), row(gw.an.id, WORKED))
    client = signed_in(app, "teacher")
    download = client.get(grid_url(gw) + "/grid.xlsx")
    assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")
    edited = with_midterm(client, gw, "Lê Văn Cường", "7,5")

    response = upload(client, grid_url(gw), edited)
    assert response.status_code == 302
    assert stored(gw)[(gw.cuong.id, "gk")][0] == Decimal("7.5")
    assert stored(gw)[(gw.an.id, "gk")][0] == Decimal("6.5")  # unchanged by the round trip


def test_a_sheet_with_a_bad_cell_names_it_and_saves_nothing(app: Flask, gw: GradeWorld) -> None:
    client = signed_in(app, "teacher")
    workbook = load_workbook(io.BytesIO(client.get(grid_url(gw) + "/grid.xlsx").data))
    sheet = workbook.active
    assert sheet is not None
    sheet["F3"] = "11"  # the first student's TX3
    sheet["D3"] = "8"
    edited = io.BytesIO()
    workbook.save(edited)
    response = upload(client, grid_url(gw), edited.getvalue())
    assert response.status_code == 422
    assert "Ô F3: Điểm phải từ 0 đến 10" in page(response)
    assert stored(gw) == {}
    garbage = upload(client, grid_url(gw), b"not a spreadsheet")
    assert garbage.status_code == 422 and "không phải là bảng tính Excel" in page(garbage)


def test_a_sheet_changing_a_published_score_is_refused_with_its_cell(app: Flask, gw: GradeWorld) -> None:
    publish_midterm(gw)
    client = signed_in(app, "teacher")
    response = upload(client, grid_url(gw), with_midterm(client, gw, "Nguyễn Văn An", "10"))
    assert response.status_code == 422 and "Điểm đã công bố" in page(response)
    assert stored(gw)[(gw.an.id, "gk")][0] == Decimal("8.5")


def test_only_the_assigned_teacher_imports(app: Flask, gw: GradeWorld) -> None:
    client = signed_in(app, "homeroom")
    content = client.get(grid_url(gw) + "/grid.xlsx").data  # the homeroom teacher may download it
    assert upload(client, grid_url(gw), content).status_code == 403


def test_a_published_assessment_keeps_its_level_but_its_comment_stays_editable(gw: GradeWorld) -> None:
    form = {f"l-{gw.an.id}-kq": "dat", f"n-{gw.an.id}": "Hát tốt"}
    services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw, "music"), form)
    grid = grid_of(gw, "music")
    column = grid.column("kq")
    assert column is not None
    services.publish(gw.people.school, teacher_of(gw), grid, column)

    changed = {f"l-{gw.an.id}-kq": "chua_dat", f"n-{gw.an.id}": "Hát tốt"}
    reading = services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw, "music"), changed)
    assert reading.errors == {f"l-{gw.an.id}-kq": "Điểm đã công bố: dùng “Sửa điểm” và ghi lý do"}
    commented = {f"l-{gw.an.id}-kq": "dat", f"n-{gw.an.id}": "Hát tốt, biểu diễn tự tin"}
    assert services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw, "music"), commented).errors == {}
    assert stored(gw)[(gw.an.id, "kq")] == (None, "dat", "Hát tốt, biểu diễn tự tin")


def test_publishing_works_when_the_workers_cannot_be_nudged(
    app: Flask, gw: GradeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broker_away(name: str, *args: object) -> str:
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(tasks, "send", broker_away)
    services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw), row(gw.an.id, {"gk": "8,5"}))
    client = signed_in(app, "teacher")
    client.get(grid_url(gw))
    assert post(client, grid_url(gw) + "/publish/gk", {}).status_code == 302
    assert message_count(kind="score") == 2  # queued: the beat sweep finds them


# --- Edges: stale pages, forged and odd input ------------------------------------------------------


def test_a_second_publish_from_a_stale_page_sends_nothing_again(gw: GradeWorld) -> None:
    services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw), row(gw.an.id, {"gk": "8,5"}))
    stale = grid_of(gw)  # another tab, loaded before the first publish
    publish_midterm(gw)
    column = stale.column("gk")
    assert column is not None
    with pytest.raises(GradingError, match="không có điểm mới"):
        services.publish(gw.people.school, teacher_of(gw), stale, column)
    assert message_count(kind="score") == 2
    keys = db.session.scalars(select(Message.dedupe_key).where(Message.kind == "score")).all()
    assert len(set(keys)) == 2 and all(key.startswith("score:") for key in keys)


def test_a_save_from_a_page_loaded_before_publishing_changes_nothing(gw: GradeWorld) -> None:
    services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw), row(gw.an.id, {"gk": "8,5"}))
    stale = grid_of(gw)
    for score in stale.scores.values():
        db.session.expunge(score)  # as another request's copy: not refreshed by this session's commits
    publish_midterm(gw)
    reading = services.save_grid(gw.people.school, teacher_of(gw), stale, row(gw.an.id, {"gk": "3"}))
    assert reading.errors == {services.GRID_ERROR: services.CHANGED_MEANWHILE}
    assert stored(gw)[(gw.an.id, "gk")][0] == Decimal("8.5")


def test_a_published_level_the_browser_does_not_send_is_kept(gw: GradeWorld) -> None:
    # A published cell's level is a disabled select: the browser sends the comment without it.
    services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw, "music"), {f"l-{gw.an.id}-kq": "dat"})
    grid = grid_of(gw, "music")
    column = grid.column("kq")
    assert column is not None
    services.publish(gw.people.school, teacher_of(gw), grid, column)
    reading = services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw, "music"), {f"n-{gw.an.id}": "Tiến bộ"})
    assert reading.errors == {}
    assert stored(gw)[(gw.an.id, "kq")] == (None, "dat", "Tiến bộ")


def test_fields_that_are_not_the_cells_own_are_ignored(app: Flask, gw: GradeWorld) -> None:
    client = signed_in(app, "teacher")
    client.get(grid_url(gw))
    forged = {f"s-{gw.an.id}-gk": "8", "": "hoan_thanh", f"l-{gw.an.id}-gk": "dat", f"s-{gw.an.id}-tx9": "5"}
    assert post(client, grid_url(gw), forged).status_code == 302
    assert stored(gw) == {(gw.an.id, "gk"): (Decimal("8.0"), None, None)}
    music = {"": "abc", f"l-{gw.an.id}-kq": "dat"}
    assert post(client, grid_url(gw, "music"), music).status_code == 302


def test_control_characters_never_reach_the_database(gw: GradeWorld) -> None:
    form = {f"l-{gw.an.id}-kq": "dat", f"n-{gw.an.id}": "Hát\x00 tốt\x07"}
    assert services.save_grid(gw.people.school, teacher_of(gw), grid_of(gw, "music"), form).errors == {}
    assert stored(gw)[(gw.an.id, "kq")][2] == "Hát tốt"
    publish_midterm(gw)
    correction = services.correct(
        gw.people.school, teacher_of(gw), an_midterm(gw), raw_value="9", raw_level="",
        reason="Cộng\x00 nhầm",
    )  # fmt: skip
    assert correction.reason == "Cộng nhầm"


@pytest.mark.parametrize("number", [0, 3, 99_999_999_999_999_999_999])
def test_a_semester_that_does_not_exist_is_not_found(app: Flask, gw: GradeWorld, number: int) -> None:
    assert signed_in(app, "teacher").get(grid_url(gw, number=number)).status_code == 404


def test_a_class_named_with_a_slash_exports_its_sheets(app: Flask, gw: GradeWorld) -> None:
    gw.roster.school_class.name = "6/1"
    db.session.commit()
    download = signed_in(app, "teacher").get(grid_url(gw) + "/grid.xlsx")
    assert download.status_code == 200
    assert "diem-6-1-" in download.headers["Content-Disposition"]
    summary = signed_in(app, "homeroom").get(f"/s/alpha/grades/class/{gw.roster.school_class.id}/summary.xlsx")
    assert summary.status_code == 200


def test_a_student_who_moved_class_has_scores_corrected_by_the_new_teacher(app: Flask, gw: GradeWorld) -> None:
    publish_midterm(gw)
    other = make_class(gw.people, gw.roster.year, "6A2")
    assign(gw.people, gw.teacher2, gw.maths, other)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.student_id == gw.an.id))
    assert enrolment is not None
    enrolment.class_id = other.id  # An moved to 6A2, taught Toán by teacher2
    db.session.commit()

    url = f"/s/alpha/grades/score/{an_midterm(gw).id}/correct"
    assert signed_in(app, "teacher").get(url).status_code == 403  # no longer An's teacher
    client = signed_in(app, "teacher2")
    client.get(url)
    assert post(client, url, {"value": "9", "reason": "Chấm phúc khảo"}).status_code == 302
    assert an_midterm(gw).value == Decimal("9.0")


# --- Who corrects a published score: decided by the service, as the CLI and the portal will call it -------


def an_moves_to_a_class_taught_by_teacher2(gw: GradeWorld) -> None:
    other = make_class(gw.people, gw.roster.year, "6A2")
    assign(gw.people, gw.teacher2, gw.maths, other)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.student_id == gw.an.id))
    assert enrolment is not None
    enrolment.class_id = other.id
    db.session.commit()


def test_the_teacher_of_the_students_class_now_corrects_a_score_of_their_old_class(gw: GradeWorld) -> None:
    publish_midterm(gw)
    an_moves_to_a_class_taught_by_teacher2(gw)

    correction = services.correct(
        gw.people.school, gw.teacher2, an_midterm(gw), raw_value="9", raw_level="", reason="Chấm phúc khảo"
    )

    assert correction.corrected_by_id == gw.teacher2.id and an_midterm(gw).value == Decimal("9.0")


def test_the_teacher_of_the_class_the_student_left_may_not_correct(gw: GradeWorld) -> None:
    publish_midterm(gw)
    an_moves_to_a_class_taught_by_teacher2(gw)

    with pytest.raises(GradingError, match="lớp hiện tại của học sinh"):
        services.correct(
            gw.people.school, teacher_of(gw), an_midterm(gw), raw_value="9", raw_level="", reason="Chấm phúc khảo"
        )
    db.session.rollback()
    assert an_midterm(gw).value == Decimal("8.5")
    assert db.session.scalar(select(func.count()).select_from(ScoreCorrection)) == 0


@pytest.mark.parametrize("username", ["homeroom", "principal", "admin"])
def test_staff_who_do_not_teach_the_subject_there_may_not_correct(gw: GradeWorld, username: str) -> None:
    publish_midterm(gw)
    staff = gw.people.admin if username == "admin" else gw.people.staff[username]

    with pytest.raises(GradingError, match="lớp hiện tại của học sinh"):
        services.correct(gw.people.school, staff, an_midterm(gw), raw_value="9", raw_level="", reason="Chấm phúc khảo")
    db.session.rollback()
    assert an_midterm(gw).value == Decimal("8.5")
    assert message_count(kind="score") == 2
