"""``devfunnel evaluate``: measure the product on the demo company's ground truth."""

from __future__ import annotations

import json
from contextlib import nullcontext
from typing import Annotated, Any

import typer
from rich.table import Table

from devfunnel.cli.options import ConfigOption, DbOption, open_store, settings_for
from devfunnel.cli.output import console
from devfunnel.errors import Conflict
from devfunnel.evaluate.identity import evaluate_identity
from devfunnel.evaluate.pqa import demo_as_of, demo_date, evaluate_pqa
from devfunnel.evaluate.success import AUC_GAP, evaluate_success

#: The targets each figure is measured against.
TARGETS = {"identity.precision": 0.99, "identity.recall": 0.95, "identity.account_accuracy": 0.98}


def evaluate(
    db: DbOption = None,
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Measure identity resolution, PQA quality and the success-probability model against
    the demo's truth."""
    settings = settings_for(db, config)
    success: dict[str, Any] | None = None
    with open_store(settings) as store:
        identity = evaluate_identity(store)
        pqa = evaluate_pqa(store, settings, demo_as_of(demo_date(store)))
        try:
            waiting = nullcontext() if as_json else console.status("Testing the success model")
            with waiting:
                success = evaluate_success(store, settings).as_dict()
        except Conflict as exc:  # too few closed opportunities in a small demo
            success = {"error": exc.detail}
    document: dict[str, Any] = {
        "identity": identity.as_dict(),
        "pqa": pqa.as_dict(),
        "success_model": success,
        "thresholds": {
            "auto_merge_probability": settings.identity.auto_merge_probability,
            "review_probability": settings.identity.review_probability,
        },
        "targets": TARGETS,
    }
    if as_json:
        typer.echo(json.dumps(document, indent=2))
        return
    table = Table("measure", "value", "target", "met")
    for key, target in TARGETS.items():
        section, name = key.split(".")
        value = document[section][name]
        table.add_row(key, f"{value:.4f}", f"{target:.2f}", "yes" if value >= target else "no")
    table.add_row(
        "identity.account_accuracy_by_person", f"{identity.account_accuracy_by_person:.4f}", "", ""
    )
    table.add_row("identity.anonymous_attached", f"{identity.anonymous_attached:.4f}", "", "")
    table.add_row("pqa.lift", f"{pqa.lift:.2f}", "", "")
    table.add_row("pqa.lift_raw_count", f"{pqa.lift_raw_count:.2f}", "", "")
    console.print(table)
    console.print(
        f"PQA: of the top {pqa.top_n:,} accounts by momentum as of {pqa.scored_as_of[:10]}, "
        f"{pqa.top_converted} opened an opportunity within {pqa.horizon_days} days "
        f"({pqa.top_converted_raw_count} of the top by raw event count); base rate "
        f"{pqa.base_rate:.2%} of {pqa.population:,} accounts."
    )
    console.print(
        f"{identity.people_evaluated:,} people evaluated; pairs "
        f"{identity.pairs['correct']:,} correct of {identity.pairs['predicted']:,} "
        f"predicted and {identity.pairs['true']:,} true; "
        f"{identity.account_unknowable:,} at an account no signal names, left out of "
        "account accuracy."
    )
    _success(document["success_model"])


def _or_none(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _range(bounds: list[float]) -> str:
    return f"{bounds[0]:.3f}-{bounds[1]:.3f}"


def _success(success: dict[str, Any]) -> None:
    if "error" in success:
        console.print(f"Success model not evaluated: {success['error']}")
        return
    auc, brier = success["auc"], {"model": success["brier"], **success["brier_references"]}
    table = Table("success probability", "AUC", "Brier", title="Held-out closed opportunities")
    for name in ("model", "ceiling", "stage_only", "naive_bayes"):
        table.add_row(name, f"{auc[name]:.4f}", f"{brier[name]:.4f}")
    console.print(table)
    met = success["targets"]
    console.print(
        f"Target AUC within {AUC_GAP} of the ceiling: "
        f"{'met' if met['auc_within_gap_of_ceiling'] else 'not met'} "
        f"(gap {auc['ceiling'] - auc['model']:.4f}); above stage only: "
        f"{'yes' if met['auc_above_stage_only'] else 'no'}; above naive Bayes: "
        f"{'yes' if met['auc_above_naive_bayes'] else 'no'}."
    )
    interval = success.get("auc_interval") or {}
    if "gap" in interval:
        console.print(
            f"95% bootstrap intervals: model {_range(interval['model'])}, ceiling "
            f"{_range(interval['ceiling'])}, gap {_range(interval['gap'])}; the ceiling "
            f"averages {success['ceiling_expected']:.4f} over outcomes drawn again from it."
        )
    bounds = success.get("bounds") or {}
    if "gap_parts" in bounds:
        oracle, linear, parts = bounds["oracle"], bounds["features_linear"], bounds["gap_parts"]
        console.print(
            f"Where the gap comes from: information the features lack, about "
            f"{parts['information']:.4f} (a ridge fit of the truth's log-odds on them scores "
            f"{linear['auc']:.4f}; expected gap {_or_none(linear['expected_gap'])}); learning "
            f"from these deals, about {parts['learning']:.4f}. A model trained on the demo's "
            f"hidden inputs themselves scores {oracle['auc']:.4f} (expected gap "
            f"{_or_none(oracle['expected_gap'])}): what learning costs even with the true inputs."
        )
    if "told_hidden" in bounds:
        told = bounds["told_hidden"]
        console.print(
            f"The model trained the same way but told the demo's hidden "
            f"{' and '.join(told['added'])} as well scores {told['auc']:.4f} (gap "
            f"{told['gap']:.4f}, 95% interval {_range(told['gap_interval'])}): what is left "
            f"once the features' biggest gaps in information are filled."
        )
    counts = success["counts"]
    console.print(
        f"{counts['opportunities']:,} closed opportunities ({counts['won']:,} won, "
        f"{counts['lost']:,} lost), {success['split']}."
    )
    calibration = Table("predicted", "count", "mean predicted", "won", "true probability",
                        title="Calibration")  # fmt: skip
    for row in success["calibration"]:
        calibration.add_row(row["bin"], str(row["count"]), f"{row['predicted']:.3f}",
                            f"{row['won']:.3f}", f"{row['true_probability']:.3f}")  # fmt: skip
    console.print(calibration)
