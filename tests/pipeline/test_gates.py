"""Stage gates: each kind of exit criterion, the list of what is missing, and the store
reading behind it."""

from __future__ import annotations

from typing import Any

import pytest

from devfunnel.config import Settings
from devfunnel.errors import ValidationError
from devfunnel.pipeline import gates
from devfunnel.pipeline.qualification import set_element
from devfunnel.pipeline.technical_validation import refresh
from devfunnel.store import Store
from tests.pipeline.world import NOW, World, build

#: Everything the default stages require, filled.
COMPLETE: dict[str, Any] = {
    "amount_minor": 4_000_000, "close_date": "2026-09-30", "owner_id": "someone",
    "next_step": "Security review", "primary_contact_id": "jane", "competitor": "In-house",
    "use_case": "Integrations", "economic_buyer_contact_id": "bob",
}  # fmt: skip
ALL_VALIDATED = dict.fromkeys(
    ("metrics", "economic_buyer", "decision_criteria", "decision_process", "paper_process",
     "identify_pain", "champion", "competition"), 2,
)  # fmt: skip


def test_a_complete_opportunity_passes_every_gate(settings: Settings) -> None:
    for stage in settings.pipeline.stages:
        assert gates.unmet_criteria(settings, stage.id, COMPLETE, ALL_VALIDATED, 100.0) == []


def test_required_fields_missing_none_or_blank_are_unmet(settings: Settings) -> None:
    opportunity = {**COMPLETE, "amount_minor": None, "primary_contact_id": None}
    unmet = gates.unmet_criteria(settings, "discovery", opportunity, ALL_VALIDATED, None)
    assert [(u.kind, u.name) for u in unmet] == [
        ("required_field", "amount"), ("required_field", "primary_contact")]  # fmt: skip
    blank = {**COMPLETE, "next_step": "   "}
    (only,) = gates.unmet_criteria(settings, "negotiation", blank, ALL_VALIDATED, None)
    assert (only.name, only.message) == ("next_step", "next step is not filled")


def test_field_names_are_accepted_as_well_as_columns(settings: Settings) -> None:
    assert (
        gates.unmet_criteria(
            settings, "discovery", {"amount": 10, "primary_contact": "x"}, ALL_VALIDATED, None
        )
        == []
    )


def test_each_element_below_its_minimum_is_listed_with_both_scores(settings: Settings) -> None:
    scores = {**ALL_VALIDATED, "identify_pain": 1, "champion": 0}
    unmet = gates.unmet_criteria(settings, "technical_evaluation", COMPLETE, scores, 80.0)
    assert [(u.name, u.required, u.actual) for u in unmet] == [("identify_pain", 2.0, 1.0),
                                                               ("champion", 1.0, 0.0)]  # fmt: skip
    assert unmet[0].message == "Identify pain is scored 1; the stage needs 2"
    # An element never recorded counts as 0.
    (missing,) = gates.unmet_criteria(settings, "discovery", COMPLETE, {"metrics": 1}, None)
    assert (missing.name, missing.actual) == ("identify_pain", 0.0)


def test_technical_fit_needs_a_validation_at_the_minimum(settings: Settings) -> None:
    stage = "technical_evaluation"
    (none,) = gates.unmet_criteria(settings, stage, COMPLETE, ALL_VALIDATED, None)
    assert (none.kind, none.actual, none.message) == (
        "min_technical_fit", None, "no technical validation yet")  # fmt: skip
    (low,) = gates.unmet_criteria(settings, stage, COMPLETE, ALL_VALIDATED, 49.9)
    assert (low.required, low.actual) == (50.0, 49.9)
    assert gates.unmet_criteria(settings, stage, COMPLETE, ALL_VALIDATED, 50.0) == []


def test_the_order_is_fields_then_elements_then_fit(settings: Settings) -> None:
    unmet = gates.unmet_criteria(settings, "technical_evaluation", {}, {}, None)
    assert [u.kind for u in unmet] == ["required_field", "min_qualification",
                                       "min_qualification", "min_qualification",
                                       "min_technical_fit"]  # fmt: skip


def test_an_unknown_stage_is_a_clear_error(settings: Settings) -> None:
    with pytest.raises(ValidationError, match="unknown stage 'pilot'"):
        gates.unmet_criteria(settings, "pilot", COMPLETE, {}, None)


def test_next_stage_goes_forward_to_won_and_stops_when_closed(settings: Settings) -> None:
    assert gates.next_stage(settings, "discovery") == "technical_evaluation"
    assert gates.next_stage(settings, "negotiation") == "closed_won"
    assert gates.next_stage(settings, "closed_lost") is None


def test_check_exit_reads_the_stored_opportunity(store: Store, settings: Settings) -> None:
    world: World = build(store, settings)
    with store.read() as conn:
        before = gates.check_exit(conn, settings, world.opportunity)
    # technical_evaluation wants use_case, identify_pain 2, champion 1, decision_criteria 1
    # and a technical fit of 50.
    assert [u.name for u in before] == ["use_case", "identify_pain", "champion",
                                        "decision_criteria", "technical_fit"]  # fmt: skip
    for element, score in (("identify_pain", 2), ("champion", 1), ("decision_criteria", 1)):
        set_element(store, settings, world.owner, world.opportunity, element, score, now=NOW)
    refresh(store, settings, [world.opportunity], now=NOW)
    with store.read() as conn:
        status = gates.gate_status(conn, settings, world.opportunity)
        leaving_discovery = gates.check_exit(conn, settings, world.opportunity, "discovery")
    assert (status.stage, status.next_stage) == ("technical_evaluation", "business_case")
    assert [u.name for u in status.unmet] == ["use_case"]
    assert not status.passed
    assert [u.name for u in leaving_discovery] == ["metrics"]
