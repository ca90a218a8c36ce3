"""Builders shared by the ticketing tests. Every test makes its own ticket type (a unique key) and
claims only from it, so tests share one pool without taking each other's tickets."""

from __future__ import annotations

from typing import Any

import httpx

from sealkit.testing import auth, unique

ADMIN = auth("admin-1", "admin")
SUPERVISOR = auth("super-1", "supervisor")


async def make_type(client: httpx.AsyncClient, **fields: Any) -> str:
    body = {"key": unique("type"), "name": "Fix a leak", "sla_minutes": 60, "default_priority": 50, **fields}
    response = await client.post("/v1/ticket-types", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return str(body["key"])


async def open_ticket(
    client: httpx.AsyncClient, type_key: str, requester: str | None = None, **fields: Any
) -> dict[str, Any]:
    requester = requester or unique("req")
    body = {
        "type": type_key,
        "title": "The tap drips",
        "description": "kitchen",
        "data": {"room": 3},
        **fields,
    }
    response = await client.post("/v1/tickets", json=body, headers=auth(requester, "applicant"))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def claim(client: httpx.AsyncClient, agent: str, *types: str) -> httpx.Response:
    return await client.post("/v1/pool/claim", json={"types": list(types)}, headers=auth(agent, "agent"))


async def claimed(client: httpx.AsyncClient, agent: str, *types: str) -> dict[str, Any]:
    response = await claim(client, agent, *types)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def is_problem(response: httpx.Response, status: int) -> bool:
    return response.status_code == status and response.headers["content-type"] == "application/problem+json"


async def timeline(client: httpx.AsyncClient, ticket_id: str) -> list[str]:
    response = await client.get(f"/v1/tickets/{ticket_id}/timeline", headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    return [entry["action"] for entry in response.json()]
