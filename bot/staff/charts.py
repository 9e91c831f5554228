"""Bar charts as inline SVG, drawn on the server: no script and no CDN."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

WIDTH = 640
BAR_GAP = 6
LABEL_WIDTH = 140
ROW = 26


def bar_chart(title: str, rows: list[tuple[str, float]], unit: str = "") -> tuple[str, Markup]:
    """The title and horizontal bars, one row per (label, value)."""
    height = ROW * max(len(rows), 1) + 10
    peak = max((value for _, value in rows), default=0) or 1
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    span = WIDTH - LABEL_WIDTH - 60
    for index, (label, value) in enumerate(rows):
        y = 5 + index * ROW
        length = span * value / peak
        shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + ROW / 2 + 4}" text-anchor="end">{escape(str(label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + BAR_GAP / 2}" width="{length:.1f}" height="{ROW - BAR_GAP}"/>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + ROW / 2 + 4}">{escape(shown)}</text>'
        )
    if not rows:
        parts.append(f'<text x="{LABEL_WIDTH}" y="20">no data yet</text>')
    parts.append("</svg>")
    return title, Markup("".join(parts))
