"""The pure rules of early warnings: thresholds of absences, weak subjects, the projected result."""

from decimal import Decimal

from contactbook.early_warnings.rules import (
    ABSENCES,
    COMMENT_FAILED,
    RESULT_PROJECTED,
    SUBJECT_BELOW,
    Finding,
    SubjectMarks,
    absence_findings,
    average_so_far,
    projected_result,
    result_findings,
    semester_findings,
    subject_findings,
    thresholds_of,
    told,
)
from contactbook.grading.rules import Level

D = Decimal


def scored(
    subject_id: int, regular: list[str], midterm: str | None, final: str | None, expected: int = 3
) -> SubjectMarks:
    return SubjectMarks(
        subject_id,
        f"Môn {subject_id}",
        True,
        regular_expected=expected,
        regular=[D(v) for v in regular],
        midterm=None if midterm is None else D(midterm),
        final=None if final is None else D(final),
    )


def commented(subject_id: int, passed: bool | None) -> SubjectMarks:
    return SubjectMarks(subject_id, f"Môn {subject_id}", False, passed=passed)


# --- Absences ---------------------------------------------------------------------------------------


def test_each_threshold_reached_is_a_finding_of_its_own_year() -> None:
    assert absence_findings("2025-2026", 19, (20, 30, 40)) == []
    assert [f.threshold for f in absence_findings("2025-2026", 20, (20, 30, 40))] == ["2025-2026:20"]
    found = absence_findings("2025-2026", 35, (40, 20, 30))
    assert [f.threshold for f in found] == ["2025-2026:20", "2025-2026:30"]
    assert found[1] == Finding(ABSENCES, "2025-2026:30", {"absences": 35, "threshold": 30})


def test_a_school_without_thresholds_warns_at_20_30_40() -> None:
    assert thresholds_of(None) == (20, 30, 40)
    assert thresholds_of([]) == (20, 30, 40)
    assert thresholds_of([30, 10, 10]) == (10, 30)
    # A broken setting does not silence the warnings.
    assert thresholds_of(["x", True, -3]) == (20, 30, 40)  # type: ignore[list-item]


# --- Subjects ---------------------------------------------------------------------------------------


def test_the_complete_semester_average_is_the_circulars() -> None:
    # grading.md's worked example: (24 + 13 + 24) / 8 = 7.625 → 7.6
    assert average_so_far(scored(1, ["7", "8", "9"], "6.5", "8")) == D("7.6")


def test_before_the_midterm_there_is_no_average_to_warn_on() -> None:
    assert average_so_far(scored(1, ["1", "2"], None, None)) is None
    assert subject_findings(10, 1, scored(1, ["1", "2"], None, None)) == []


def test_from_the_midterm_on_the_average_so_far_weighs_what_is_published() -> None:
    # (4 + 2 × 5) / 3 = 4.666… → 4.7
    assert average_so_far(scored(1, ["4"], "5", None)) == D("4.7")
    # (4 + 6 + 2 × 5 + 3 × 3) / 7 = 29 / 7 = 4.142… → 4.1
    assert average_so_far(scored(1, ["4", "6"], "5", "3")) == D("4.1")


def test_an_average_below_5_fires_the_5_threshold_only() -> None:
    found = subject_findings(10, 1, scored(7, ["4"], "5", None))
    assert [f.threshold for f in found] == ["10:7:5.0"]
    assert found[0].rule == SUBJECT_BELOW
    assert found[0].detail == {"semester": 1, "subject": "Môn 7", "average": "4.7", "below": "5.0", "complete": False}


def test_an_average_below_3_5_fires_both_thresholds() -> None:
    found = subject_findings(10, 2, scored(7, ["3", "3", "3"], "3", "3"))
    assert [f.threshold for f in found] == ["10:7:5.0", "10:7:3.5"]
    assert found[1].detail["complete"] is True and found[1].detail["average"] == "3.0"


def test_exactly_5_is_not_below_5() -> None:
    assert subject_findings(10, 1, scored(7, ["5", "5", "5"], "5", "5")) == []


def test_a_comment_subject_warns_at_chua_dat_only() -> None:
    assert subject_findings(10, 1, commented(3, True)) == []
    assert subject_findings(10, 1, commented(3, None)) == []
    assert subject_findings(10, 1, commented(3, False)) == [
        Finding(COMMENT_FAILED, "10:3", {"semester": 1, "subject": "Môn 3"})
    ]


# --- The projected result ---------------------------------------------------------------------------

GOOD = ["8", "8", "8"]


def class_of(*weak: SubjectMarks, known: int = 6) -> list[SubjectMarks]:
    """Eight scored subjects and a comment subject; `known` of the good ones have marks, the others none yet."""
    subjects = [scored(i, GOOD, "8", "8") if i <= known else scored(i, [], None, None) for i in range(1, 9)]
    by_id = {m.subject_id: m for m in weak}
    return [by_id.get(m.subject_id, m) for m in subjects] + [by_id.get(100, commented(100, None))]


def test_two_subjects_below_3_5_project_chua_dat_even_with_the_rest_unmarked() -> None:
    subjects = class_of(scored(1, ["3"], "3", None), scored(2, ["3"], "3", None), known=3)
    assert projected_result(subjects) is Level.CHUA_DAT
    found = result_findings(10, 1, subjects)
    assert found == [Finding(RESULT_PROJECTED, "10", {"semester": 1, "subjects": ["Môn 1", "Môn 2"]})]


def test_one_weak_subject_is_lifted_by_the_one_subject_adjustment() -> None:
    # Seven subjects at 8.0 and one at 3.0: Chưa đạt, but Tốt without it → raised to Đạt (Article 9.3).
    subjects = class_of(scored(1, ["3", "3", "3"], "3", "3"), known=8)
    assert projected_result(subjects) is Level.DAT
    assert result_findings(10, 1, subjects) == []


def test_two_failed_comment_subjects_project_chua_dat() -> None:
    subjects = [*class_of(commented(100, False)), commented(101, False)]
    assert projected_result(subjects) is Level.CHUA_DAT


def test_no_marks_yet_projects_nothing() -> None:
    assert projected_result(class_of(known=0)) is None


def test_a_class_of_too_few_subjects_never_projects_chua_dat() -> None:
    # Two scored subjects cannot reach Đạt (six at 5.0 or more): that says nothing of the student.
    assert projected_result([scored(1, ["2"], "2", None), scored(2, GOOD, "8", "8")]) is None


def test_a_semesters_findings_list_subjects_then_the_result() -> None:
    subjects = class_of(scored(1, ["3"], "3", None), commented(100, False), known=2)
    rules = [f.rule for f in semester_findings(10, 1, subjects)]
    assert rules == [SUBJECT_BELOW, SUBJECT_BELOW, COMMENT_FAILED, RESULT_PROJECTED]


def test_one_subject_below_3_5_with_the_rest_unmarked_is_lifted_to_dat() -> None:
    assert projected_result(class_of(scored(1, ["3"], "3", None), known=2)) is Level.DAT


# --- What a message says ----------------------------------------------------------------------------


def test_a_message_names_the_highest_absence_threshold_and_the_lowest_floor() -> None:
    findings = [
        *absence_findings("2025-2026", 33, (20, 30, 40)),
        *subject_findings(10, 1, scored(7, ["3", "3", "3"], "3", "3")),
        *subject_findings(10, 1, commented(3, False)),
    ]
    said = told(findings)
    assert [(f.rule, f.threshold) for f in said] == [
        (ABSENCES, "2025-2026:30"),
        (SUBJECT_BELOW, "10:7:3.5"),
        (COMMENT_FAILED, "10:3"),
    ]
