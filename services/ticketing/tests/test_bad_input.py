"""Poison input (issue 10, items 4-5): refused with a 422 naming the field, before a ticket is written."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from sealkit.contracts.types import MAX_JSON_DEPTH
from sealkit.signing import HEADER, sign
from sealkit.testing import TEST_EVENT_SECRET, auth, unique

from .helpers import ADMIN, SUPERVISOR, claimed, is_problem, make_type, open_ticket


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"n": value}
    return value


async def _tickets_with(client: httpx.AsyncClient, kind: str) -> int:
    listed = await client.get("/v1/tickets", params={"type": kind}, headers=SUPERVISOR)
    assert listed.status_code == 200, listed.text
    return len(listed.json()["items"])


@pytest.mark.parametrize(
    "poison", ["NaN", "Infinity", "1e400", str(2**64), '"\\u0000"', "DEEP"], ids=lambda p: p[:12]
)
async def test_poison_data_is_422_and_never_reaches_the_pool(client: httpx.AsyncClient, poison: str) -> None:
    kind = await make_type(client)
    body = {"type": kind, "title": "poison", "data": {"x": "POISON"}, "priority": 100}
    raw = json.dumps(body)
    if poison == "DEEP":  # the poison ticket of issue 10: 254 levels, stored, then unreadable
        raw = raw.replace('"POISON"', json.dumps(nested(254)))
    else:
        raw = raw.replace('"POISON"', poison)
    response = await client.post(
        "/v1/tickets",
        content=raw.encode(),
        headers={**auth(unique("req"), "applicant"), "Content-Type": "application/json"},
    )
    assert is_problem(response, 422), response.text
    assert response.json()["errors"][0]["loc"][:2] == ["body", "data"]
    assert await _tickets_with(client, kind) == 0
    # the pool still hands out the next ticket: nothing poisoned sits at its head
    ok = await open_ticket(client, kind, data=nested(MAX_JSON_DEPTH))
    got = await claimed(client, unique("agent"), kind)
    assert got["id"] == ok["id"] and got["data"] == nested(MAX_JSON_DEPTH)


@pytest.mark.parametrize("field", ["title", "description", "reference"])
async def test_nul_in_a_ticket_string_is_422_naming_it(client: httpx.AsyncClient, field: str) -> None:
    kind = await make_type(client)
    body = {"type": kind, "title": "t", field: "a\x00b"}
    response = await client.post("/v1/tickets", json=body, headers=auth(unique("req"), "applicant"))
    assert is_problem(response, 422), response.text
    assert response.json()["errors"][0]["loc"] == ["body", field]
    assert await _tickets_with(client, kind) == 0


@pytest.mark.parametrize("param", ["type", "assignee", "requester", "reference", "cursor"])
async def test_nul_in_a_filter_is_422_naming_it(client: httpx.AsyncClient, param: str) -> None:
    response = await client.get("/v1/tickets", params={param: "x\x00"}, headers=SUPERVISOR)
    assert is_problem(response, 422), response.text
    assert response.json()["errors"][0]["loc"] == ["query", param]


async def test_nul_in_a_path_parameter_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/ticket-types/a%00b", headers=ADMIN)
    assert is_problem(response, 422), response.text
    assert response.json()["errors"][0]["loc"] == ["path", "key"]


@pytest.mark.parametrize("poison", ["nul", "deep", "huge"])
async def test_a_requested_ticket_with_poison_data_is_422_and_not_opened(
    client: httpx.AsyncClient, poison: str
) -> None:
    kind = await make_type(client)
    data: dict[str, Any] = {"nul": {"a": "\x00"}, "deep": nested(MAX_JSON_DEPTH + 1), "huge": {"n": 2**70}}
    ticket_id = str(uuid.uuid4())
    event = {
        "id": str(uuid.uuid4()),
        "type": "ticket.requested",
        "source": "orders",
        "occurred_at": "2026-01-01T00:00:00Z",
        "data": {
            "ticket_id": ticket_id,
            "type": kind,
            "title": "x",
            "requester": {"id": "u"},
            "data": data[poison],
        },
    }
    raw = json.dumps(event).encode()
    headers = {HEADER: sign(raw, TEST_EVENT_SECRET), "Content-Type": "application/json"}
    response = await client.post("/v1/events", content=raw, headers=headers)
    assert is_problem(response, 422), response.text
    assert (await client.get(f"/v1/tickets/{ticket_id}", headers=SUPERVISOR)).status_code == 404


async def test_nul_in_an_idempotency_key_is_422(client: httpx.AsyncClient) -> None:
    kind = await make_type(client)
    headers = {**auth(unique("req"), "applicant"), "Idempotency-Key": "k\x00"}
    response = await client.post("/v1/tickets", json={"type": kind, "title": "t"}, headers=headers)
    assert is_problem(response, 422), response.text
    assert response.json()["errors"][0]["loc"] == ["header", "idempotency-key"]
    assert await _tickets_with(client, kind) == 0
