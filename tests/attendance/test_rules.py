"""The pure rules of attendance: slots by unit, leave cover, sessions absent."""

from datetime import date

from contactbook.attendance.rules import absent_sessions, covers, half_of, slots_for
from contactbook.models import AttendanceStatus, AttendanceUnit

MON, TUE = date(2026, 12, 7), date(2026, 12, 8)
P, L, E, U = AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.EXCUSED, AttendanceStatus.UNEXCUSED


def test_a_school_marks_the_day_each_session_or_each_period() -> None:
    assert slots_for(AttendanceUnit.DAY) == ("day",)
    assert slots_for(AttendanceUnit.SESSION) == ("morning", "afternoon")
    assert slots_for(AttendanceUnit.PERIOD)[0] == "p1" and len(slots_for(AttendanceUnit.PERIOD)) == 10


def test_periods_one_to_five_are_the_morning_six_to_ten_the_afternoon() -> None:
    assert [half_of(f"p{n}") for n in (1, 5, 6, 10)] == ["morning", "morning", "afternoon", "afternoon"]
    assert half_of("day") == "day" and half_of("afternoon") == "afternoon"


def test_a_whole_day_leave_covers_every_slot_a_session_leave_only_its_own() -> None:
    assert all(covers("day", slot) for slot in ("day", "morning", "afternoon", "p1", "p9"))
    assert covers("morning", "p3") and covers("morning", "morning") and not covers("morning", "p7")
    assert not covers("afternoon", "morning")
    assert covers("morning", "day")  # a school marking whole days: a morning's leave still excuses that day


def test_each_absent_day_or_session_counts_one_and_late_or_present_none() -> None:
    marks = [(MON, "day", U), (TUE, "day", E), (date(2026, 12, 9), "day", L), (date(2026, 12, 10), "day", P)]
    assert absent_sessions(marks) == 2
    assert absent_sessions([(MON, "morning", U), (MON, "afternoon", E), (TUE, "morning", P)]) == 2


def test_periods_count_a_session_only_when_every_marked_period_of_it_was_missed() -> None:
    one_missed = [(MON, "p1", U), (MON, "p2", P), (MON, "p3", P)]
    assert absent_sessions(one_missed) == 0
    whole_morning = [(MON, "p1", U), (MON, "p2", E), (MON, "p6", P)]
    assert absent_sessions(whole_morning) == 1
    both = [(MON, "p1", U), (MON, "p7", U), (TUE, "p2", E)]
    assert absent_sessions(both) == 3
