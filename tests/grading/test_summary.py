"""The class summary: averages, learning result with the one-subject adjustment, conduct, absences (from
the attendance marks), promotion and titles as the circulars compute them, and what only the homeroom
teacher records.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import delete, func, select

from contactbook.extensions import db
from contactbook.grading import services, summary
from contactbook.grading.grid import columns_for
from contactbook.grading.rules import Competence, Level, PrimaryResult, Title
from contactbook.grading.services import GradingError
from contactbook.models import AssessmentKind, Score, Semester, Student, Subject, TermRecord
from contactbook.roster import services as roster
from tests.attendance.factories import put_absences
from tests.factories import World, login, post
from tests.grading.factories import GradeWorld, make_grade_world, put_score
from tests.roster.factories import assign, make_class, make_class_world, make_student, make_subject, make_year
from tests.support import browser, main_text, page

EXTRA = ("Tiếng Anh", "Khoa học tự nhiên", "Lịch sử và Địa lí", "Tin học", "Công nghệ", "Giáo dục công dân")


@pytest.fixture
def gw(world: World) -> GradeWorld:
    gw = make_grade_world(world.a)
    for name in EXTRA:  # 9 scored subjects in all, and Âm nhạc by comment
        assign(gw.people, gw.people.staff["teacher"], make_subject(gw.people, name, 105), gw.roster.school_class)
    return gw


def scored_subjects(gw: GradeWorld) -> list[Subject]:
    return [s for s in summary.class_subjects(gw.roster.school_class) if s.assessment_kind == AssessmentKind.SCORED]


def fill(gw: GradeWorld, student: Student, subject: Subject, semester: Semester, value: str) -> None:
    """Every column of the subject's grid at `value`, so its semester average is `value`."""
    for column in columns_for(subject.assessment_kind, subject.periods_per_year):
        put_score(gw, student, subject, semester, column.key, value)


def fill_year(gw: GradeWorld, student: Student, values: dict[str, str], default: str, music: str = "dat") -> None:
    for semester in (gw.first, gw.second):
        for subject in scored_subjects(gw):
            fill(gw, student, subject, semester, values.get(subject.name, default))
        put_score(gw, student, gw.music, semester, "kq", level=music)


def record(gw: GradeWorld, student: Student, conduct: tuple[str, str], absences: tuple[int, int] = (0, 0)) -> None:
    """The homeroom teacher's conduct of both semesters, and `absences` days marked absent in each semester."""
    form = {}
    for number, level in enumerate(conduct, start=1):
        form[f"c-{student.id}-{number}"] = level
    school_class = gw.roster.school_class
    assert services.save_term_records(gw.people.school, gw.people.staff["homeroom"], school_class, form) == {}
    for semester, count in zip((gw.first, gw.second), absences, strict=True):
        put_absences(school_class, student, semester.starts_on, count)


def line_of(gw: GradeWorld, student: Student) -> summary.StudentLine:
    the_summary = summary.summarise(gw.roster.school_class)
    return next(line for line in the_summary.lines if line.student.id == student.id)


def test_one_weak_subject_is_lifted_one_level_and_the_student_promoted(gw: GradeWorld) -> None:
    fill_year(gw, gw.an, {"Toán": "3"}, default="9")
    record(gw, gw.an, ("tot", "tot"), (3, 4))
    line = line_of(gw, gw.an)

    assert line.subjects[gw.maths.id].year == Decimal("3.0")
    assert line.learning[1] == Level.DAT  # Chưa đạt (Toán below 3.5), lifted: Tốt without Toán's weakness
    assert line.year_learning == Level.DAT and line.year_conduct == Level.TOT
    assert line.year_absences == 7 and line.promoted is True and line.title is None


def test_a_strong_year_earns_the_excellent_title(gw: GradeWorld) -> None:
    fill_year(gw, gw.cuong, {"Toán": "8"}, default="9,5")
    record(gw, gw.cuong, ("kha", "tot"))
    line = line_of(gw, gw.cuong)
    assert (line.year_learning, line.year_conduct, line.title) == (Level.TOT, Level.TOT, Title.XUAT_SAC)


def test_the_year_average_weighs_the_second_semester_twice(gw: GradeWorld) -> None:
    fill(gw, gw.an, gw.maths, gw.first, "6,8")
    fill(gw, gw.an, gw.maths, gw.second, "7,3")
    assert line_of(gw, gw.an).subjects[gw.maths.id].year == Decimal("7.1")  # grading.md: 21.4 / 3


def test_more_than_45_sessions_absent_holds_a_student_back(gw: GradeWorld) -> None:
    fill_year(gw, gw.an, {}, default="8")
    record(gw, gw.an, ("tot", "tot"), (20, 26))
    line = line_of(gw, gw.an)
    assert line.year_learning == Level.TOT and line.promoted is False


def test_a_missing_score_leaves_results_open(gw: GradeWorld) -> None:
    fill_year(gw, gw.hoa, {}, default="8")
    record(gw, gw.hoa, ("tot", "tot"))
    db.session.execute(  # one regular score of Toán in semester II goes missing
        delete(Score).where(
            Score.student_id == gw.hoa.id,
            Score.subject_id == gw.maths.id,
            Score.semester_id == gw.second.id,
            Score.column == "tx1",
        )
    )
    db.session.commit()
    line = line_of(gw, gw.hoa)
    assert line.subjects[gw.maths.id].semesters[2] is None and line.subjects[gw.maths.id].year is None
    assert line.learning[1] == Level.TOT and line.learning[2] is None and line.promoted is None


def test_only_the_homeroom_teacher_records_conduct_and_bad_entries_save_nothing(gw: GradeWorld) -> None:
    school_class = gw.roster.school_class
    with pytest.raises(GradingError):
        services.save_term_records(gw.people.school, gw.people.staff["teacher"], school_class, {})
    errors = services.save_term_records(
        gw.people.school,
        gw.people.staff["homeroom"],
        school_class,
        {f"c-{gw.an.id}-1": "tot", f"c-{gw.cuong.id}-1": "xuat_sac", f"q-{gw.hoa.id}": "best"},
    )
    refused = "Chọn một mức trong danh sách"
    assert errors == {f"c-{gw.cuong.id}-1": refused, f"q-{gw.hoa.id}": refused}
    assert db.session.scalar(select(func.count()).select_from(TermRecord)) == 0


def test_the_summary_exports_to_a_spreadsheet(gw: GradeWorld) -> None:
    fill_year(gw, gw.an, {"Toán": "3"}, default="9")
    record(gw, gw.an, ("tot", "tot"), (1, 1))
    sheet = load_workbook(io.BytesIO(summary.export_summary(summary.summarise(gw.roster.school_class)))).active
    assert sheet is not None
    rows = [[cell.value for cell in r] for r in sheet.iter_rows()]
    header, an = rows[0], next(r for r in rows if r[2] == "Nguyễn Văn An")
    assert an[header.index("Toán cả năm")] == "3,0"
    assert an[header.index("Học tập cả năm")] == "Đạt" and an[header.index("Lên lớp")] == "Lên lớp"


def test_a_primary_class_gets_its_year_result(world: World) -> None:
    people = world.a
    year = make_year(people)
    school_class = make_class(people, year, "4A", grade=4, homeroom=people.staff["homeroom"])
    child = make_student(people, school_class, "Đỗ Minh Khang", "790100000009")
    for name, test in (("Tiếng Việt", "9"), ("Toán", "10")):
        subject = roster.create_subject(
            people.school, people.admin, name=name, periods_per_year=175, assessment_kind=AssessmentKind.LEVEL
        )
        assign(people, people.staff["teacher"], subject, school_class)
        db.session.add(
            Score(
                school_id=people.school.id, class_id=school_class.id, student_id=child.id, subject_id=subject.id,
                semester_id=year.semesters[1].id, column="ck", value=Decimal(test), level="hoan_thanh_tot",
            )
        )  # fmt: skip
    db.session.commit()
    assert summary.summarise(school_class).lines[0].primary_result is None  # qualities not assessed yet

    form = {f"q-{child.id}": Competence.TOT.value}
    assert services.save_term_records(people.school, people.staff["homeroom"], school_class, form) == {}
    assert summary.summarise(school_class).lines[0].primary_result == PrimaryResult.HOAN_THANH_XUAT_SAC


def test_the_summary_page_is_the_homeroom_teachers(app: Flask, gw: GradeWorld) -> None:
    url = f"/s/alpha/grades/class/{gw.roster.school_class.id}/summary"
    teacher = browser(app)
    login(teacher, "teacher", "alpha")
    assert teacher.get(url).status_code == 403
    homeroom = browser(app)
    login(homeroom, "homeroom", "alpha")
    assert 'data-test="save-summary"' in page(homeroom.get(url))
    assert f'name="a-{gw.an.id}-1"' not in page(homeroom.get(url))  # absences are counted, not typed
    response = post(homeroom, url, {f"c-{gw.an.id}-1": "x"})
    assert response.status_code == 422 and "Chọn một mức trong danh sách" in page(response)
    assert post(homeroom, url, {f"c-{gw.an.id}-1": "kha", f"a-{gw.an.id}-1": "2"}).status_code == 302
    saved = db.session.scalar(select(TermRecord).where(TermRecord.student_id == gw.an.id))
    assert saved is not None and (saved.conduct, saved.absences) == ("kha", 0)  # a typed count is ignored


def test_the_summary_links_the_homeroom_teacher_to_every_grid_of_the_class(app: Flask, gw: GradeWorld) -> None:
    homeroom = browser(app)
    login(homeroom, "homeroom", "alpha")
    text = page(homeroom.get(f"/s/alpha/grades/class/{gw.roster.school_class.id}/summary"))
    literature = f"/s/alpha/grades/class/{gw.roster.school_class.id}/subject/{gw.literature.id}/semester/2"
    assert literature in text  # taught by teacher2, led by her: she opens it read-only
    assert homeroom.get(literature).status_code == 200


@pytest.mark.parametrize("absences", ["²", "1e3", "-1", "401", "٣", "3"])
def test_a_typed_absence_count_is_no_longer_taken(gw: GradeWorld, absences: str) -> None:
    form = {f"a-{gw.an.id}-1": absences}
    errors = services.save_term_records(gw.people.school, gw.people.staff["homeroom"], gw.roster.school_class, form)
    assert errors == {} and line_of(gw, gw.an).absences == {1: 0, 2: 0}


def test_a_subject_nobody_teaches_yet_keeps_the_learning_result_open(app: Flask, world: World) -> None:
    cw = make_class_world(world.a)  # Toán, taught by "teacher"
    make_subject(world.a, "Ngữ văn", 140)  # a subject of the school nobody teaches 6A1 yet
    for semester in cw.year.semesters:
        for column in columns_for(cw.subject.assessment_kind, cw.subject.periods_per_year):
            db.session.add(
                Score(
                    school_id=world.a.school.id, class_id=cw.school_class.id, student_id=cw.student.id,
                    subject_id=cw.subject.id, semester_id=semester.id, column=column.key, value=Decimal("8.6"),
                )
            )  # fmt: skip
    db.session.commit()

    the_summary = summary.summarise(cw.school_class)
    line = the_summary.lines[0]
    assert [s.name for s in the_summary.untaught] == ["Ngữ văn"]
    assert line.subjects[cw.subject.id].year == Decimal("8.6")
    assert line.learning == {1: None, 2: None} and line.year_learning is None  # not Chưa đạt from Toán alone

    admin = browser(app)
    login(admin, "admin", "alpha")
    text = main_text(admin.get(f"/s/alpha/grades/class/{cw.school_class.id}/summary"))
    assert "Chưa đạt" not in text
    assert "Nguyễn Văn An — — — 8,6 8,6 8,6 — — —" in text  # Ngữ văn open, Toán, the learning results open
    assert "Lớp chưa có giáo viên dạy Ngữ văn: kết quả học tập chờ điểm của các môn này." in text


def test_the_titles_column_is_headed_danh_hieu_and_stays_open_with_the_results(app: Flask, gw: GradeWorld) -> None:
    homeroom = browser(app)
    login(homeroom, "homeroom", "alpha")
    response = homeroom.get(f"/s/alpha/grades/class/{gw.roster.school_class.id}/summary")
    assert re.search(r"<th rowspan=\"2\">Lên lớp</th><th rowspan=\"2\">Danh hiệu</th>", page(response))
    assert "Tiêu đề" not in page(response)
    titles = re.findall(r'data-test="title">([^<]*)</td>', page(response))
    assert titles == ["—", "—", "—"]  # An, Cường and Hoa: nothing entered yet
