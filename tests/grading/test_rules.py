"""The grading rules, as grading.md reads Thông tư 22/2021 (secondary) and Thông tư 27/2020 (primary)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contactbook.grading.rules import (
    Competence,
    Level,
    PrimaryLevel,
    PrimaryResult,
    Title,
    conduct_year,
    format_score,
    learning_result,
    parse_score,
    primary_year_result,
    promoted,
    regular_assessment_count,
    semester_average,
    title,
    year_average,
)

D = Decimal
TOT, KHA, DAT, CHUA_DAT = Level.TOT, Level.KHA, Level.DAT, Level.CHUA_DAT
HTT, HT, CHT = PrimaryLevel.HOAN_THANH_TOT, PrimaryLevel.HOAN_THANH, PrimaryLevel.CHUA_HOAN_THANH
Q_TOT, Q_DAT, Q_CCG = Competence.TOT, Competence.DAT, Competence.CAN_CO_GANG
EXCELLENT, VERY_GOOD = PrimaryResult.HOAN_THANH_XUAT_SAC, PrimaryResult.HOAN_THANH_TOT
COMPLETED, NOT_COMPLETED = PrimaryResult.HOAN_THANH, PrimaryResult.CHUA_HOAN_THANH

SCORED_SUBJECTS = (
    "Toán",
    "Ngữ văn",
    "Tiếng Anh",
    "Lịch sử",
    "Vật lí",
    "Hóa học",
    "Sinh học",
    "Tin học",
    "Công nghệ",
    "Giáo dục quốc phòng và an ninh",
)
COMMENT_SUBJECTS = ("Giáo dục thể chất", "Nghệ thuật", "Hoạt động trải nghiệm, hướng nghiệp")
PRIMARY_SUBJECTS = ("Tiếng Việt", "Toán", "Khoa học", "Lịch sử và Địa lí")

NOT_ENTERED = "Chưa nhập điểm"
NOT_A_SCORE = "Không phải là điểm số"
OUT_OF_RANGE = "Điểm phải từ 0 đến 10"
ONE_DECIMAL = "Điểm chỉ có tối đa một chữ số thập phân"
PRIMARY_WHOLE = "Điểm kiểm tra tiểu học là số nguyên từ 0 đến 10"


def scores(*values: str) -> dict[str, Decimal]:
    """Averages of the scored subjects in order, Toán first."""
    return {name: D(value) for name, value in zip(SCORED_SUBJECTS[: len(values)], values, strict=True)}


def comments(failed: int = 0) -> dict[str, bool]:
    """The comment-only subjects, the first `failed` of them Chưa đạt, the rest Đạt."""
    return {name: i >= failed for i, name in enumerate(COMMENT_SUBJECTS)}


def primary(*levels: PrimaryLevel) -> dict[str, PrimaryLevel]:
    return dict(zip(PRIMARY_SUBJECTS[: len(levels)], levels, strict=True))


def end_of_year(*values: int) -> dict[str, int]:
    return dict(zip(PRIMARY_SUBJECTS[: len(values)], values, strict=True))


# --- The values and their Vietnamese words ----------------------------------------------------------


def test_the_enums_carry_the_glossary_values() -> None:
    assert [m.value for m in Level] == ["tot", "kha", "dat", "chua_dat"]
    assert [m.value for m in PrimaryLevel] == ["hoan_thanh_tot", "hoan_thanh", "chua_hoan_thanh"]
    assert [m.value for m in Competence] == ["tot", "dat", "can_co_gang"]
    assert [m.value for m in PrimaryResult] == [
        "hoan_thanh_xuat_sac",
        "hoan_thanh_tot",
        "hoan_thanh",
        "chua_hoan_thanh",
    ]
    assert [m.value for m in Title] == ["xuat_sac", "gioi"]


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (Level.TOT, "Tốt"),
        (Level.KHA, "Khá"),
        (Level.DAT, "Đạt"),
        (Level.CHUA_DAT, "Chưa đạt"),
        (PrimaryLevel.HOAN_THANH_TOT, "Hoàn thành tốt"),
        (PrimaryLevel.HOAN_THANH, "Hoàn thành"),
        (PrimaryLevel.CHUA_HOAN_THANH, "Chưa hoàn thành"),
        (Competence.TOT, "Tốt"),
        (Competence.DAT, "Đạt"),
        (Competence.CAN_CO_GANG, "Cần cố gắng"),
        (PrimaryResult.HOAN_THANH_XUAT_SAC, "Hoàn thành xuất sắc"),
        (PrimaryResult.HOAN_THANH_TOT, "Hoàn thành tốt"),
        (PrimaryResult.HOAN_THANH, "Hoàn thành"),
        (PrimaryResult.CHUA_HOAN_THANH, "Chưa hoàn thành"),
        (Title.XUAT_SAC, "Học sinh Xuất sắc"),
        (Title.GIOI, "Học sinh Giỏi"),
    ],
)
def test_each_value_is_shown_in_vietnamese(
    value: Level | PrimaryLevel | Competence | PrimaryResult | Title, label: str
) -> None:
    assert value.label == label


def test_levels_rank_from_chua_dat_up_to_tot() -> None:
    assert sorted(Level, key=lambda level: level.rank) == [CHUA_DAT, DAT, KHA, TOT]
    assert [level.rank for level in (CHUA_DAT, DAT, KHA, TOT)] == [0, 1, 2, 3]


# --- Regular assessments per semester ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("periods", "count"),
    [(1, 2), (35, 2), (36, 3), (70, 3), (71, 4), (105, 4), (140, 4)],
)
def test_the_regular_assessment_count_follows_the_periods_per_year(periods: int, count: int) -> None:
    assert regular_assessment_count(periods) == count


@pytest.mark.parametrize("periods", [0, -35])
def test_a_subject_without_periods_has_no_regular_assessment_count(periods: int) -> None:
    with pytest.raises(ValueError):
        regular_assessment_count(periods)


# --- Typing a score ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("8", "8.0"),
        ("8.5", "8.5"),
        ("8,5", "8.5"),
        ("7,0", "7.0"),
        (" 8,5 ", "8.5"),
        ("\t9.5\n", "9.5"),
        ("10", "10.0"),
        ("10.0", "10.0"),
        ("10,0", "10.0"),
        ("0", "0.0"),
        ("0,5", "0.5"),
        ("08", "8.0"),  # a leading zero, as some spreadsheets export it, is harmless
    ],
)
def test_a_secondary_score_is_read_with_exactly_one_decimal_place(text: str, score: str) -> None:
    assert str(parse_score(text)) == score


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", NOT_ENTERED),
        ("   ", NOT_ENTERED),
        ("10.5", OUT_OF_RANGE),
        ("10,1", OUT_OF_RANGE),
        ("11", OUT_OF_RANGE),
        ("100", OUT_OF_RANGE),
        ("-1", OUT_OF_RANGE),
        ("-0,5", OUT_OF_RANGE),
        ("7.25", ONE_DECIMAL),
        ("7,25", ONE_DECIMAL),
        ("7.50", ONE_DECIMAL),
        ("abc", NOT_A_SCORE),
        ("8.", NOT_A_SCORE),
        ("8,", NOT_A_SCORE),
        (".5", NOT_A_SCORE),
        ("1e1", NOT_A_SCORE),
        ("NaN", NOT_A_SCORE),
        ("Infinity", NOT_A_SCORE),
        ("inf", NOT_A_SCORE),
        ("+8", NOT_A_SCORE),
        ("８", NOT_A_SCORE),  # full-width digits: Decimal() would take them, a teacher never means them
        ("８,５", NOT_A_SCORE),
        ("8.5.1", NOT_A_SCORE),
        ("8 5", NOT_A_SCORE),
        ("8,5 điểm", NOT_A_SCORE),
    ],
)
def test_a_secondary_score_that_is_not_valid_is_refused_with_a_vietnamese_message(text: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_score(text)
    assert str(refused.value) == message


@pytest.mark.parametrize(("text", "score"), [("8", "8"), (" 10 ", "10"), ("0", "0"), ("08", "8")])
def test_a_primary_test_score_is_read_as_a_whole_number(text: str, score: str) -> None:
    assert str(parse_score(text, primary=True)) == score


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", NOT_ENTERED),
        ("8.5", PRIMARY_WHOLE),
        ("8,0", PRIMARY_WHOLE),  # primary tests are written as whole numbers
        ("11", PRIMARY_WHOLE),
        ("-1", PRIMARY_WHOLE),
        ("abc", NOT_A_SCORE),
        ("1e1", NOT_A_SCORE),
        ("+8", NOT_A_SCORE),
        ("８", NOT_A_SCORE),
    ],
)
def test_a_primary_test_score_that_is_not_a_whole_number_from_0_to_10_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_score(text, primary=True)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("value", "shown"),
    [(D("8.5"), "8,5"), (D("8.0"), "8,0"), (D("10.0"), "10,0"), (D("0.0"), "0,0"), (D("8"), "8"), (D("10"), "10")],
)
def test_a_score_is_shown_with_a_decimal_comma(value: Decimal, shown: str) -> None:
    assert format_score(value) == shown


def test_a_typed_score_reads_back_in_a_message_to_parents() -> None:
    assert f"Điểm giữa kỳ I môn Toán của em An: {format_score(parse_score('8.5'))}" == (
        "Điểm giữa kỳ I môn Toán của em An: 8,5"
    )
    assert format_score(parse_score("9", primary=True)) == "9"


def test_something_that_is_not_a_number_cannot_be_shown_as_a_score() -> None:
    with pytest.raises(ValueError):
        format_score(D("NaN"))


# --- Averages ---------------------------------------------------------------------------------------


def test_the_worked_semester_example_gives_7_6() -> None:
    assert str(semester_average([D(7), D(8), D(9)], D("6.5"), D(8))) == "7.6"  # 61 / 8 = 7.625


def test_a_semester_average_has_exactly_one_decimal_place() -> None:
    assert str(semester_average([D(8), D(8)], D(8), D(8))) == "8.0"


def test_a_semester_average_weighs_the_final_three_times_and_the_midterm_twice() -> None:
    assert semester_average([D(10), D(10)], D(10), D(3)) == D("7.0")  # (20 + 20 + 9) / 7
    assert semester_average([D(10), D(10)], D(3), D(10)) == D("8.0")  # (20 + 6 + 30) / 7


def test_a_semester_average_counts_four_regular_scores() -> None:
    assert semester_average([D(6), D(7), D(8), D(9)], D(7), D(8)) == D("7.6")  # 68 / 9 = 7.555…


def test_a_semester_average_without_regular_scores_is_over_the_midterm_and_final() -> None:
    assert semester_average([], D(8), D(7)) == D("7.4")  # 37 / 5


@pytest.mark.parametrize(
    ("regular", "midterm", "final", "average"),
    [
        (["8", "8", "8"], "9", "8", "8.3"),  # 66 / 8 = 8.25 exactly
        (["8", "8", "8.8"], "9", "8", "8.4"),  # 66.8 / 8 = 8.35 exactly
        (["8", "8", "7.2"], "9", "8", "8.2"),  # 65.2 / 8 = 8.15 exactly
        (["8", "8", "7.8"], "9", "8", "8.2"),  # 65.8 / 8 = 8.225: a hundredth below half-way goes down
    ],
)
def test_a_semester_average_exactly_half_way_rounds_up(
    regular: list[str], midterm: str, final: str, average: str
) -> None:
    assert semester_average([D(r) for r in regular], D(midterm), D(final)) == D(average)


@pytest.mark.parametrize(
    ("regular", "midterm", "final"),
    [([8.0, 8.0, 8.0], 9.0, 8.0), ([8.0, 8.0, 8.8], 9.0, 8.0)],
)
def test_binary_float_rounding_would_get_the_half_way_averages_wrong(
    regular: list[float], midterm: float, final: float
) -> None:
    with_floats = round((sum(regular) + 2 * midterm + 3 * final) / (len(regular) + 5), 1)
    exact = semester_average([D(str(r)) for r in regular], D(str(midterm)), D(str(final)))
    assert D(str(with_floats)) == exact - D("0.1")


@pytest.mark.parametrize(
    ("regular", "midterm", "final"),
    [(["10.5", "8"], "8", "8"), (["8", "8"], "-1", "8"), (["8", "8"], "8", "NaN"), (["8", "Infinity"], "8", "8")],
)
def test_a_semester_average_of_impossible_scores_is_refused(regular: list[str], midterm: str, final: str) -> None:
    with pytest.raises(ValueError):
        semester_average([D(r) for r in regular], D(midterm), D(final))


def test_the_worked_year_example_gives_7_1() -> None:
    assert str(year_average(D("6.8"), D("7.3"))) == "7.1"  # 21.4 / 3 = 7.133…


@pytest.mark.parametrize(
    ("first", "second", "average"),
    [
        ("7.0", "7.1", "7.1"),  # 21.2 / 3 = 7.066…
        ("7.9", "7.7", "7.8"),  # 23.3 / 3 = 7.766…
        ("5.0", "4.9", "4.9"),  # 14.8 / 3 = 4.933…
        ("9.9", "10.0", "10.0"),  # 29.9 / 3 = 9.966…
        ("8.0", "8.0", "8.0"),
    ],
)
def test_a_year_average_rounds_half_up_to_one_decimal(first: str, second: str, average: str) -> None:
    assert str(year_average(D(first), D(second))) == average


def test_a_year_average_weighs_semester_two_twice() -> None:
    assert year_average(D(10), D(4)) == D("6.0")
    assert year_average(D(4), D(10)) == D("8.0")


def test_a_year_average_of_impossible_scores_is_refused() -> None:
    with pytest.raises(ValueError):
        year_average(D("11.0"), D("8.0"))


# --- Learning result --------------------------------------------------------------------------------

EIGHT_AT_9 = ("9.0",) * 8


@pytest.mark.parametrize(
    ("averages", "failed_comments", "result"),
    [
        pytest.param(("8.0",) * 6 + ("6.5",) * 2, 0, TOT, id="tot-lowest-6.5"),
        pytest.param(("8.0",) * 7 + ("6.4",), 0, KHA, id="a-6.4-is-not-tot"),
        pytest.param(("8.0",) * 6 + ("7.0",) * 2, 0, TOT, id="tot-exactly-six-at-8.0"),
        pytest.param(("8.0",) * 5 + ("7.9",) + ("7.0",) * 2, 0, KHA, id="a-7.9-leaves-five-at-8.0"),
        pytest.param(("8.0",) * 5 + ("7.0",) * 3, 0, KHA, id="five-at-8.0-is-not-tot"),
        pytest.param(("7.0",) * 7 + ("5.0",), 0, KHA, id="kha-lowest-5.0"),
        pytest.param(("7.0",) * 7 + ("4.9",), 0, DAT, id="a-4.9-is-not-kha"),
        pytest.param(("6.5",) * 6 + ("5.0",) * 2, 0, KHA, id="kha-exactly-six-at-6.5"),
        pytest.param(("6.5",) * 5 + ("5.0",) * 3, 0, DAT, id="five-at-6.5-is-not-kha"),
        pytest.param(("6.0",) * 7 + ("3.5",), 0, DAT, id="dat-lowest-3.5"),
        pytest.param(("6.0",) * 7 + ("3.4",), 0, CHUA_DAT, id="a-3.4-is-not-dat"),
        pytest.param(("5.0",) * 6 + ("4.0",) * 2, 0, DAT, id="dat-exactly-six-at-5.0"),
        pytest.param(("5.0",) * 5 + ("4.0",) * 3, 0, CHUA_DAT, id="five-at-5.0-is-not-dat"),
        pytest.param(("5.5",) * 8, 1, DAT, id="dat-with-one-comment-chua-dat"),
        pytest.param(("5.5",) * 8, 2, CHUA_DAT, id="two-comments-chua-dat-is-not-dat"),
        pytest.param(EIGHT_AT_9, 0, TOT, id="every-comment-dat"),
    ],
)
def test_the_learning_result_follows_the_thresholds(
    averages: tuple[str, ...], failed_comments: int, result: Level
) -> None:
    assert learning_result(scores(*averages), comments(failed_comments)) == result


def test_a_comment_chua_dat_keeps_otherwise_tot_marks_from_tot_and_kha_so_it_is_raised_to_kha() -> None:
    # Unadjusted: Đạt (one comment Chưa đạt); with that subject Đạt it would be Tốt, two levels up.
    assert learning_result(scores(*EIGHT_AT_9), comments(1)) == KHA


def test_fewer_than_six_scored_subjects_cannot_reach_dat_even_at_10() -> None:
    assert learning_result(scores(*("10.0",) * 5), comments()) == CHUA_DAT


def test_six_scored_subjects_at_10_are_tot() -> None:
    assert learning_result(scores(*("10.0",) * 6), comments()) == TOT


def test_with_no_comment_only_subjects_the_scores_decide() -> None:
    assert learning_result(scores(*EIGHT_AT_9), {}) == TOT


def test_a_subject_cannot_be_both_scored_and_commented() -> None:
    with pytest.raises(ValueError):
        learning_result(scores(*EIGHT_AT_9), {"Toán": True})


def test_a_learning_result_of_an_impossible_average_is_refused() -> None:
    with pytest.raises(ValueError):
        learning_result(scores(*("9.0",) * 7, "10.5"), comments())


# The one-subject adjustment (Article 9.3).


def test_the_worked_adjustment_example_raises_chua_dat_to_dat() -> None:
    # Toán at 3.0 makes it Chưa đạt; without Toán's weakness eight subjects at 8.0+ would make it Tốt.
    averages = scores("3.0", "8.0", "8.5", "9.0", "8.0", "9.5", "8.0", "8.2", "10.0")
    assert learning_result(averages, comments()) == DAT


def test_the_adjustment_raises_by_one_level_only_even_from_three_below() -> None:
    assert learning_result(scores("0.0", *EIGHT_AT_9), comments()) == DAT


def test_a_result_two_levels_below_a_would_be_tot_is_raised_to_kha() -> None:
    # Toán at 4.5: below 5.0, so not Khá; Đạt. At its best, Tốt.
    assert learning_result(scores("4.5", *EIGHT_AT_9), comments()) == KHA


def test_a_result_two_levels_below_a_would_be_kha_is_raised_to_dat() -> None:
    # Toán at 3.0: Chưa đạt. At its best, Khá (eight at 7.0 are not Tốt).
    assert learning_result(scores("3.0", *("7.0",) * 8), comments()) == DAT


def test_a_result_one_level_below_a_would_be_tot_is_not_raised() -> None:
    assert learning_result(scores("6.0", *("9.0",) * 7), comments()) == KHA


def test_a_result_two_levels_below_a_would_be_dat_only_is_not_raised() -> None:
    # Toán at 3.0 with the rest at 5.5: at its best only Đạt, and only Tốt or Khá count.
    assert learning_result(scores("3.0", *("5.5",) * 7), comments()) == CHUA_DAT


def test_two_weak_subjects_are_not_raised() -> None:
    assert learning_result(scores("3.0", "3.0", *("9.0",) * 7), comments()) == CHUA_DAT


def test_a_weak_score_and_a_comment_chua_dat_are_two_subjects_and_not_raised() -> None:
    # Toán at 4.5 alone would be raised to Khá (see above); with a comment Chưa đạt too, neither alone
    # makes it Tốt or Khá.
    assert learning_result(scores("4.5", *EIGHT_AT_9), comments(1)) == DAT


# --- Conduct ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "year"),
    [
        (TOT, TOT, TOT),
        (KHA, TOT, TOT),
        (DAT, TOT, KHA),
        (CHUA_DAT, TOT, KHA),
        (TOT, KHA, KHA),
        (KHA, KHA, KHA),
        (DAT, KHA, KHA),
        (CHUA_DAT, KHA, DAT),
        (TOT, DAT, KHA),
        (KHA, DAT, DAT),
        (DAT, DAT, DAT),
        (CHUA_DAT, DAT, DAT),
        (TOT, CHUA_DAT, CHUA_DAT),
        (KHA, CHUA_DAT, CHUA_DAT),
        (DAT, CHUA_DAT, CHUA_DAT),
        (CHUA_DAT, CHUA_DAT, CHUA_DAT),
    ],
    ids=lambda level: level.value,
)
def test_the_year_conduct_follows_semester_one_and_two(first: Level, second: Level, year: Level) -> None:
    assert conduct_year(first, second) == year


# --- Promotion --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conduct", "learning", "absences", "goes_up"),
    [
        (DAT, DAT, 45, True),
        (DAT, DAT, 46, False),
        (TOT, TOT, 0, True),
        (TOT, TOT, 46, False),
        (CHUA_DAT, TOT, 0, False),
        (TOT, CHUA_DAT, 0, False),
        (KHA, DAT, 10, True),
    ],
)
def test_promotion_needs_dat_conduct_and_learning_and_at_most_45_absences(
    conduct: Level, learning: Level, absences: int, goes_up: bool
) -> None:
    assert promoted(conduct, learning, absences) is goes_up


def test_negative_absences_are_refused() -> None:
    with pytest.raises(ValueError):
        promoted(TOT, TOT, -1)


# --- Titles -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conduct", "learning", "averages", "awarded"),
    [
        pytest.param(TOT, TOT, ("9.0",) * 6 + ("8.0",) * 2, Title.XUAT_SAC, id="six-at-9.0"),
        pytest.param(TOT, TOT, ("9.0",) * 5 + ("8.9",) + ("8.0",) * 2, Title.GIOI, id="an-8.9-leaves-five-at-9.0"),
        pytest.param(TOT, TOT, ("8.0",) * 8, Title.GIOI, id="tot-and-tot"),
        pytest.param(KHA, TOT, ("10.0",) * 8, None, id="conduct-kha"),
        pytest.param(TOT, KHA, ("9.5",) * 8, None, id="learning-kha"),
    ],
)
def test_titles_need_tot_conduct_and_learning_and_six_year_averages_at_9_for_xuat_sac(
    conduct: Level, learning: Level, averages: tuple[str, ...], awarded: Title | None
) -> None:
    assert title(conduct, learning, scores(*averages)) == awarded


# --- Primary ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subjects", "qualities", "final_tests", "result"),
    [
        pytest.param(primary(HTT, HTT, HTT), Q_TOT, end_of_year(9, 10), EXCELLENT, id="tests-9-and-up"),
        pytest.param(primary(HTT, HTT, HTT), Q_TOT, end_of_year(8, 10), VERY_GOOD, id="a-test-8"),
        pytest.param(primary(HTT, HTT, HTT), Q_TOT, end_of_year(7, 10), VERY_GOOD, id="a-test-7"),
        pytest.param(primary(HTT, HTT, HTT), Q_TOT, end_of_year(6, 10), COMPLETED, id="a-test-6"),
        pytest.param(primary(HTT, HT, HTT), Q_TOT, end_of_year(10, 10), COMPLETED, id="a-subject-hoan-thanh"),
        pytest.param(primary(HTT, HTT, HTT), Q_DAT, end_of_year(10, 10), COMPLETED, id="qualities-dat"),
        pytest.param(primary(HTT, HTT, HTT), Q_CCG, end_of_year(10, 10), NOT_COMPLETED, id="qualities-can-co-gang"),
        pytest.param(primary(HTT, CHT, HTT), Q_TOT, end_of_year(10, 10), NOT_COMPLETED, id="a-subject-chua-hoan-thanh"),
        pytest.param(primary(HTT, HTT), Q_TOT, {}, EXCELLENT, id="no-tests-at-all"),
    ],
)
def test_the_primary_year_result_follows_levels_qualities_and_end_of_year_tests(
    subjects: dict[str, PrimaryLevel], qualities: Competence, final_tests: dict[str, int], result: PrimaryResult
) -> None:
    assert primary_year_result(subjects, qualities, final_tests) == result


def test_a_low_test_score_does_not_keep_a_pupil_from_hoan_thanh() -> None:
    assert primary_year_result(primary(HT, HT), Q_DAT, end_of_year(2, 3)) == COMPLETED


@pytest.mark.parametrize("score", [11, -1])
def test_a_primary_test_score_outside_0_to_10_is_refused(score: int) -> None:
    with pytest.raises(ValueError):
        primary_year_result(primary(HTT, HTT), Competence.TOT, end_of_year(score))


def test_a_primary_result_needs_at_least_one_subject() -> None:
    with pytest.raises(ValueError):
        primary_year_result({}, Competence.TOT, {})
