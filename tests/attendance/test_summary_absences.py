"""The class summary and the families' results count absences from the attendance marks of each semester.

Excused and unexcused absences count, late and present do not; the year's total, over the whole school year's
dates (a gap between the semesters included, as the warnings and the portal count), is the promotion rule's
45 sessions; marks outside the year (the summer) and other students' marks do not count.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from contactbook.grading import summary
from contactbook.grading.rules import Level
from contactbook.models import AttendanceStatus, Student
from tests.attendance.factories import put_absences, put_mark
from tests.factories import World, login
from tests.family.child_support import as_mother, semester_scores
from tests.family.test_child_grades import LITERATURE, WORKED
from tests.grading.factories import GradeWorld, make_grade_world
from tests.grading.test_summary import fill_year, gw, record
from tests.support import browser, page

__all__ = ["gw"]

E, U, L, P = AttendanceStatus.EXCUSED, AttendanceStatus.UNEXCUSED, AttendanceStatus.LATE, AttendanceStatus.PRESENT


def line_of(gw: GradeWorld, student: Student) -> summary.StudentLine:
    return next(line for line in summary.summarise(gw.roster.school_class).lines if line.student.id == student.id)


def test_each_semester_counts_its_excused_and_unexcused_absences_not_late_or_present(gw: GradeWorld) -> None:
    school_class, first, second = gw.roster.school_class, gw.first, gw.second
    put_mark(school_class, gw.an, first.starts_on, U)
    put_mark(school_class, gw.an, first.ends_on, E)
    put_mark(school_class, gw.an, first.starts_on + timedelta(days=1), L)
    put_mark(school_class, gw.an, first.starts_on + timedelta(days=2), P)
    put_mark(school_class, gw.an, second.starts_on, E)
    put_mark(school_class, gw.an, second.ends_on + timedelta(days=1), U)  # the summer: no semester
    put_mark(school_class, gw.an, first.ends_on + timedelta(days=1), U)  # between the semesters: the year only
    put_mark(school_class, gw.cuong, second.starts_on, U)

    line = line_of(gw, gw.an)
    assert line.absences == {1: 2, 2: 1} and line.year_absences == 4  # the gap between the semesters counts
    assert line_of(gw, gw.cuong).absences == {1: 0, 2: 1} and line_of(gw, gw.hoa).year_absences == 0


def test_periods_count_a_session_only_when_every_marked_period_was_missed(gw: GradeWorld) -> None:
    school_class, day = gw.roster.school_class, gw.first.starts_on
    for slot, status in (("p1", U), ("p2", U), ("p6", U), ("p7", P)):
        put_mark(school_class, gw.an, day, status, slot)
    assert line_of(gw, gw.an).absences[1] == 1  # the morning; not the afternoon, present in period 7


def test_45_sessions_in_the_year_still_promote_46_hold_back(gw: GradeWorld) -> None:
    for student in (gw.an, gw.cuong):
        fill_year(gw, student, {}, default="8")
    record(gw, gw.an, ("tot", "tot"), (20, 25))
    record(gw, gw.cuong, ("tot", "tot"), (20, 26))
    an, cuong = line_of(gw, gw.an), line_of(gw, gw.cuong)
    assert (an.year_absences, an.year_learning, an.promoted) == (45, Level.TOT, True)
    assert (cuong.year_absences, cuong.year_learning, cuong.promoted) == (46, Level.TOT, False)


def test_the_summary_page_shows_the_counted_absences_and_no_input_for_them(app: Flask, gw: GradeWorld) -> None:
    put_absences(gw.roster.school_class, gw.an, gw.first.starts_on, 3)
    put_absences(gw.roster.school_class, gw.an, gw.second.starts_on, 2, E)
    homeroom = browser(app)
    login(homeroom, "homeroom", "alpha")
    html = page(homeroom.get(f"/s/alpha/grades/class/{gw.roster.school_class.id}/summary"))
    assert re.findall(r'data-test="absences-1">(\d+)<', html)[0] == "3"
    assert re.findall(r'data-test="absences-2">(\d+)<', html)[0] == "2"
    assert re.findall(r'data-test="year-absences">(\d+)<', html)[0] == "5"
    assert f'name="a-{gw.an.id}-1"' not in html and 'data-test="absences-hint"' in html


def test_the_summary_spreadsheet_counts_the_marks(gw: GradeWorld) -> None:
    put_absences(gw.roster.school_class, gw.an, gw.second.starts_on, 4)
    sheet = load_workbook(io.BytesIO(summary.export_summary(summary.summarise(gw.roster.school_class)))).active
    assert sheet is not None
    rows = [[cell.value for cell in r] for r in sheet.iter_rows()]
    an = next(r for r in rows if r[2] == "Nguyễn Văn An")
    assert an[rows[0].index("Số buổi nghỉ")] == 4


def test_the_family_reads_the_absences_the_marks_count(app: Flask, client: FlaskClient, world: World) -> None:
    gw = make_grade_world(world.a)
    semester_scores(gw, gw.an, gw.first, WORKED, LITERATURE)
    put_absences(gw.roster.school_class, gw.an, gw.first.starts_on, 2)
    put_mark(gw.roster.school_class, gw.an, date(2026, 7, 1), U)  # summer holidays: not counted
    put_absences(gw.roster.school_class, gw.cuong, gw.first.starts_on, 9)  # another family's child
    as_mother(app, client)
    html = page(client.get(f"/family/children/{gw.an.id}/"))
    result = re.search(r'data-test="semester-result">([^<]*)', html)
    assert result is not None and "Số buổi nghỉ: 2" in result.group(1)
