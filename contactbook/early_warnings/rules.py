"""Pure rules of early warnings: which warnings a student's figures call for, each named by a unique key.

Nothing here touches Flask or the database. A `Finding` is one warning a student has reached: its `rule`,
its `threshold` (the key that makes it go once per student: "2025-2026:20" for 20 sessions absent in that
school year, "<semester id>:<subject id>:5.0" for a semester average below 5.0) and the figures that made it
fire. The averages and results are those of Thông tư 22 (`contactbook.grading.rules`), computed from the
marks the families were given (published) only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from contactbook.grading import rules as grading
from contactbook.grading.rules import Level

ABSENCES = "absences"
SUBJECT_BELOW = "subject_below"
COMMENT_FAILED = "comment_failed"
RESULT_PROJECTED = "result_projected"
RULES = (ABSENCES, SUBJECT_BELOW, COMMENT_FAILED, RESULT_PROJECTED)

DEFAULT_THRESHOLDS = (20, 30, 40)
# A semester average below 5.0 keeps a result below Khá; below 3.5 keeps it below Đạt (grading.md).
AVERAGE_FLOORS = (Decimal("5.0"), Decimal("3.5"))
_TENTH = Decimal("0.1")
_BEST = Decimal("10.0")


@dataclass(frozen=True)
class Finding:
    """One warning a student has reached: `rule`, its unique `threshold` key, and the figures (JSON-ready)."""

    rule: str
    threshold: str
    detail: dict[str, Any]


@dataclass
class SubjectMarks:
    """The published marks of one subject in one semester for one student.

    Scored subjects: `regular` (ĐĐGtx) published so far, of `regular_expected`; `midterm`, `final`.
    Comment-only subjects: `passed` True (Đạt), False (Chưa đạt) or None (not published yet).
    """

    subject_id: int
    name: str
    scored: bool
    regular_expected: int = 0
    regular: list[Decimal] = field(default_factory=list)
    midterm: Decimal | None = None
    final: Decimal | None = None
    passed: bool | None = None

    @property
    def complete(self) -> bool:
        """Every column of the subject's semester is published."""
        return len(self.regular) >= self.regular_expected and self.midterm is not None and self.final is not None


def absence_findings(year_name: str, absences: int, thresholds: Iterable[int]) -> list[Finding]:
    """A finding per threshold of sessions absent in the school year that `absences` has reached."""
    return [
        Finding(ABSENCES, f"{year_name}:{threshold}", {"absences": absences, "threshold": threshold})
        for threshold in sorted(set(thresholds))
        if absences >= threshold
    ]


def average_so_far(marks: SubjectMarks) -> Decimal | None:
    """The semester average (ĐTBmhk) of a scored subject from its published marks, once the mid-term is in.

    Complete: the circular's average. Before the final (or a regular score) is published: the same weights
    over the marks there are (regular once, mid-term twice, final three times), rounded half up. Before the
    mid-term: None, as a regular score or two say too little to warn a family.
    """
    if not marks.scored or marks.midterm is None:
        return None
    if marks.complete and marks.final is not None:
        return grading.semester_average(marks.regular[: marks.regular_expected], marks.midterm, marks.final)
    total = sum(marks.regular, Decimal(0)) + 2 * marks.midterm
    weight = len(marks.regular) + 2
    if marks.final is not None:
        total, weight = total + 3 * marks.final, weight + 3
    return (total / weight).quantize(_TENTH, rounding=ROUND_HALF_UP)


def _figure(value: Decimal) -> str:
    return format(value.quantize(_TENTH), "f")


def subject_findings(semester_id: int, semester: int, marks: SubjectMarks) -> list[Finding]:
    """A semester average below 5.0 and below 3.5 (a finding each), or a comment-only subject at Chưa đạt."""
    if not marks.scored:
        if marks.passed is False:
            return [
                Finding(
                    COMMENT_FAILED,
                    f"{semester_id}:{marks.subject_id}",
                    {"semester": semester, "subject": marks.name},
                )
            ]
        return []
    average = average_so_far(marks)
    if average is None:
        return []
    return [
        Finding(
            SUBJECT_BELOW,
            f"{semester_id}:{marks.subject_id}:{_figure(floor)}",
            {
                "semester": semester,
                "subject": marks.name,
                "average": _figure(average),
                "below": _figure(floor),
                "complete": marks.complete,
            },
        )
        for floor in AVERAGE_FLOORS
        if average < floor
    ]


def projected_result(subjects: Sequence[SubjectMarks]) -> Level | None:
    """The semester's learning result from the marks so far, every subject without a mark yet at its best.

    None when no subject has a mark yet, or when the class's subjects could not reach Đạt even all at their
    best (fewer than six scored subjects): then a Chưa đạt says nothing of the student.
    """
    scored: dict[str, Decimal] = {}
    commented: dict[str, bool] = {}
    best_scored: dict[str, Decimal] = {}
    best_commented: dict[str, bool] = {}
    known = False
    for marks in subjects:
        key = f"{marks.subject_id}"
        if marks.scored:
            average = average_so_far(marks)
            known = known or average is not None
            scored[key] = _BEST if average is None else average
            best_scored[key] = _BEST
        else:
            known = known or marks.passed is not None
            commented[key] = marks.passed is not False
            best_commented[key] = True
    if not known or grading.learning_result(best_scored, best_commented) is Level.CHUA_DAT:
        return None
    return grading.learning_result(scored, commented)


def result_findings(semester_id: int, semester: int, subjects: Sequence[SubjectMarks]) -> list[Finding]:
    """The semester's learning result projected at Chưa đạt: one finding, naming the subjects that hold it down."""
    if projected_result(subjects) is not Level.CHUA_DAT:
        return []
    weak: list[str] = []
    for marks in subjects:
        average = average_so_far(marks)
        if (average is not None and average < AVERAGE_FLOORS[0]) or marks.passed is False:
            weak.append(marks.name)
    return [Finding(RESULT_PROJECTED, f"{semester_id}", {"semester": semester, "subjects": weak})]


def semester_findings(semester_id: int, semester: int, subjects: Sequence[SubjectMarks]) -> list[Finding]:
    """Every grade warning of one student's semester: per subject, then the projected result."""
    findings = [f for marks in subjects for f in subject_findings(semester_id, semester, marks)]
    return findings + result_findings(semester_id, semester, subjects)


def thresholds_of(setting: Sequence[int] | None) -> tuple[int, ...]:
    """A school's absence thresholds: its setting when it holds whole numbers, else the defaults (20, 30, 40)."""
    if not setting:
        return DEFAULT_THRESHOLDS
    values = tuple(sorted({v for v in setting if isinstance(v, int) and not isinstance(v, bool) and v > 0}))
    return values or DEFAULT_THRESHOLDS


def told(findings: Iterable[Finding]) -> list[Finding]:
    """What one message says of a student's new findings: the highest absence threshold reached, the lowest
    floor of each subject's semester, every other finding; in the order absences, subjects, comments, result."""
    chosen: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        if finding.rule == ABSENCES:
            key = (ABSENCES, "")
            if key not in chosen or finding.detail["threshold"] > chosen[key].detail["threshold"]:
                chosen[key] = finding
        elif finding.rule == SUBJECT_BELOW:
            key = (SUBJECT_BELOW, finding.threshold.rsplit(":", 1)[0])
            if key not in chosen or Decimal(finding.detail["below"]) < Decimal(chosen[key].detail["below"]):
                chosen[key] = finding
        else:
            chosen[(finding.rule, finding.threshold)] = finding
    return sorted(chosen.values(), key=lambda f: (RULES.index(f.rule), f.detail.get("semester", 0), f.threshold))
