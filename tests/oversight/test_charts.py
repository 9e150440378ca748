"""The dashboard's charts, pure: where the marks fall."""

from __future__ import annotations

from contactbook.oversight.charts import BOTTOM, TOP, uptake_chart, volume_chart


def test_uptake_runs_from_zero_at_the_bottom_to_all_at_the_top_with_gaps_for_months_without_students() -> None:
    chart = uptake_chart(["08/2025", "09/2025", "10/2025"], [None, 0.0, 1.0], ["—", "0,0%", "100,0%"])

    assert [(m.label, m.y) for m in chart.marks] == [("09/2025", BOTTOM), ("10/2025", TOP)]
    assert len(chart.labels) == 3
    assert chart.description == "09/2025: 0,0%; 10/2025: 100,0%"


def test_volume_bars_scale_to_the_busiest_month_and_a_quiet_year_draws_flat_bars() -> None:
    chart = volume_chart(["11/2025", "12/2025"], [1, 4], ["1", "4"])
    quiet = volume_chart(["08/2025"], [0], ["0"])

    assert [m.y for m in chart.marks] == [BOTTOM - (BOTTOM - TOP) / 4, TOP]
    assert chart.gridlines[-1] == ("4", TOP)
    assert [m.y for m in quiet.marks] == [BOTTOM]
