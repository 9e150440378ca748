"""The pure rules of daily notes: reading the class's form, the days a class writes for, a day in an address."""

from __future__ import annotations

from datetime import date

import pytest

from contactbook.daily_notes.rules import NoteTexts, neighbours, parse_day, read_class_form, writable_days


def test_the_form_gives_each_childs_texts_cleaned_and_the_class_line_fills_empty_boxes() -> None:
    form = {"meals-all": " Ăn  hết ", "meals-1": "", "nap-1": "Ngủ\u202e 2 tiếng", "comment-2": "Dòng 1\r\nDòng 2\x00"}

    notes, refusals = read_class_form(form, [1, 2, 3])

    assert refusals == {}
    assert notes == {
        1: NoteTexts(meals="Ăn hết", nap="Ngủ 2 tiếng"),
        2: NoteTexts(meals="Ăn hết", comment="Dòng 1\nDòng 2"),
    }  # child 3 has no box in the form: left out


def test_a_text_too_long_is_refused_by_its_field() -> None:
    _, refusals = read_class_form({"comment-1": "x" * 501, "activities-all": "y" * 301, "meals-1": "ok"}, [1])

    assert sorted(refusals) == ["activities-all", "comment-1"]
    assert refusals["comment-1"].values == {"count": 500}


def test_an_all_empty_note_is_empty() -> None:
    notes, _ = read_class_form({"meals-1": " ", "comment-1": "\x00"}, [1])
    assert notes[1].empty


def test_the_writable_days_run_from_the_years_start_to_today_or_its_end() -> None:
    start, end = date(2026, 9, 5), date(2027, 5, 25)
    assert writable_days(start, end, date(2026, 12, 6)) == (start, date(2026, 12, 6))
    assert writable_days(start, end, date(2027, 7, 1)) == (start, end)
    assert writable_days(start, end, date(2026, 8, 20)) is None


@pytest.mark.parametrize(
    ("raw", "day"),
    [("2026-12-06", date(2026, 12, 6)), ("2026-02-30", None), ("２０２６-１２-０６", None), ("2026-1-6", None),
     ("+2026-12-0", None), ("", None), ("x" * 10, None)],
)  # fmt: skip
def test_a_day_is_iso_with_ascii_digits(raw: str, day: date | None) -> None:
    assert parse_day(raw) == day


def test_the_neighbours_stay_within_the_writable_days() -> None:
    first, last = date(2026, 9, 5), date(2026, 12, 6)
    assert neighbours(date(2026, 9, 5), first, last) == (None, date(2026, 9, 6))
    assert neighbours(date(2026, 12, 6), first, last) == (date(2026, 12, 5), None)
