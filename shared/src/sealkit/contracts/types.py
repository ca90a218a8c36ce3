"""Field types every schema and contract uses for what a client or a peer may send.

One definition per kind of value, so a producer and its consumer refuse exactly the same inputs: a
form the approval service accepts is one the mail bridge can render. Each check raises `ValueError`,
which Pydantic turns into a 422 naming the field (and, for free-form JSON, the path inside it).
NUL bytes in plain strings are refused app-wide (`sealkit.input_guard`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from math import isfinite
from typing import Annotated, Any

import orjson
from pydantic import AfterValidator, Field

# Free-form JSON (`form`, `data`): deep enough for any real form, far below the 254 levels at which
# orjson (our encoder, also for jsonb) refuses, and small enough to render in a mail or a list.
MAX_JSON_DEPTH = 32
MAX_JSON_BYTES = 64 * 1024
# jsonb stores any number, but orjson encodes only 64-bit integers, and JavaScript clients lose the rest.
MIN_JSON_INT = -(2**63)
MAX_JSON_INT = 2**63 - 1
# Datetimes far enough from the ends of Python's range that adding an SLA or a deadline cannot overflow.
MIN_DATETIME = datetime(1900, 1, 1, tzinfo=UTC)
MAX_DATETIME = datetime(9000, 1, 1, tzinfo=UTC)


def has_nul(text: str) -> bool:
    return "\x00" in text


def _path(parts: list[str | int]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".") or "(top)"


def json_problem(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """What makes `value` unfit to store and render, with where it is; None when it is fine.

    Iterative, so a hostile nesting depth cannot exhaust the stack of the check itself.
    """
    stack: list[tuple[Any, list[str | int], int]] = [(value, [], 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, dict | list) and depth > max_depth:
            return f"{_path(path)}: nested deeper than {max_depth} levels"
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str) or has_nul(key):
                    return f"{_path(path)}: a key contains a NUL byte"
                stack.append((child, [*path, key], depth + 1))
        elif isinstance(item, list):
            stack.extend((child, [*path, i], depth + 1) for i, child in enumerate(item))
        elif isinstance(item, str):
            if has_nul(item):
                return f"{_path(path)}: contains a NUL byte"
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not MIN_JSON_INT <= item <= MAX_JSON_INT:
                return f"{_path(path)}: integer outside the 64-bit range"
        elif isinstance(item, float):
            if not isfinite(item):
                return f"{_path(path)}: NaN and infinite numbers are not JSON"
        else:
            return f"{_path(path)}: {type(item).__name__} is not a JSON value"
    return None


def _check_free_json(value: dict[str, Any]) -> dict[str, Any]:
    problem = json_problem(value)
    if problem:
        raise ValueError(problem)
    if len(orjson.dumps(value)) > MAX_JSON_BYTES:
        raise ValueError(f"larger than {MAX_JSON_BYTES} bytes as JSON")
    return value


def _check_optional_free_json(value: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else _check_free_json(value)


def check_datetime(value: datetime) -> datetime:
    """Aware and within range, as UTC; `ValueError` otherwise (a 422 naming the field)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("needs a time zone (RFC 3339, e.g. 2026-12-01T09:00:00Z)")
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59:59-14:00 is past year 9999 in UTC
        raise ValueError("out of range") from None
    if not MIN_DATETIME <= in_utc <= MAX_DATETIME:
        raise ValueError(f"out of range ({MIN_DATETIME:%Y} to {MAX_DATETIME:%Y})")
    return in_utc


FreeJSON = Annotated[
    dict[str, Any],
    AfterValidator(_check_free_json),
    Field(description=f"any JSON object, at most {MAX_JSON_DEPTH} levels deep and {MAX_JSON_BYTES} bytes"),
]
OptionalFreeJSON = Annotated[dict[str, Any] | None, AfterValidator(_check_optional_free_json)]
# Aware (a naive datetime is ambiguous: 422), within range, normalised to UTC.
UtcDateTime = Annotated[datetime, AfterValidator(check_datetime)]
