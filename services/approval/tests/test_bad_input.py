"""Poison input (issue 10, items 4-5): refused with a 422 naming the field, before anything is written."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from sealflow_approval.models import requests as approval_requests
from sealkit.contracts.types import MAX_JSON_BYTES, MAX_JSON_DEPTH
from sealkit.testing import auth, unique

from .helpers import assert_problem, open_request, request_body


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"n": value}
    return value


def _raw(body: dict[str, Any], poison: str) -> bytes:
    """`body` as JSON with the `"POISON"` placeholder replaced by raw JSON text (NaN, 1e400 …)."""
    import json

    return json.dumps(body).replace('"POISON"', poison).encode()


async def _stored_titles(app: FastAPI, title: str) -> int:
    async with app.state.db.transaction() as conn:
        count = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(approval_requests)
            .where(approval_requests.c.title == title)
        )
    return int(count or 0)


def _field_of(problem: dict[str, Any]) -> list[Any]:
    loc: list[Any] = problem["errors"][0]["loc"]
    return loc


@pytest.mark.parametrize(
    ("poison", "why"),
    [
        ("NaN", "NaN"),
        ("Infinity", "NaN"),
        ("-Infinity", "NaN"),
        ("1e400", "NaN"),
        (str(2**64), "64-bit"),
        (str(-(2**63) - 1), "64-bit"),
        ('"a\\u0000b"', "NUL"),
    ],
)
async def test_poison_numbers_and_nul_in_the_form_are_422_naming_it(
    client: httpx.AsyncClient, app: FastAPI, poison: str, why: str
) -> None:
    title = unique("poison")
    body = request_body(("all", [unique("bob")]), title=title)
    body["form"] = {"cost": 1, "deep": {"list": [1, "POISON"]}}
    response = await client.post(
        "/v1/approval-requests",
        content=_raw(body, poison),
        headers={**auth(unique("alice"), "applicant"), "Content-Type": "application/json"},
    )
    problem = assert_problem(response, 422)
    assert _field_of(problem)[:2] == ["body", "form"], problem
    assert why in problem["errors"][0]["msg"], problem
    assert await _stored_titles(app, title) == 0


async def test_a_form_too_deep_or_too_large_is_refused_and_one_at_the_limit_is_kept(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    applicant, approver = unique("alice"), unique("bob")
    for form, what in [(nested(MAX_JSON_DEPTH + 1), "deeper"), ({"x": "a" * MAX_JSON_BYTES}, "bytes")]:
        title = unique("big")
        response = await client.post(
            "/v1/approval-requests",
            json={**request_body(("all", [approver]), title=title), "form": form},
            headers=auth(applicant, "applicant"),
        )
        problem = assert_problem(response, 422)
        assert _field_of(problem)[:2] == ["body", "form"] and what in problem["detail"], problem
        assert await _stored_titles(app, title) == 0
    # the limit itself is fine, stored and read back whole: producer and consumer share this constant
    created = await open_request(
        client, applicant, {**request_body(("all", [approver])), "form": nested(MAX_JSON_DEPTH)}
    )
    got = await client.get(f"/v1/approval-requests/{created['id']}", headers=auth(applicant, "applicant"))
    assert got.status_code == 200 and got.json()["form"] == nested(MAX_JSON_DEPTH)


async def test_a_body_nested_past_the_parser_is_a_problem_not_a_500(client: httpx.AsyncClient) -> None:
    deep = b'{"title": "x", "form": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}"
    response = await client.post(
        "/v1/approval-requests",
        content=deep,
        headers={**auth(unique("alice"), "applicant"), "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 413, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "where",
    ["title", "group name", "approver id", "comment", "query q", "query status", "cursor"],
)
async def test_nul_bytes_anywhere_are_422_naming_the_field(
    client: httpx.AsyncClient, app: FastAPI, where: str
) -> None:
    applicant, approver = unique("alice"), unique("bob")
    body = request_body(("all", [approver]))
    title = unique("nul")
    body["title"] = title
    if where == "title":
        body["title"] = title + "\x00"
    elif where == "group name":
        body["groups"][0]["name"] = "g\x00"
    elif where == "approver id":
        body["groups"][0]["approvers"][0]["id"] = approver + "\x00"
    if where in ("title", "group name", "approver id"):
        response = await client.post("/v1/approval-requests", json=body, headers=auth(applicant, "applicant"))
        problem = assert_problem(response, 422)
        assert problem["errors"][0]["loc"][0] == "body" and "NUL" in problem["errors"][0]["msg"]
        assert await _stored_titles(app, title) == 0
        return
    if where == "comment":
        created = await open_request(client, applicant, body)
        task = created["groups"][0]["tasks"][0]["id"]
        response = await client.post(
            f"/v1/tasks/{task}/decision",
            json={"decision": "approve", "comment": "ok\x00"},
            headers=auth(approver, "approver"),
        )
        problem = assert_problem(response, 422)
        assert problem["errors"][0]["loc"] == ["body", "comment"]
        task_now = await client.get(f"/v1/approval-requests/{created['id']}", headers=auth(applicant))
        assert task_now.json()["status"] == "pending"
        return
    name, value = {
        "query q": ("q", "a\x00"),
        "query status": ("status", "\x00"),
        "cursor": ("cursor", "\x00"),
    }[where]
    response = await client.get("/v1/tasks", params={name: value}, headers=auth(approver, "approver"))
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["query", name]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-01-01T00:00:00"}, "since"),
        ({"until": "2026-01-01T00:00:00"}, "until"),
        ({"since": "9999-12-31T23:59:59-14:00"}, "since"),
        ({"until": "0001-01-01T00:00:00+14:00"}, "until"),
    ],
)
async def test_naive_or_out_of_range_datetimes_in_filters_are_422(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await client.get("/v1/tasks", params=params, headers=auth(unique("bob"), "approver"))
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["query", field], problem


@pytest.mark.parametrize("stamp", ["2026-01-01T00:00:00", "9999-12-31T23:59:59-14:00"])
async def test_naive_or_out_of_range_cursors_are_422(client: httpx.AsyncClient, stamp: str) -> None:
    cursor = base64.urlsafe_b64encode(f"{stamp}|00000000-0000-0000-0000-000000000001".encode()).decode()
    response = await client.get(
        "/v1/tasks", params={"cursor": cursor}, headers=auth(unique("bob"), "approver")
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["query", "cursor"]


@pytest.mark.parametrize("deadline", ["2030-01-01T00:00:00", "9999-12-31T23:59:59-14:00"])
async def test_naive_or_out_of_range_deadlines_are_422(
    client: httpx.AsyncClient, app: FastAPI, deadline: str
) -> None:
    title = unique("deadline")
    body = request_body(("all", [unique("bob")]), title=title, deadline_at=deadline)
    response = await client.post(
        "/v1/approval-requests", json=body, headers=auth(unique("alice"), "applicant")
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"][:2] == ["body", "deadline_at"], problem
    assert await _stored_titles(app, title) == 0
