"""Sparklines: a measure's recent values as a small line, drawn as inline SVG beside its row.

The line shows the shape of the series (its last point marked), not its scale: each sparkline is
scaled to its own lowest and highest value, so the page says so and the label gives the range. It
is an image with a text label for screen readers (``role="img"``, ``aria-label``), and the values
are in the row's CSV.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

#: Size of a sparkline, in CSS pixels.
WIDTH, HEIGHT, PAD = 96, 20, 2.5


def points(
    values: Sequence[float], width: float = WIDTH, height: float = HEIGHT
) -> list[tuple[float, float]]:
    """Where each value is drawn: evenly across, scaled between the lowest and the highest (a
    flat series along the middle).

    Examples
    --------
    >>> points([1, 3, 2], width=10, height=10)
    [(2.5, 7.5), (5.0, 2.5), (7.5, 5.0)]
    """
    low, high = min(values), max(values)
    span = high - low
    inner_w, inner_h = width - 2 * PAD, height - 2 * PAD
    step = inner_w / (len(values) - 1) if len(values) > 1 else 0.0
    out = []
    for i, value in enumerate(values):
        y = PAD + inner_h / 2 if span == 0 else PAD + inner_h * (high - value) / span
        out.append((round(PAD + step * i, 2), round(y, 2)))
    return out


def sparkline(values: Sequence[float] | None, label: str) -> str:
    """An inline SVG of ``values`` labelled ``label`` for screen readers; empty for fewer than
    two values.

    Examples
    --------
    >>> sparkline([5, 7, 6], "Monthly counts: 5 to 7")[:58]
    '<svg class="csa-sparkline" role="img" aria-label="Monthly '
    >>> sparkline([4], "one value")
    ''
    """
    if values is None or len(values) < 2:
        return ""
    drawn = points(values)
    path = " ".join(f"{x},{y}" for x, y in drawn)
    last_x, last_y = drawn[-1]
    return (
        f'<svg class="csa-sparkline" role="img" aria-label="{escape(label)}" '
        f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}">'
        f'<polyline points="{path}" fill="none" stroke="currentColor" stroke-width="1.4"/>'
        f'<circle cx="{last_x}" cy="{last_y}" r="2" fill="currentColor"/></svg>'
    )
