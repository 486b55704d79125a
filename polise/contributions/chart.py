"""A stacked bar chart of lines by category over time, as inline SVG (no script, no CDN).

The chart only repeats figures the page's table gives in words, so it is one image with a
title and a description for assistive technology."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .classify import CATEGORIES

COLOURS = {
    "code": "#1d4ed8",
    "usage_docs": "#15803d",
    "database_docs": "#b45309",
    "tests": "#7c3aed",
    "excluded": "#9ca3af",
}
WIDTH, HEIGHT, PAD, AXIS = 720, 220, 8, 28


def stacked_bars(series: list[tuple[str, dict[str, int]]], *, title: str, desc: str) -> SafeString:
    peak = max((sum(values.values()) for _, values in series), default=0)
    bars = []
    if series and peak:
        step = (WIDTH - 2 * PAD) / len(series)
        width = max(step * 0.8, 1.0)
        usable = HEIGHT - AXIS - PAD
        label_every = max(1, len(series) // 12)
        for index, (label, values) in enumerate(series):
            x = PAD + index * step
            y = float(HEIGHT - AXIS)
            parts = []
            for category in CATEGORIES:
                height = values[category] / peak * usable
                if height <= 0:
                    continue
                y -= height
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
                    f'fill="{COLOURS[category]}"/>'
                )
            bars.append(
                f"<g><title>{escape(label)}: "
                + escape(", ".join(f"{c} {values[c]}" for c in CATEGORIES if values[c]))
                + "</title>"
                + "".join(parts)
                + "</g>"
            )
            if index % label_every == 0:
                bars.append(
                    f'<text x="{x:.1f}" y="{HEIGHT - 10}" font-size="11" fill="#374151">'
                    f"{escape(label[-5:] if len(series) > 12 else label)}</text>"
                )
    return mark_safe(  # noqa: S308 - every piece of text above is escaped
        f'<svg class="contribution-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(desc)}</desc>'
        f'<line x1="{PAD}" y1="{HEIGHT - AXIS}" x2="{WIDTH - PAD}" y2="{HEIGHT - AXIS}" '
        f'stroke="#374151"/>' + "".join(bars) + "</svg>"
    )
