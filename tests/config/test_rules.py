"""The condition language of ICP and routing rules: validation and matching semantics."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from devfunnel.config.rules import ACCOUNT_FIELDS, LEAD_FIELDS, AccountCondition, Condition


def cond(field: str, op: str, value: Any = None) -> Condition:
    return Condition.model_validate({"field": field, "op": op, "value": value})


@pytest.mark.parametrize(
    ("condition", "record", "expected"),
    [
        # eq / ne: text compares case-insensitively
        (("industry", "eq", "software"), {"industry": "Software"}, True),
        (("industry", "eq", "SOFTWARE"), {"industry": "software"}, True),
        (("industry", "eq", "Software"), {"industry": "Fintech"}, False),
        (("industry", "ne", "software"), {"industry": "SOFTWARE"}, False),
        (("industry", "ne", "software"), {"industry": "Fintech"}, True),
        (("employees", "eq", 200), {"employees": 200}, True),
        (("employees", "eq", 200), {"employees": 200.0}, True),
        (("named_account", "eq", True), {"named_account": True}, True),
        (("named_account", "eq", True), {"named_account": False}, False),
        (("named_account", "ne", True), {"named_account": False}, True),
        # in / not_in
        (("region", "in", ["na", "EMEA"]), {"region": "NA"}, True),
        (("region", "in", ["NA", "EMEA"]), {"region": "emea"}, True),
        (("region", "in", ["NA", "EMEA"]), {"region": "APAC"}, False),
        (("region", "not_in", ["NA", "EMEA"]), {"region": "apac"}, True),
        (("region", "not_in", ["na"]), {"region": "NA"}, False),
        (("employees", "in", [10, 20]), {"employees": 20}, True),
        # numeric comparisons
        (("employees", "gt", 100), {"employees": 101}, True),
        (("employees", "gt", 100), {"employees": 100}, False),
        (("employees", "gte", 100), {"employees": 100}, True),
        (("employees", "lt", 100), {"employees": 99.5}, True),
        (("employees", "lt", 100), {"employees": 100}, False),
        (("employees", "lte", 100), {"employees": 100}, True),
        (("employees", "between", [200, 5000]), {"employees": 200}, True),
        (("employees", "between", [200, 5000]), {"employees": 5000}, True),
        (("employees", "between", [200, 5000]), {"employees": 199}, False),
        (("employees", "between", [200, 5000]), {"employees": 5001}, False),
        (("employees", "between", [5, 5]), {"employees": 5}, True),
        # a value of the wrong type never matches (and never raises)
        (("employees", "gt", 100), {"employees": "lots"}, False),
        (("employees", "between", [1, 9]), {"employees": "5"}, False),
        # contains: substring for text, membership for lists, both case-insensitive
        (("domain", "contains", "ACME"), {"domain": "shop.acme.dev"}, True),
        (("domain", "contains", "acme"), {"domain": "example.com"}, False),
        (("tech_stack", "contains", "Python"), {"tech_stack": ["python", "go"]}, True),
        (("tech_stack", "contains", "py"), {"tech_stack": ["python", "go"]}, False),
        (("tech_stack", "contains_any", ["java", "GO"]), {"tech_stack": ["Go"]}, True),
        (("tech_stack", "contains_any", ["java", "rust"]), {"tech_stack": ["go"]}, False),
        (("tech_stack", "contains_any", ["go"]), {"tech_stack": []}, False),
        (("tech_stack", "contains", "go"), {"tech_stack": ("Go", "node")}, True),
        # lead fields
        (("lead_source", "eq", "PQL"), {"lead_source": "pql"}, True),
        (("momentum", "gte", 60), {"momentum": 72.5}, True),
    ],
)
def test_operator_semantics(
    condition: tuple[str, str, Any], record: dict[str, Any], expected: bool
) -> None:
    assert cond(*condition).matches(record) is expected


@pytest.mark.parametrize(
    "condition",
    [
        ("industry", "eq", "software"),
        ("industry", "ne", "software"),
        ("region", "not_in", ["NA"]),
        ("employees", "lt", 100),
        ("employees", "between", [0, 10**9]),
        ("named_account", "ne", True),
        ("tech_stack", "contains", "go"),
        ("tech_stack", "contains_any", ["go"]),
        ("domain", "contains", ""),
    ],
)
@pytest.mark.parametrize("record", [{}, {"industry": None, "region": None, "employees": None,
                                         "named_account": None, "tech_stack": None,
                                         "domain": None}])  # fmt: skip
def test_missing_value_never_matches(condition: tuple[str, str, Any], record: dict) -> None:
    assert cond(*condition).matches(record) is False


@pytest.mark.parametrize(
    ("record", "present"),
    [
        ({"industry": "Software"}, True),
        ({"industry": ""}, False),
        ({"industry": None}, False),
        ({}, False),
    ],
)
def test_exists(record: dict[str, Any], present: bool) -> None:
    assert cond("industry", "exists", True).matches(record) is present
    assert cond("industry", "exists", False).matches(record) is (not present)


def test_exists_on_a_list_field_treats_empty_list_as_absent() -> None:
    assert cond("tech_stack", "exists", True).matches({"tech_stack": ["go"]}) is True
    assert cond("tech_stack", "exists", True).matches({"tech_stack": []}) is False
    assert cond("tech_stack", "exists", False).matches({"tech_stack": []}) is True


def test_exists_on_a_false_boolean_counts_as_present() -> None:
    assert cond("named_account", "exists", True).matches({"named_account": False}) is True


def test_account_conditions_only_know_firmographic_fields() -> None:
    assert set(ACCOUNT_FIELDS) < set(LEAD_FIELDS)
    AccountCondition.model_validate({"field": "employees", "op": "gt", "value": 1})
    with pytest.raises(pydantic.ValidationError, match="unknown field 'momentum'"):
        AccountCondition.model_validate({"field": "momentum", "op": "gt", "value": 1})


@pytest.mark.parametrize(
    ("field", "op", "value", "reason"),
    [
        ("nope", "eq", "x", "unknown field 'nope'"),
        ("employees", "contains", "1", "does not apply to number field"),
        ("industry", "gt", "a", "does not apply to text field"),
        ("tech_stack", "in", ["go"], "does not apply to list field"),
        ("named_account", "in", [True], "does not apply to bool field"),
        ("employees", "between", [9, 1], "low 9 is above high 1"),
        ("employees", "between", [1], "value must be [low, high]"),
        ("employees", "between", [1, "9"], "value must be [low, high]"),
        ("employees", "eq", True, "is not a number value"),
        ("named_account", "eq", 1, "is not a bool value"),
        ("industry", "eq", 5, "is not a text value"),
        ("industry", "in", "Software", "non-empty list of text values"),
        ("industry", "not_in", [], "non-empty list"),
        ("tech_stack", "contains", ["go"], "value must be a string"),
        ("tech_stack", "contains_any", [1], "non-empty list"),
        ("industry", "exists", None, "value must be true or false"),
    ],
)
def test_invalid_conditions_are_refused(field: str, op: str, value: Any, reason: str) -> None:
    with pytest.raises(pydantic.ValidationError) as raised:
        cond(field, op, value)
    assert reason in str(raised.value)


def test_unknown_operator_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="op"):
        cond("employees", "approximately", 5)
