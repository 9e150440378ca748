"""Pure grading rules: score entry, averages, learning results, conduct, promotion, titles, primary results.

Read as /work/shared/domain/grading.md reads Thông tư 22/2021 (secondary) and 27/2020 (primary).
Nothing here touches Flask or the database, so every branch is tested with plain values.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal


class _Labelled(enum.StrEnum):
    """A value stored under its English code name and shown to people in Vietnamese."""

    @property
    def label(self) -> str:
        """The Vietnamese words shown on pages and in messages."""
        return _LABELS[type(self)][self.value]


class Level(_Labelled):
    """A learning result or a conduct level (secondary)."""

    TOT = "tot"
    KHA = "kha"
    DAT = "dat"
    CHUA_DAT = "chua_dat"

    @property
    def rank(self) -> int:
        """Higher is better: Chưa đạt 0, Đạt 1, Khá 2, Tốt 3."""
        return _LEVELS_UPWARDS.index(self)


class PrimaryLevel(_Labelled):
    """A primary subject's periodic level."""

    HOAN_THANH_TOT = "hoan_thanh_tot"
    HOAN_THANH = "hoan_thanh"
    CHUA_HOAN_THANH = "chua_hoan_thanh"


class Competence(_Labelled):
    """A primary pupil's qualities and competencies."""

    TOT = "tot"
    DAT = "dat"
    CAN_CO_GANG = "can_co_gang"


class PrimaryResult(_Labelled):
    """A primary pupil's educational result for the year."""

    HOAN_THANH_XUAT_SAC = "hoan_thanh_xuat_sac"
    HOAN_THANH_TOT = "hoan_thanh_tot"
    HOAN_THANH = "hoan_thanh"
    CHUA_HOAN_THANH = "chua_hoan_thanh"


class Title(_Labelled):
    """A secondary student's title of the year."""

    XUAT_SAC = "xuat_sac"
    GIOI = "gioi"


_LEVELS_UPWARDS: tuple[Level, ...] = (Level.CHUA_DAT, Level.DAT, Level.KHA, Level.TOT)

# Keyed by enum class, then value: the same code name ("tot", "dat") is a member of several enums.
_LABELS: dict[type[_Labelled], dict[str, str]] = {
    Level: {"tot": "Tốt", "kha": "Khá", "dat": "Đạt", "chua_dat": "Chưa đạt"},
    PrimaryLevel: {
        "hoan_thanh_tot": "Hoàn thành tốt",
        "hoan_thanh": "Hoàn thành",
        "chua_hoan_thanh": "Chưa hoàn thành",
    },
    Competence: {"tot": "Tốt", "dat": "Đạt", "can_co_gang": "Cần cố gắng"},
    PrimaryResult: {
        "hoan_thanh_xuat_sac": "Hoàn thành xuất sắc",
        "hoan_thanh_tot": "Hoàn thành tốt",
        "hoan_thanh": "Hoàn thành",
        "chua_hoan_thanh": "Chưa hoàn thành",
    },
    Title: {"xuat_sac": "Học sinh Xuất sắc", "gioi": "Học sinh Giỏi"},
}

MAX_ABSENCES = 45  # sessions absent in a school year, excused or not, that still allow promotion
_TENTH = Decimal("0.1")
_BEST_SCORE = Decimal("10.0")
_LOWEST, _HIGHEST = Decimal(0), Decimal(10)

# Shown to a teacher next to the cell they typed in.
_NOT_ENTERED = "Chưa nhập điểm"
_NOT_A_SCORE = "Không phải là điểm số"
_OUT_OF_RANGE = "Điểm phải từ 0 đến 10"
_ONE_DECIMAL = "Điểm chỉ có tối đa một chữ số thập phân"
_PRIMARY_WHOLE = "Điểm kiểm tra tiểu học là số nguyên từ 0 đến 10"

# ASCII digits only: Decimal() would take full-width digits, exponents, NaN and Infinity, which no
# teacher means. The minus sign is matched only to say "from 0 to 10" rather than "not a score".
_SCORE_TEXT = re.compile(r"(-?)([0-9]+)(?:[.,]([0-9]+))?")


def regular_assessment_count(periods_per_year: int) -> int:
    """How many regular assessments a subject has per semester, from its periods per school year."""
    if periods_per_year < 1:
        raise ValueError(f"a subject has at least one period a year, not {periods_per_year}")
    if periods_per_year <= 35:
        return 2
    if periods_per_year <= 70:
        return 3
    return 4


def parse_score(text: str, *, primary: bool = False) -> Decimal:
    """The score a teacher typed: one decimal place (secondary) or a whole number (primary), from 0 to 10.

    Accepts "8", "8.5", "8,5" and surrounding spaces; raises ValueError with a Vietnamese message.
    """
    cleaned = text.strip()
    if not cleaned:
        raise ValueError(_NOT_ENTERED)
    match = _SCORE_TEXT.fullmatch(cleaned)
    if match is None:
        raise ValueError(_NOT_A_SCORE)
    minus, whole, fraction = match.groups()
    value = Decimal(f"{whole}.{fraction}" if fraction else whole)
    if primary:
        # "8,0" is refused too: primary tests are written as whole numbers, and the message says so.
        if minus or fraction is not None or value > _HIGHEST:
            raise ValueError(_PRIMARY_WHOLE)
        return Decimal(int(whole))
    if minus or value > _HIGHEST:
        raise ValueError(_OUT_OF_RANGE)
    if fraction is not None and len(fraction) > 1:
        raise ValueError(_ONE_DECIMAL)
    return value.quantize(_TENTH)


def format_score(value: Decimal) -> str:
    """The Vietnamese display form, with a decimal comma: "8,5", "10,0"; a whole-number score as "8"."""
    if not value.is_finite():
        raise ValueError(f"not a score: {value}")
    return format(value, "f").replace(".", ",")


def _check_scores(scores: Collection[Decimal]) -> None:
    for score in scores:
        if not (score.is_finite() and _LOWEST <= score <= _HIGHEST):
            raise ValueError(f"a score is from 0 to 10, not {score}")


def _half_up(total: Decimal, count: int) -> Decimal:
    # Decimal division keeps 28 significant digits. A quotient of one-decimal scores that is not exactly
    # half-way between two tenths is at least 1 / (20 × count) away from it, so those digits always
    # decide the rounding as exact arithmetic would.
    return (total / count).quantize(_TENTH, rounding=ROUND_HALF_UP)


def semester_average(regular: Sequence[Decimal], midterm: Decimal, final: Decimal) -> Decimal:
    """The subject's semester average (ĐTBmhk): regular scores once, mid-term twice, final three times.

    No regular scores is allowed (the average is then over mid-term and final alone).
    """
    _check_scores([*regular, midterm, final])
    return _half_up(sum(regular, Decimal(0)) + 2 * midterm + 3 * final, len(regular) + 5)


def year_average(first: Decimal, second: Decimal) -> Decimal:
    """The subject's year average (ĐTBmcn): semester I once, semester II twice."""
    _check_scores([first, second])
    return _half_up(first + 2 * second, 3)


def _unadjusted_result(scores: Collection[Decimal], comments: Collection[bool]) -> Level:
    failed_comments = sum(1 for passed in comments if not passed)

    def at_least(floor: str) -> int:
        return sum(1 for score in scores if score >= Decimal(floor))

    if failed_comments == 0 and at_least("6.5") == len(scores) and at_least("8.0") >= 6:
        return Level.TOT
    if failed_comments == 0 and at_least("5.0") == len(scores) and at_least("6.5") >= 6:
        return Level.KHA
    if failed_comments <= 1 and at_least("5.0") >= 6 and at_least("3.5") == len(scores):
        return Level.DAT
    return Level.CHUA_DAT


def _each_at_best(scores: list[Decimal], comments: list[bool]) -> Iterator[tuple[list[Decimal], list[bool]]]:
    """The subjects again, with one of them in turn at its best (10.0, or Đạt)."""
    for i in range(len(scores)):
        yield [*scores[:i], _BEST_SCORE, *scores[i + 1 :]], comments
    for i in range(len(comments)):
        yield scores, [*comments[:i], True, *comments[i + 1 :]]


def learning_result(scored: Mapping[str, Decimal], commented: Mapping[str, bool]) -> Level:
    """The learning result of a semester (from semester averages) or the year (from year averages).

    `commented` maps each comment-only subject to Đạt (True) or Chưa đạt (False). Includes the
    one-subject adjustment of Article 9.3.
    """
    if both := scored.keys() & commented.keys():
        raise ValueError(f"a subject is either scored or commented, not both: {sorted(both)}")
    scores, comments = list(scored.values()), list(commented.values())
    _check_scores(scores)
    actual = _unadjusted_result(scores, comments)
    # Article 9.3: a result held two or more levels below Tốt or Khá by a single subject rises by one
    # level, and by one level only, however far that subject held it down.
    for best_scores, best_comments in _each_at_best(scores, comments):
        would_be = _unadjusted_result(best_scores, best_comments)
        if would_be in (Level.TOT, Level.KHA) and would_be.rank - actual.rank >= 2:
            return _LEVELS_UPWARDS[actual.rank + 1]
    return actual


def conduct_year(first: Level, second: Level) -> Level:
    """The year's conduct from semester I (`first`) and semester II (`second`)."""
    # Grouped by semester II, which weighs more; the same cases as grading.md's list.
    if second is Level.TOT:
        return Level.TOT if first.rank >= Level.KHA.rank else Level.KHA
    if second is Level.KHA:
        return Level.KHA if first.rank >= Level.DAT.rank else Level.DAT
    if second is Level.DAT:
        return Level.KHA if first is Level.TOT else Level.DAT
    return Level.CHUA_DAT


def promoted(conduct: Level, learning: Level, absences: int) -> bool:
    """Whether the student goes up a class: year conduct and learning Đạt or better, at most 45 absences."""
    if absences < 0:
        raise ValueError(f"absences cannot be negative: {absences}")
    passing = Level.DAT.rank
    return conduct.rank >= passing and learning.rank >= passing and absences <= MAX_ABSENCES


def title(conduct: Level, learning: Level, year_averages: Mapping[str, Decimal]) -> Title | None:
    """Học sinh Xuất sắc (Tốt, Tốt, six year averages ≥ 9.0), Học sinh Giỏi (Tốt, Tốt), or no title."""
    _check_scores(list(year_averages.values()))
    if conduct is not Level.TOT or learning is not Level.TOT:
        return None
    excellent = sum(1 for average in year_averages.values() if average >= Decimal("9.0"))
    return Title.XUAT_SAC if excellent >= 6 else Title.GIOI


def primary_year_result(
    subjects: Mapping[str, PrimaryLevel], qualities: Competence, final_tests: Mapping[str, int]
) -> PrimaryResult:
    """A primary pupil's year result from subject levels, qualities and competencies, and end-of-year tests."""
    if not subjects:
        # Every condition on "every subject" would hold vacuously and give the best result.
        raise ValueError("a pupil's year result needs at least one subject")
    for subject, score in final_tests.items():
        if not 0 <= score <= 10:
            raise ValueError(f"a primary test score is a whole number from 0 to 10, not {score} ({subject})")
    # Not every subject has a periodic test; with no tests at all the test conditions hold vacuously
    # (min of nothing is taken as 10) and the result rests on levels and qualities alone.
    lowest_test = min(final_tests.values(), default=10)
    all_very_good = all(level is PrimaryLevel.HOAN_THANH_TOT for level in subjects.values())
    if all_very_good and qualities is Competence.TOT and lowest_test >= 9:
        return PrimaryResult.HOAN_THANH_XUAT_SAC
    if all_very_good and qualities is Competence.TOT and lowest_test >= 7:
        return PrimaryResult.HOAN_THANH_TOT
    if PrimaryLevel.CHUA_HOAN_THANH not in subjects.values() and qualities is not Competence.CAN_CO_GANG:
        return PrimaryResult.HOAN_THANH
    return PrimaryResult.CHUA_HOAN_THANH
