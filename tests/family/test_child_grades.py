"""A child's grades in the family portal: published scores only, corrections, averages, results, the chart."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from contactbook.extensions import db
from contactbook.family.charts import Slot, trend_chart
from contactbook.grading import services as grading
from contactbook.grading.summary import summarise
from contactbook.models import AssessmentKind, Score
from contactbook.roster import services as roster
from tests.factories import World
from tests.family.child_support import as_mother, decimal, publish, published, semester_scores
from tests.grading.factories import GradeWorld, make_grade_world
from tests.roster.factories import assign
from tests.support import page

WORKED = {"tx1": "7", "tx2": "8", "tx3": "9", "gk": "6,5", "ck": "8"}  # grading.md: 7.625 → 7,6
LITERATURE = {"tx1": "8", "tx2": "8", "tx3": "8", "tx4": "8", "gk": "8", "ck": "8"}


@pytest.fixture
def gw(world: World) -> GradeWorld:
    return make_grade_world(world.a)


def grades_page(client: FlaskClient, gw: GradeWorld) -> str:
    response = client.get(f"/family/children/{gw.an.id}/")
    assert response.status_code == 200
    return page(response)


def marks(html: str) -> dict[str, str]:
    """The marks shown, by `column-semester` (tx1-1, gk-2...)."""
    found = re.findall(r'data-test="mark" data-column="([a-z0-9]+-[12])">\s*<dt>[^<]*</dt>\s*<dd>([^<]*)', html)
    return {key: text.strip() for key, text in found}


def test_a_score_is_shown_only_once_published(app: Flask, client: FlaskClient, gw: GradeWorld) -> None:
    teacher = gw.people.staff["teacher"]
    grid = grading.load_grid(gw.roster.school_class, gw.maths, gw.first)
    grading.save_grid(gw.people.school, teacher, grid, {f"s-{gw.an.id}-gk": "8,5", f"s-{gw.an.id}-tx1": "7"})
    as_mother(app, client)

    assert marks(grades_page(client, gw)) == {}  # typed, not published: the family does not see it

    publish(gw, gw.maths, gw.first, "gk", {gw.an.id: "8,5", gw.cuong.id: "4"})
    html = grades_page(client, gw)
    assert marks(html) == {"gk-1": "8,5"}  # the midterm only; the regular score waits for its publication
    assert "Lê Văn Cường" not in html and ">4<" not in html  # never another child's


def test_a_correction_shows_the_old_and_new_value_and_the_reason(
    app: Flask, client: FlaskClient, gw: GradeWorld
) -> None:
    publish(gw, gw.maths, gw.first, "gk", {gw.an.id: "8,5"})
    score = db.session.scalar(select(Score).where(Score.student_id == gw.an.id, Score.column == "gk"))
    assert score is not None
    grading.correct(gw.people.school, gw.people.staff["teacher"], score, raw_value="9", raw_level="",
                    reason="Cộng nhầm điểm bài 3")  # fmt: skip
    as_mother(app, client)

    html = grades_page(client, gw)
    assert marks(html)["gk-1"].startswith("9,0")
    corrections = re.findall(r'data-test="correction">([^<]*)', html)
    assert len(corrections) == 1
    assert "8,5 → 9,0" in corrections[0] and "Cộng nhầm điểm bài 3" in corrections[0]


def test_averages_appear_once_every_cell_they_are_made_of_is_published(
    app: Flask, client: FlaskClient, gw: GradeWorld
) -> None:
    for column, value in WORKED.items():
        published(gw, gw.an, gw.maths, gw.first, column, value)
    published(gw, gw.an, gw.maths, gw.second, "tx1", "9")
    as_mother(app, client)

    html = grades_page(client, gw)
    maths = html[html.index('data-subject="Toán"') :]
    assert re.search(r'data-test="semester-mark-1">7,6<', maths)
    assert re.search(r'data-test="semester-mark-2">—<', maths)
    assert 'data-test="year-mark"' not in maths.split("</section>")[0]

    for column, value in {"tx2": "7", "tx3": "7", "gk": "7", "ck": "7"}.items():
        published(gw, gw.an, gw.maths, gw.second, column, value)
    maths = grades_page(client, gw).split('data-subject="Toán"')[1].split("</section>")[0]
    # Semester II: (9 + 7 + 7 + 2×7 + 3×7) / 8 = 7.25 → 7,3; the year: (7,6 + 2×7,3) / 3 = 7.4
    assert re.search(r'data-test="semester-mark-2">7,3<', maths)
    assert re.search(r'data-test="year-mark"><strong>[^<]*7,4</strong>', maths)


def test_results_appear_once_every_subject_is_published_as_the_summary_computes_them(
    app: Flask, client: FlaskClient, gw: GradeWorld
) -> None:
    as_mother(app, client)
    semester_scores(gw, gw.an, gw.first, WORKED, LITERATURE)
    published(gw, gw.an, gw.music, gw.second, "kq", level="dat")
    html = grades_page(client, gw)
    assert 'data-test="semester-result"' in html and 'data-test="year-result"' not in html

    semester_scores(gw, gw.an, gw.second, WORKED, LITERATURE, music=None)
    html = grades_page(client, gw)

    line = next(line for line in summarise(gw.roster.school_class).lines if line.student.id == gw.an.id)
    assert line.year_learning is not None
    year = re.search(r'data-test="year-result">([^<]*)', html)
    assert year and line.year_learning.label in year.group(1)
    assert "hạng" not in html.lower() and "trung bình lớp" not in html.lower()  # no rank, no class average


def test_an_unpublished_subject_keeps_the_results_back(app: Flask, client: FlaskClient, gw: GradeWorld) -> None:
    semester_scores(gw, gw.an, gw.first, WORKED, LITERATURE)
    score = db.session.scalar(select(Score).where(Score.student_id == gw.an.id, Score.subject_id == gw.music.id))
    assert score is not None
    score.published_at = None
    db.session.commit()
    as_mother(app, client)

    assert 'data-test="semester-result"' not in grades_page(client, gw)


def test_each_subject_has_a_chart_with_a_point_per_published_score(
    app: Flask, client: FlaskClient, gw: GradeWorld
) -> None:
    for column, value in WORKED.items():
        published(gw, gw.an, gw.maths, gw.first, column, value)
    published(gw, gw.an, gw.maths, gw.second, "gk", "9,5")
    as_mother(app, client)

    maths = grades_page(client, gw).split('data-subject="Toán"')[1].split("</section>")[0]
    svg = re.search(r"<svg [^>]*data-test=\"chart\".*?</svg>", maths, re.DOTALL)
    assert svg, "no chart for Toán"
    chart = svg.group(0)
    assert 'role="img"' in chart and "<title" in chart and "<desc" in chart
    points = re.findall(r'<circle class="point" cx="([\d.]+)" cy="([\d.]+)" r="4" data-value="([^"]+)"', chart)
    assert [value for _, _, value in points] == ["7,0", "8,0", "9,0", "6,5", "8,0", "9,5"]
    # A score of v sits at y = 110 - 10 v; the points go left to right, semester II's midterm in its own slot.
    assert [float(y) for _, y, _ in points] == [110 - 10 * float(decimal(v)) for _, _, v in points]
    xs = [float(x) for x, _, _ in points]
    assert xs == sorted(xs) and xs[0] == 30 and xs[-1] < 290  # semester II's end of term is not published
    assert re.search(r'<polyline class="trendline" points="30,40 ', chart)
    assert "Giữa kỳ HK II: 9,5" in chart  # the text alternative names each score


def test_the_chart_leaves_a_gap_for_a_column_not_published_yet() -> None:
    first = [Slot("a", decimal("5"), "5,0"), Slot("b", None)]
    second = [Slot("c", None), Slot("d", decimal("10"), "10,0")]

    chart = trend_chart(first, second)

    assert chart is not None
    assert [(p.x, p.y) for p in chart.points] == [(30, 60), (290, 10)]
    assert chart.divider_x == 160
    assert chart.polyline == "30,60 290,10"
    assert trend_chart([Slot("a", None)], [Slot("b", None)]) is None


def test_a_primary_subject_shows_its_level_and_charts_its_test_score(
    app: Flask, client: FlaskClient, gw: GradeWorld
) -> None:
    people = gw.people
    subject = roster.create_subject(
        people.school, people.admin, name="Tiếng Việt", periods_per_year=245, assessment_kind=AssessmentKind.LEVEL
    )
    assign(people, people.staff["teacher"], subject, gw.roster.school_class)
    grid = grading.load_grid(gw.roster.school_class, subject, gw.first)
    form = {f"l-{gw.an.id}-ck": "hoan_thanh_tot", f"s-{gw.an.id}-ck": "9", f"n-{gw.an.id}": "Đọc lưu loát"}
    assert grading.save_grid(people.school, people.staff["teacher"], grid, form).errors == {}
    grid = grading.load_grid(gw.roster.school_class, subject, gw.first)
    column = grid.column("ck")
    assert column is not None
    grading.publish(people.school, people.staff["teacher"], grid, column)
    as_mother(app, client)

    section = grades_page(client, gw).split('data-subject="Tiếng Việt"')[1].split("</section>")[0]

    assert marks(section) == {"ck-1": "Hoàn thành tốt (9)"}
    assert "Đọc lưu loát" in section  # the teacher's comment, published with the cell
    assert re.findall(r'<circle class="point" cx="[\d.]+" cy="([\d.]+)"', section) == ["20"]
