"""The oversight dashboard's two charts, drawn on the server (inline SVG, no script), in the style of
`contactbook.family.charts`: uptake per month as a line from 0 to 100 %, messages sent per month as bars.

Pure: no Flask, no database. A month is a slot from August to the current month; a month without
enrolled students has no uptake point (a gap), a month without messages a bar of height zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contactbook.family.charts import coordinate

WIDTH, HEIGHT = 320, 140
LEFT, RIGHT = 40, 310  # the plot's x range
TOP, BOTTOM = 10, 110  # y of the top value and of zero


@dataclass(frozen=True)
class Mark:
    """A month's value placed on a chart: a point (uptake) or the top of a bar (messages)."""

    label: str  # the month ("09/2026")
    text: str  # the value as the page writes it ("62,5%", "1.204")
    x: float
    y: float


@dataclass(frozen=True)
class Chart:
    """What the template draws: the marks, the month labels, the gridlines with their labels."""

    marks: tuple[Mark, ...]
    labels: tuple[tuple[str, float], ...]  # (month, x) for each slot
    gridlines: tuple[tuple[str, float], ...]  # (value as written, y)
    bar_width: float
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    bottom: int = BOTTOM

    @property
    def polyline(self) -> str:
        """The `points` attribute of the line through the marks, left to right."""
        return " ".join(f"{coordinate(m.x)},{coordinate(m.y)}" for m in self.marks)

    @property
    def description(self) -> str:
        """The chart in words, for screen readers: each month with its value."""
        return "; ".join(f"{m.label}: {m.text}" for m in self.marks)


def _slots(count: int) -> tuple[float, float]:
    """The x of the first slot's centre and the step between slots."""
    step = (RIGHT - LEFT) / max(count, 1)
    return LEFT + step / 2, step


def uptake_chart(months: Sequence[str], ratios: Sequence[float | None], texts: Sequence[str]) -> Chart:
    """Uptake per month (a share from 0 to 1); a month with no ratio leaves a gap."""
    first, step = _slots(len(months))
    marks = tuple(
        Mark(month, text, round(first + i * step, 1), round(BOTTOM - ratio * (BOTTOM - TOP), 1))
        for i, (month, ratio, text) in enumerate(zip(months, ratios, texts, strict=True))
        if ratio is not None
    )
    labels = tuple((month, round(first + i * step, 1)) for i, month in enumerate(months))
    grid = (("0%", float(BOTTOM)), ("50%", (BOTTOM + TOP) / 2), ("100%", float(TOP)))
    return Chart(marks, labels, grid, 0)


def volume_chart(months: Sequence[str], counts: Sequence[int], texts: Sequence[str]) -> Chart:
    """Messages sent per month as bars, scaled to the busiest month."""
    first, step = _slots(len(months))
    top = max(counts, default=0) or 1
    marks = tuple(
        Mark(month, text, round(first + i * step, 1), round(BOTTOM - count * (BOTTOM - TOP) / top, 1))
        for i, (month, count, text) in enumerate(zip(months, counts, texts, strict=True))
    )
    labels = tuple((month, round(first + i * step, 1)) for i, month in enumerate(months))
    grid = (("0", float(BOTTOM)), (texts[counts.index(top)] if top in counts else "", float(TOP)))
    return Chart(marks, labels, grid, round(step * 0.6, 1))
