"""The trend chart of the report: the share of agree at each event of a proposition's
history, for the hall and each perspective shown, as inline SVG made on the server (no
script, no third-party request; prints as it looks). Pure: figures from `history`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from . import history

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 150, 16, 40


def _x(index: int, count: int) -> float:
    inner = WIDTH - LEFT - RIGHT
    return LEFT + (inner / 2 if count == 1 else inner * index / (count - 1))


def _y(share: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (100 - share) / 100


def _line(values: list[int | None], count: int, css: str, label: str) -> list[str]:
    """A polyline through the shown values (a gap where a figure is not shown), dots, and the label at its end."""
    parts, run = [], []
    for index, value in enumerate(values + [None]):
        if value is not None:
            run.append(f"{_x(index, count):.1f},{_y(value):.1f}")
            continue
        if len(run) > 1:
            parts.append(f'<polyline class="{css}" points="{" ".join(run)}"/>')
        run = []
    for index, value in enumerate(values):
        if value is not None:
            parts.append(f'<circle class="{css}" cx="{_x(index, count):.1f}" cy="{_y(value):.1f}" r="4">'
                         f"<title>{escape(label)}: {value}%</title></circle>")
    last = max((i for i, v in enumerate(values) if v is not None), default=None)
    if last is not None:
        parts.append(f'<text class="trend-label {css}" x="{_x(last, count) + 10:.1f}" y="{_y(values[last]) + 4:.1f}">'
                     f"{escape(label)} {values[last]}%</text>")
    return parts


def trend_svg(trend: Sequence[Mapping], hall: str, title: str) -> Markup:
    """The chart of one proposition's history (oldest first): agree in % per event."""
    count = len(trend)
    parts = [f'<svg class="trend-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
             'xmlns="http://www.w3.org/2000/svg">']
    for share in (0, 25, 50, 75, 100):
        parts.append(f'<line class="trend-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_y(share):.1f}" y2="{_y(share):.1f}"/>'
                     f'<text class="trend-axis" x="{LEFT - 8}" y="{_y(share) + 4:.1f}" text-anchor="end">{share}%</text>')
    for index, point in enumerate(trend):
        label = (point.get("date") or "")[:4] or point["code"]
        parts.append(f'<text class="trend-axis" x="{_x(index, count):.1f}" y="{HEIGHT - BOTTOM + 20}" '
                     f'text-anchor="middle">{escape(label)}</text>')
    for number, name in enumerate(history.perspectives(trend), start=1):
        values = [history.agree_share((p["by_perspective"] or {}).get(name)) for p in trend]
        parts += _line(values, count, f"trend-group trend-group-{min(number, 6)}", name)
    parts += _line([history.agree_share(p) for p in trend], count, "trend-total", hall)
    parts.append("</svg>")
    return Markup("".join(parts))
