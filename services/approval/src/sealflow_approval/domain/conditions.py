"""Conditions on a request's form, as data (a definition's group `when`): evaluated by a pure function,
never by `eval`, and checked against the form schema when the definition is written.

A condition is one of
- a comparison `{"field": "amount", "op": ">=", "value": 10000}` with `op` in `= != < <= > >= in contains
  exists` (`exists` takes no value); `field` is a property of the form, dotted for nested objects
  (`vendor.country`);
- `{"all": [conditions]}` (true when every one is; true when empty), `{"any": [conditions]}` (true when
  one is; false when empty), `{"not": condition}`.

Evaluation is total: a field the form lacks makes every comparison but `exists` false, and so does a value
of another JSON type than the comparison's (booleans are not numbers; integers and numbers compare). So
`!=` is "present, of the same type, and different", and `not` is how to say "absent or different".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

COMPARISONS: Final = ("=", "!=", "<", "<=", ">", ">=", "in", "contains", "exists")
ORDERED: Final = ("<", "<=", ">", ">=")
MAX_DEPTH: Final = 16  # nesting deeper than this is refused: no definition needs it, and it bounds the walk
MAX_NODES: Final = 200

_MISSING: Final = object()


def json_type(value: Any) -> str:
    """The JSON type of a decoded JSON value ("integer" and "number" are told apart; a bool is never one)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def _kind(json_type_name: str) -> str:
    """Integers and numbers compare with each other; every other type only with itself."""
    return "number" if json_type_name in ("integer", "number") else json_type_name


def _same_kind(a: Any, b: Any) -> bool:
    return _kind(json_type(a)) == _kind(json_type(b))


def _equal(a: Any, b: Any) -> bool:
    if not _same_kind(a, b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def lookup(form: Mapping[str, Any], field: str) -> Any:
    """The form's value at a dotted path, or _MISSING."""
    value: Any = form
    for part in field.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "exists":
        return actual is not _MISSING
    if actual is _MISSING:
        return False
    if op == "=":
        return _equal(actual, expected)
    if op == "!=":
        return _same_kind(actual, expected) and not _equal(actual, expected)
    if op == "in":
        return isinstance(expected, list) and any(_equal(actual, e) for e in expected)
    if op == "contains":
        if isinstance(actual, list):
            return any(_equal(item, expected) for item in actual)
        return isinstance(actual, str) and isinstance(expected, str) and expected in actual
    # ordered comparisons: numbers with numbers, strings with strings
    if not _same_kind(actual, expected) or _kind(json_type(actual)) not in ("number", "string"):
        return False
    if op == "<":
        return bool(actual < expected)
    if op == "<=":
        return bool(actual <= expected)
    if op == ">":
        return bool(actual > expected)
    return bool(actual >= expected)


def evaluate(condition: Mapping[str, Any] | None, form: Mapping[str, Any]) -> bool:
    """Whether the form satisfies the condition (None: no condition, always true). The condition is
    assumed well formed (`condition_problems` found nothing); a malformed node is false, never an error."""
    if condition is None:
        return True
    if "all" in condition:
        return all(evaluate(c, form) for c in condition["all"])
    if "any" in condition:
        return any(evaluate(c, form) for c in condition["any"])
    if "not" in condition:
        return not evaluate(condition["not"], form)
    op, field = condition.get("op"), condition.get("field")
    if op not in COMPARISONS or not isinstance(field, str):
        return False
    return _compare(op, lookup(form, field), condition.get("value"))


# --- checking a condition against the form schema, when a definition is written ---------------------


def schema_fields(form_schema: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Every property the form schema declares, by dotted path, with its subschema."""
    out: dict[str, Mapping[str, Any]] = {}

    def walk(schema: Any, prefix: str, depth: int) -> None:
        properties = schema.get("properties") if isinstance(schema, Mapping) else None
        if not isinstance(properties, Mapping) or depth > MAX_DEPTH:
            return
        for name, sub in properties.items():
            path = f"{prefix}{name}"
            out[path] = sub if isinstance(sub, Mapping) else {}
            walk(sub, f"{path}.", depth + 1)

    walk(form_schema, "", 0)
    return out


def declared_types(subschema: Mapping[str, Any]) -> set[str]:
    """The JSON types a property may take: its `type`, else those of its `const` or `enum` values."""
    declared = subschema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {t for t in declared if isinstance(t, str)}
    if "const" in subschema:
        return {json_type(subschema["const"])}
    if isinstance(subschema.get("enum"), list):
        return {json_type(v) for v in subschema["enum"]}
    return set()


def _fits(value: Any, types: set[str]) -> bool:
    kinds = {_kind(t) for t in types}
    return _kind(json_type(value)) in kinds


def condition_problems(
    condition: Any, fields: Mapping[str, Mapping[str, Any]], where: str = "when"
) -> list[str]:
    """Why a condition is refused (empty: it is fine): malformed, too deep, naming a field the schema
    lacks, or comparing a field with a value of another type."""
    problems: list[str] = []
    nodes = 0

    def check(node: Any, at: str, depth: int) -> None:
        nonlocal nodes
        nodes += 1
        if depth > MAX_DEPTH or nodes > MAX_NODES:
            if not any("too deep" in p for p in problems):
                problems.append(
                    f"{where}: too deep or too large (at most {MAX_DEPTH} levels, {MAX_NODES} nodes)"
                )
            return
        if not isinstance(node, Mapping):
            problems.append(f"{at}: a condition is an object")
            return
        for combinator in ("all", "any"):
            if combinator in node:
                if set(node) != {combinator} or not isinstance(node[combinator], list):
                    problems.append(f"{at}: {combinator!r} takes a list of conditions and nothing beside it")
                    return
                for i, child in enumerate(node[combinator]):
                    check(child, f"{at}.{combinator}[{i}]", depth + 1)
                return
        if "not" in node:
            if set(node) != {"not"}:
                problems.append(f"{at}: 'not' takes one condition and nothing beside it")
                return
            check(node["not"], f"{at}.not", depth + 1)
            return
        problems.extend(_comparison_problems(node, fields, at))

    check(condition, where, 0)
    return problems


def _comparison_problems(
    node: Mapping[str, Any], fields: Mapping[str, Mapping[str, Any]], at: str
) -> list[str]:
    op, field = node.get("op"), node.get("field")
    allowed = {"field", "op"} if op == "exists" else {"field", "op", "value"}
    if op not in COMPARISONS:
        return [f"{at}: op must be one of {' '.join(COMPARISONS)}"]
    if not isinstance(field, str) or not field:
        return [f"{at}: a comparison names a field"]
    if set(node) != allowed:
        return [f"{at}: {op!r} takes exactly {', '.join(sorted(allowed))}"]
    if field not in fields:
        return [f"{at}: the form schema has no field {field!r}"]
    if op == "exists":
        return []
    value, sub = node["value"], fields[field]
    types = declared_types(sub)
    if not types:
        return [f"{at}: field {field!r} declares no type in the form schema, so it cannot be compared"]
    shown = "/".join(sorted(types))
    if op in ("=", "!="):
        return (
            [] if _fits(value, types) else [f"{at}: {field!r} is {shown}, compared with {json_type(value)}"]
        )
    if op in ORDERED:
        if {_kind(t) for t in types} - {"number", "string"} or not _fits(value, types):
            return [
                f"{at}: {op} compares numbers with numbers or strings with strings ({field!r} is {shown})"
            ]
        return []
    if op == "in":
        if not isinstance(value, list):
            return [f"{at}: 'in' takes a list of values"]
        wrong = [json_type(v) for v in value if not _fits(v, types)]
        return [f"{at}: {field!r} is {shown}, listed with {', '.join(wrong)}"] if wrong else []
    # contains: an element of an array field, or a substring of a string field
    if "array" in types:
        items = sub.get("items")
        item_types = declared_types(items) if isinstance(items, Mapping) else set()
        if not item_types:
            return [f"{at}: 'contains' needs the array field {field!r} to declare its items' type"]
        return (
            [] if _fits(value, item_types) else [f"{at}: the items of {field!r} are not {json_type(value)}"]
        )
    if types == {"string"}:
        return [] if isinstance(value, str) else [f"{at}: 'contains' on string {field!r} takes a string"]
    return [f"{at}: 'contains' applies to array or string fields ({field!r} is {shown})"]
