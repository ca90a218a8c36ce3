"""Conditions as data (domain.conditions): the evaluator against the rules it promises, on every shape
hypothesis can build, and the definition-time check that refuses unknown fields and cross-type comparisons."""

from __future__ import annotations

import operator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealflow_approval.domain.conditions import (
    COMPARISONS,
    condition_problems,
    evaluate,
    json_type,
    schema_fields,
)

FIELDS = ("amount", "count", "dept", "urgent", "tags", "vendor")
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "amount": {"type": "number"},
        "count": {"type": "integer"},
        "dept": {"type": "string"},
        "urgent": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "vendor": {"type": "object", "properties": {"country": {"type": "string"}}},
    },
}
FIELD_TYPES = schema_fields(SCHEMA)

numbers = st.one_of(st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6, allow_nan=False))
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=5))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)
fields = st.sampled_from((*FIELDS, "vendor.country", "missing"))
forms = st.dictionaries(st.sampled_from((*FIELDS, "other")), json_values, max_size=6) | st.fixed_dictionaries(
    {
        "amount": numbers,
        "count": st.integers(-100, 100),
        "dept": st.text(max_size=3),
        "urgent": st.booleans(),
        "tags": st.lists(st.text(max_size=2), max_size=3),
        "vendor": st.fixed_dictionaries({"country": st.sampled_from(("CN", "DE", "US"))}),
    }
)
comparisons = st.builds(
    lambda field, op, value: (
        {"field": field, "op": op} if op == "exists" else {"field": field, "op": op, "value": value}
    ),
    fields,
    st.sampled_from(COMPARISONS),
    json_values | st.lists(scalars, max_size=4),
)
conditions = st.recursive(
    comparisons,
    lambda inner: st.one_of(
        st.builds(lambda cs: {"all": cs}, st.lists(inner, max_size=3)),
        st.builds(lambda cs: {"any": cs}, st.lists(inner, max_size=3)),
        st.builds(lambda c: {"not": c}, inner),
    ),
    max_leaves=10,
)


@given(conditions, forms)
def test_evaluation_is_total_and_boolean(condition: dict[str, Any], form: dict[str, Any]) -> None:
    assert evaluate(condition, form) in (True, False)


@given(conditions, forms)
def test_not_negates(condition: dict[str, Any], form: dict[str, Any]) -> None:
    assert evaluate({"not": condition}, form) is not evaluate(condition, form)
    assert evaluate({"not": {"not": condition}}, form) is evaluate(condition, form)


@given(st.lists(conditions, max_size=4), forms)
def test_all_and_any_are_and_and_or_with_de_morgan(
    children: list[dict[str, Any]], form: dict[str, Any]
) -> None:
    each = [evaluate(c, form) for c in children]
    assert evaluate({"all": children}, form) is all(each)
    assert evaluate({"any": children}, form) is any(each)
    negated = [{"not": c} for c in children]
    assert evaluate({"not": {"all": children}}, form) is evaluate({"any": negated}, form)


def test_empty_combinations_and_no_condition() -> None:
    assert evaluate({"all": []}, {}) is True
    assert evaluate({"any": []}, {}) is False
    assert evaluate(None, {}) is True


ORDERS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@given(st.sampled_from(sorted(ORDERS)), numbers, numbers)
def test_ordered_comparisons_on_numbers_are_pythons(op: str, actual: float, expected: float) -> None:
    assert evaluate({"field": "amount", "op": op, "value": expected}, {"amount": actual}) is ORDERS[op](
        actual, expected
    )


@given(st.sampled_from(sorted(ORDERS)), st.text(max_size=4), st.text(max_size=4))
def test_ordered_comparisons_on_strings_are_pythons(op: str, actual: str, expected: str) -> None:
    assert evaluate({"field": "dept", "op": op, "value": expected}, {"dept": actual}) is ORDERS[op](
        actual, expected
    )


def _same_type(a: Any, b: Any) -> bool:
    kinds = {"integer": "number"}
    return kinds.get(json_type(a), json_type(a)) == kinds.get(json_type(b), json_type(b))


@given(scalars, scalars)
def test_equality_is_typed_and_inequality_its_complement_among_equals_types(
    actual: Any, expected: Any
) -> None:
    eq = evaluate({"field": "x", "op": "=", "value": expected}, {"x": actual})
    ne = evaluate({"field": "x", "op": "!=", "value": expected}, {"x": actual})
    assert eq is (_same_type(actual, expected) and actual == expected)
    assert ne is (_same_type(actual, expected) and actual != expected)


@given(st.sampled_from(COMPARISONS), scalars | st.lists(scalars, max_size=2))
def test_a_missing_field_fails_every_comparison_but_exists(op: str, value: Any) -> None:
    condition = {"field": "amount", "op": op, "value": value}
    assert evaluate(condition, {"other": 1}) is False
    assert evaluate({"field": "vendor.country", "op": op, "value": value}, {"vendor": "flat"}) is False


@given(forms)
def test_exists_is_presence(form: dict[str, Any]) -> None:
    for field in FIELDS:
        assert evaluate({"field": field, "op": "exists"}, form) is (field in form)


@given(scalars, st.lists(scalars, max_size=5))
def test_in_is_equality_with_one_of_the_values(actual: Any, values: list[Any]) -> None:
    one_of = any(evaluate({"field": "x", "op": "=", "value": v}, {"x": actual}) for v in values)
    assert evaluate({"field": "x", "op": "in", "value": values}, {"x": actual}) is one_of


@given(st.lists(scalars, max_size=5), scalars)
def test_contains_on_a_list_is_equality_with_an_element(items: list[Any], value: Any) -> None:
    one_of = any(evaluate({"field": "x", "op": "=", "value": value}, {"x": item}) for item in items)
    assert evaluate({"field": "x", "op": "contains", "value": value}, {"x": items}) is one_of


@given(st.text(max_size=6), st.text(max_size=3))
def test_contains_on_a_string_is_a_substring(text: str, part: str) -> None:
    assert evaluate({"field": "x", "op": "contains", "value": part}, {"x": text}) is (part in text)


def test_booleans_are_not_numbers_and_nested_fields_resolve() -> None:
    assert evaluate({"field": "x", "op": "=", "value": 1}, {"x": True}) is False
    assert evaluate({"field": "x", "op": ">=", "value": 0}, {"x": True}) is False
    assert evaluate({"field": "x", "op": "=", "value": 1.0}, {"x": 1}) is True
    assert (
        evaluate({"field": "vendor.country", "op": "=", "value": "CN"}, {"vendor": {"country": "CN"}}) is True
    )


# --- the definition-time check ----------------------------------------------------------------------

well_typed_comparisons = st.one_of(
    st.builds(
        lambda op, v: {"field": "amount", "op": op, "value": v},
        st.sampled_from(["=", "!=", *ORDERS]),
        numbers,
    ),
    st.builds(
        lambda op, v: {"field": "count", "op": op, "value": v}, st.sampled_from(["=", *ORDERS]), st.integers()
    ),
    st.builds(
        lambda op, v: {"field": "dept", "op": op, "value": v},
        st.sampled_from(["=", "contains", *ORDERS]),
        st.text(),
    ),
    st.builds(lambda v: {"field": "urgent", "op": "=", "value": v}, st.booleans()),
    st.builds(lambda v: {"field": "tags", "op": "contains", "value": v}, st.text()),
    st.builds(lambda v: {"field": "vendor.country", "op": "in", "value": v}, st.lists(st.text(), max_size=3)),
    st.builds(lambda f: {"field": f, "op": "exists"}, st.sampled_from(sorted(FIELD_TYPES))),
)
well_typed = st.recursive(
    well_typed_comparisons,
    lambda inner: st.one_of(
        st.builds(lambda cs: {"all": cs}, st.lists(inner, max_size=3)),
        st.builds(lambda cs: {"any": cs}, st.lists(inner, max_size=3)),
        st.builds(lambda c: {"not": c}, inner),
    ),
    max_leaves=8,
)


@given(well_typed)
def test_well_typed_conditions_are_accepted(condition: dict[str, Any]) -> None:
    assert condition_problems(condition, FIELD_TYPES) == []


def _wrap(leaf: dict[str, Any], how: int) -> dict[str, Any]:
    return [leaf, {"all": [{"field": "urgent", "op": "exists"}, leaf]}, {"any": [{"not": leaf}]}][how]


@settings(max_examples=200)
@given(well_typed_comparisons, st.text(min_size=1, max_size=8), st.integers(0, 2))
def test_a_field_the_schema_lacks_is_refused_wherever_it_is_nested(
    leaf: dict[str, Any], field: str, how: int
) -> None:
    if field in FIELD_TYPES:
        return
    problems = condition_problems(_wrap({**leaf, "field": field}, how), FIELD_TYPES)
    assert len(problems) == 1 and f"no field {field!r}" in problems[0]


@given(
    st.sampled_from(
        [("amount", "x"), ("amount", True), ("count", "1"), ("dept", 3), ("urgent", 0), ("dept", None)]
    ),
    st.sampled_from(["=", "!=", *ORDERS]),
    st.integers(0, 2),
)
def test_a_comparison_across_types_is_refused(field_value: tuple[str, Any], op: str, how: int) -> None:
    field, value = field_value
    problems = condition_problems(_wrap({"field": field, "op": op, "value": value}, how), FIELD_TYPES)
    assert len(problems) == 1, problems


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "urgent", "op": "<", "value": True},  # booleans have no order
        {"field": "dept", "op": "in", "value": "sales"},  # `in` takes a list
        {"field": "dept", "op": "in", "value": ["sales", 3]},
        {"field": "tags", "op": "contains", "value": 3},
        {"field": "amount", "op": "contains", "value": 3},
        {"field": "amount", "op": "~", "value": 3},
        {"field": "amount", "op": "exists", "value": 3},
        {"field": "amount", "op": "="},
        {"all": {"field": "amount", "op": "exists"}},
        {"all": [], "any": []},
        {"not": {"field": "amount", "op": "exists"}, "field": "x"},
        {"op": "=", "value": 1},
        "amount > 10",
        {"field": "__import__('os')", "op": "=", "value": 1},
    ],
)
def test_malformed_or_mistyped_conditions_are_refused(condition: Any) -> None:
    assert condition_problems(condition, FIELD_TYPES)


def test_nesting_is_bounded() -> None:
    deep: dict[str, Any] = {"field": "amount", "op": "exists"}
    for _ in range(40):
        deep = {"not": deep}
    assert any("too deep" in p for p in condition_problems(deep, FIELD_TYPES))
