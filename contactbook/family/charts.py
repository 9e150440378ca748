"""A subject's scores over the school year as a small chart, drawn on the server (inline SVG, no script).

Pure: no Flask, no database. The chart has a slot for every column of both semesters, in the order the
year goes (semester I's regular assessments, midterm and end of term, then semester II's), so a column
not published yet leaves a gap where it will come. Scores run from 0 (bottom) to 10 (top).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 300, 130
LEFT, RIGHT = 30, 290  # the plot's x range
TOP, BOTTOM = 10, 110  # y of a 10 and of a 0: ten units a point
GRIDLINES = (0, 5, 10)


@dataclass(frozen=True)
class Slot:
    """A column of one semester: its label ("Giữa kỳ HK I") and its published score, if any."""

    label: str
    value: Decimal | None
    text: str = ""  # the score as the page writes it ("8,5")


@dataclass(frozen=True)
class Point:
    """A published score placed on the chart."""

    label: str
    text: str
    value: Decimal
    x: float
    y: float


@dataclass(frozen=True)
class Chart:
    """What the template draws: the points, the gridlines and where semester II begins."""

    points: tuple[Point, ...]
    divider_x: float | None  # between the semesters
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def polyline(self) -> str:
        """The `points` attribute of the line through the scores, left to right."""
        return " ".join(f"{_n(p.x)},{_n(p.y)}" for p in self.points)

    @property
    def gridlines(self) -> list[tuple[int, float]]:
        """(score, y) of the horizontal lines at 0, 5 and 10."""
        return [(value, y_of(Decimal(value))) for value in GRIDLINES]

    @property
    def description(self) -> str:
        """The chart in words, for screen readers: each score with its column, in order."""
        return "; ".join(f"{p.label}: {p.text}" for p in self.points)

    @property
    def left(self) -> int:
        return LEFT

    @property
    def right(self) -> int:
        return RIGHT


def y_of(value: Decimal) -> float:
    """The y of a score: 110 for 0, 10 for 10."""
    return float(BOTTOM - (value * (BOTTOM - TOP) / 10))


def _n(number: float) -> str:
    """A coordinate as SVG gets it: at most one decimal, no trailing zero ("58", "86.7")."""
    text = f"{number:.1f}"
    return text[:-2] if text.endswith(".0") else text


def trend_chart(first: Sequence[Slot], second: Sequence[Slot]) -> Chart | None:
    """The chart of a subject's year from its slots of semester I and II; None while no score is published."""
    slots = [*first, *second]
    if not any(slot.value is not None for slot in slots):
        return None
    step = (RIGHT - LEFT) / (len(slots) - 1) if len(slots) > 1 else 0
    points = tuple(
        Point(slot.label, slot.text, slot.value, round(LEFT + i * step, 1), round(y_of(slot.value), 1))
        for i, slot in enumerate(slots)
        if slot.value is not None
    )
    divider = round(LEFT + (len(first) - 0.5) * step, 1) if first and second else None
    return Chart(points, divider)


def coordinate(number: float) -> str:
    """A coordinate as the template writes it."""
    return _n(number)
