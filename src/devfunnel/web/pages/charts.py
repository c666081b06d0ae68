"""Chart specifications for ``static/charts.js``: plain dicts a page embeds as JSON.

A template renders one with the ``chart`` macro of ``_components.html``; the browser
draws it with the vendored Chart.js. Keeping the shape here (not in each template) lets
tests read what a page will draw.

``format`` says how values read: ``number``, ``percent`` (0-1 shown as %), or ``money``
(minor units, with ``currency``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

Format = Literal["number", "percent", "money"]


def line_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    format: Format = "number",
    currency: str | None = None,
) -> dict[str, Any]:
    """One line per series over ``labels`` (usually dates)."""
    return _spec("line", labels, series, format=format, currency=currency)


def bar_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    stacked: bool = False,
    horizontal: bool = False,
    format: Format = "number",
    currency: str | None = None,
) -> dict[str, Any]:
    spec = _spec("bar", labels, series, format=format, currency=currency)
    spec.update(stacked=stacked, horizontal=horizontal)
    return spec


def funnel_chart(steps: Sequence[str], counts: Sequence[int]) -> dict[str, Any]:
    """Steps from first to last; the tooltip shows each step's conversion from the one
    before and from the first."""
    return _spec("funnel", steps, {"Count": counts}, format="number", currency=None)


def _spec(
    kind: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    format: Format,
    currency: str | None,
) -> dict[str, Any]:
    for name, values in series.items():
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels")
    return {
        "type": kind,
        "labels": list(labels),
        "series": [{"name": name, "values": list(values)} for name, values in series.items()],
        "format": format,
        "currency": currency,
    }
