"""The kit's input types: one definition of what free-form JSON and datetimes may be."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from sealkit.contracts.types import MAX_JSON_BYTES, MAX_JSON_DEPTH, FreeJSON, UtcDateTime, json_problem
from sealkit.input_guard import nul_path
from sealkit.pagination import decode_cursor, encode_cursor
from sealkit.problems import Unprocessable


class Model(BaseModel):
    form: FreeJSON = {}
    at: UtcDateTime | None = None


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"n": value}
    return value


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"a": [1, {"b": float("nan")}]}, "a[1].b: NaN"),
        ({"a": float("inf")}, "a: NaN"),
        ({"a": 2**63}, "a: integer outside the 64-bit range"),
        ({"a": -(2**63) - 1}, "integer outside"),
        ({"a": ["x\x00"]}, "a[0]: contains a NUL"),
        ({"k\x00": 1}, "a key contains a NUL"),
        (nested(MAX_JSON_DEPTH + 1), "deeper than"),
    ],
)
def test_free_json_names_what_is_wrong_and_where(value: dict[str, Any], problem: str) -> None:
    found = json_problem(value)
    assert found is not None and problem in found, found
    with pytest.raises(ValidationError) as caught:
        Model(form=value)
    assert caught.value.errors()[0]["loc"] == ("form",)


def test_free_json_accepts_the_limits_themselves() -> None:
    Model(form=nested(MAX_JSON_DEPTH))
    Model(form={"a": 2**63 - 1, "b": -(2**63), "c": 1.5, "d": None, "e": True})
    with pytest.raises(ValidationError, match="bytes"):
        Model(form={"x": "a" * MAX_JSON_BYTES})


def test_a_hostile_depth_does_not_exhaust_the_checks_stack() -> None:
    assert "deeper" in (json_problem(nested(100_000)) or "")
    assert nul_path({"a": [{"b": "ok"}, {"c": "x\x00"}]}) == ["a", 1, "c"]


@pytest.mark.parametrize(
    "value",
    ["2026-01-01T00:00:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9500-01-01T00:00:00Z"],
)
def test_naive_and_out_of_range_datetimes_are_refused(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Model(at=value)  # type: ignore[arg-type]  # parsed from the wire form, as a request would be
    assert caught.value.errors()[0]["loc"] == ("at",)


def test_datetimes_come_out_in_utc() -> None:
    at = Model(at=datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))).at
    assert at == datetime(2026, 1, 1, tzinfo=UTC) and at is not None and at.tzinfo == UTC


@pytest.mark.parametrize(
    "at", [datetime(2026, 1, 1), datetime(9999, 12, 31, tzinfo=timezone(timedelta(hours=-14)))]
)
def test_cursors_with_naive_or_out_of_range_times_are_422(at: datetime) -> None:
    import uuid

    with pytest.raises(Unprocessable) as caught:
        decode_cursor(encode_cursor(at, uuid.uuid4()))
    assert caught.value.extra["errors"][0]["loc"] == ["query", "cursor"]
