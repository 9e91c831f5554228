"""Server-drawn charts and the acknowledgement percentile."""

from __future__ import annotations

from bot.staff.charts import bar_chart
from bot.staff.queries import _percentile


def test_bars_scale_to_the_largest_value_and_labels_are_escaped() -> None:
    title, svg = bar_chart("Values <named>", [("family", 4), ("<script>", 2)])
    assert title == "Values <named>"
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<rect") == 2
    assert 'width="440.0"' in svg and 'width="220.0"' in svg


def test_an_empty_chart_says_so() -> None:
    assert "no data yet" in bar_chart("Mood", [])[1]


def test_percentile_is_nearest_rank() -> None:
    waits = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    assert _percentile(waits, 0.9) == 9.0
    assert _percentile(waits, 0.5) == 5.0
    assert _percentile([3.0], 0.9) == 3.0
