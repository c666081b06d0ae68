"""Engagement, momentum and fit from their signals, each with its why.

Every score comes with the signals that make it up, each with its ``share``: the points of
the score it accounts for. Shares always sum to the score (the smallest are folded into
one "other signals" entry), so a user can read a 72 as "40 from API usage, 15 from three
active developers, ...". Scores are 0-100 except fit, which is the sum of the matching
ICP rules' weights.

- engagement (a person) = ``100 * (1 - exp(-points / engagement_scale))``, where points
  are the person's activity weights, decayed by ``half_life_days``, within ``window_days``;
- momentum (an account) = ``100 * (w_activity * A + w_breadth * B + w_trend * T)`` with
  ``A = 1 - exp(-points / momentum_scale)`` over all its people's points,
  ``B`` half developers active in the window (saturating at ``breadth_developers``) and
  half kinds of activity (saturating at ``breadth_activity_kinds``), and
  ``T = (1 + (this - last) / (this + last)) / 2`` comparing the last ``trend_period_days``
  of undecayed points with the period before (0 when both are empty).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from devfunnel.config import Settings
from devfunnel.config.engagement import IcpRule
from devfunnel.scoring.signals import SubjectSignals

#: Signals listed by name in a why; the rest are summed into "other signals".
TOP_SIGNALS = 5
Why = list[dict[str, Any]]


def saturate(points: float, scale: float) -> float:
    """0 for no (or negative) points, approaching 1 as points grow past ``scale``."""
    return 1.0 - math.exp(-points / scale) if points > 0 else 0.0


def _activity_why(settings: Settings, points: Mapping[str, float], part: float) -> Why:
    total = sum(points.values())
    if part == 0 or total == 0:
        return []
    labels = {a.id: a.label for a in settings.activity_types}
    return [
        {"signal": f"activity:{aid}", "label": labels.get(aid, aid), "share": part * p / total,
         "detail": f"{p:.1f} decayed points"}
        for aid, p in points.items() if p != 0
    ]  # fmt: skip


def top(why: Why, limit: int = TOP_SIGNALS) -> Why:
    """The largest signals by absolute share, the rest folded into one entry; the sum of
    shares is unchanged."""
    ranked = sorted(why, key=lambda item: (-abs(item["share"]), item["signal"]))
    kept, rest = ranked[:limit], ranked[limit:]
    if rest:
        kept.append({
            "signal": "other", "label": f"{len(rest)} other signals",
            "share": sum(item["share"] for item in rest), "detail": "",
        })  # fmt: skip
    return kept


def engagement(settings: Settings, signals: SubjectSignals) -> tuple[float, Why]:
    total = sum(signals.points.values())
    score = 100.0 * saturate(total, settings.scoring.engagement_scale)
    return score, top(_activity_why(settings, signals.points, score))


def trend(signals: SubjectSignals) -> float:
    this, last = max(signals.this_period, 0.0), max(signals.last_period, 0.0)
    if this + last == 0:
        return 0.0
    return (1.0 + (this - last) / (this + last)) / 2.0


def momentum(
    settings: Settings, signals: SubjectSignals, *, explain: bool = True
) -> tuple[float, Why]:
    """Momentum and its why (``explain=False`` skips the why: the history backfill)."""
    s = settings.scoring
    w = s.momentum_weights
    activity_part = 100.0 * w.activity * saturate(sum(signals.points.values()), s.momentum_scale)
    dev_part = 50.0 * w.breadth * min(signals.developers / s.breadth_developers, 1.0)
    kinds_part = 50.0 * w.breadth * min(signals.kinds / s.breadth_activity_kinds, 1.0)
    trend_value = trend(signals)
    trend_part = 100.0 * w.trend * trend_value
    if not explain:
        return activity_part + dev_part + kinds_part + trend_part, []
    why = _activity_why(settings, signals.points, activity_part)
    if dev_part:
        detail = f"{signals.developers} in {s.window_days} days"
        why.append({"signal": "breadth:developers", "label": "Active developers",
                    "share": dev_part, "detail": detail})  # fmt: skip
    if kinds_part:
        why.append({"signal": "breadth:kinds", "label": "Kinds of activity",
                    "share": kinds_part, "detail": f"{signals.kinds} activity types"})  # fmt: skip
    if trend_part:
        last, this = signals.last_period, signals.this_period
        change = f"{(this - last) / last:+.0%}" if last > 0 else "new"
        why.append({"signal": "trend", "label": "Trend", "share": trend_part,
                    "detail": f"{change} vs the previous {s.trend_period_days} days"})  # fmt: skip
    return activity_part + dev_part + kinds_part + trend_part, top(why)


def fit(rules: list[IcpRule], record: Mapping[str, Any]) -> tuple[float, Why]:
    """ICP fit: the weights of the rules all of whose conditions hold (config/rules.py)."""
    matched = [r for r in rules if all(c.matches(record) for c in r.when)]
    why = [
        {"signal": f"icp:{r.id}", "label": r.description, "share": float(r.weight), "detail": ""}
        for r in matched
    ]
    return float(sum(r.weight for r in matched)), top(why)
