"""The small condition language shared by ICP fit rules and routing rules.

A condition is ``{field, op, value}`` over an account or lead record. Conditions are
validated when the configuration loads (unknown field, an operator that makes no sense for
the field's type, a value of the wrong shape) so that a typo fails at start-up instead of
silently never matching in production.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, model_validator

FieldKind = Literal["number", "text", "list", "bool"]

#: Firmographic fields of an account that ICP rules may test.
ACCOUNT_FIELDS: dict[str, FieldKind] = {
    "employees": "number",
    "annual_revenue": "number",  # major units of the company currency
    "industry": "text",
    "country": "text",  # ISO 3166-1 alpha-2
    "region": "text",  # NA, EMEA, APAC, LATAM
    "segment": "text",  # smb, mid_market, enterprise
    "tech_stack": "list",
    "domain": "text",
    "named_account": "bool",
}

#: Fields routing rules may test in addition to the account's.
LEAD_FIELDS: dict[str, FieldKind] = {
    **ACCOUNT_FIELDS,
    "lead_source": "text",
    "journey_stage": "text",
    "momentum": "number",
    "fit": "number",
    "persona": "text",
}

Operator = Literal[
    "eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between", "contains", "contains_any",
    "exists",
]  # fmt: skip

_OPS_BY_KIND: dict[FieldKind, set[str]] = {
    "number": {"eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between", "exists"},
    "text": {"eq", "ne", "in", "not_in", "contains", "exists"},
    "list": {"contains", "contains_any", "exists"},
    "bool": {"eq", "ne", "exists"},
}


class Condition(BaseModel):
    """One test on one field, for example ``employees between [200, 5000]``."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    field: str
    op: Operator
    value: Any = None

    #: Which field registry applies; set by the owning rule type.
    _fields: ClassVar[dict[str, FieldKind]] = LEAD_FIELDS

    @model_validator(mode="after")
    def _check_shape(self) -> Condition:
        kind = self._fields.get(self.field)
        if kind is None:
            known = ", ".join(sorted(self._fields))
            raise ValueError(f"unknown field {self.field!r}; known fields: {known}")
        if self.op not in _OPS_BY_KIND[kind]:
            allowed = ", ".join(sorted(_OPS_BY_KIND[kind]))
            raise ValueError(
                f"operator {self.op!r} does not apply to {kind} field "
                f"{self.field!r}; use one of: {allowed}"
            )
        _check_value(self.field, kind, self.op, self.value)
        return self

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether ``record`` satisfies the condition; a missing value never matches."""
        actual = record.get(self.field)
        if self.op == "exists":
            return (actual not in (None, "", [])) == bool(self.value)
        if actual is None:
            return False
        return _compare(self.op, actual, self.value)


class AccountCondition(Condition):
    """A condition over firmographics only (ICP rules)."""

    _fields: ClassVar[dict[str, FieldKind]] = ACCOUNT_FIELDS


def _check_value(field: str, kind: FieldKind, op: str, value: Any) -> None:
    def scalar_ok(v: Any) -> bool:
        if kind == "number":
            return isinstance(v, int | float) and not isinstance(v, bool)
        if kind == "bool":
            return isinstance(v, bool)
        return isinstance(v, str)

    if op == "exists":
        if not isinstance(value, bool):
            raise ValueError(f"{field!r} exists: value must be true or false")
    elif op in ("in", "not_in", "contains_any"):
        if kind == "list":
            items_ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        else:
            items_ok = isinstance(value, list) and all(scalar_ok(v) for v in value)
        if not value or not items_ok:
            raise ValueError(f"{field!r} {op}: value must be a non-empty list of {kind} values")
    elif op == "between":
        if not (isinstance(value, list) and len(value) == 2 and all(scalar_ok(v) for v in value)):
            raise ValueError(f"{field!r} between: value must be [low, high]")
        if value[0] > value[1]:
            raise ValueError(f"{field!r} between: low {value[0]} is above high {value[1]}")
    elif op == "contains" and kind == "list":
        if not isinstance(value, str):
            raise ValueError(f"{field!r} contains: value must be a string")
    elif not scalar_ok(value):
        raise ValueError(f"{field!r} {op}: value {value!r} is not a {kind} value")


def _fold(v: Any) -> Any:
    return v.casefold() if isinstance(v, str) else v


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if isinstance(actual, list | tuple | set):
        have = {_fold(a) for a in actual}
        if op == "contains":
            return _fold(expected) in have
        return any(_fold(e) in have for e in expected)  # contains_any
    a = _fold(actual)
    match op:
        case "eq":
            return bool(a == _fold(expected))
        case "ne":
            return bool(a != _fold(expected))
        case "in":
            return a in {_fold(e) for e in expected}
        case "not_in":
            return a not in {_fold(e) for e in expected}
        case "contains":
            return str(_fold(expected)) in str(a)
    try:
        match op:
            case "gt":
                return bool(a > expected)
            case "gte":
                return bool(a >= expected)
            case "lt":
                return bool(a < expected)
            case "lte":
                return bool(a <= expected)
            case "between":
                return bool(expected[0] <= a <= expected[1])
    except TypeError:
        return False
    raise AssertionError(f"unhandled operator {op}")
