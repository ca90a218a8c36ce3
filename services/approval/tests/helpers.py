"""Builders shared by the approval tests."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from sealkit.testing import auth, unique


def request_body(
    *groups: tuple[str, list[str]] | tuple[str, list[str], int], combine: str = "all", **extra: Any
) -> dict[str, Any]:
    """groups: (mode, approver ids[, min_approvals])."""
    out = []
    for i, g in enumerate(groups):
        mode, approvers = g[0], g[1]
        group: dict[str, Any] = {"name": f"g{i}", "mode": mode, "approvers": [{"id": a} for a in approvers]}
        if len(g) == 3:
            group["min_approvals"] = g[2]
        out.append(group)
    return {"title": "Buy a laptop", "form": {"cost": 1200}, "combine": combine, "groups": out, **extra}


async def open_request(client: httpx.AsyncClient, applicant: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/v1/approval-requests", json=body, headers=auth(applicant, "applicant"))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def task_of(request: dict[str, Any], approver: str, group: int = 0) -> str:
    for task in request["groups"][group]["tasks"]:
        if task["approver_id"] == approver:
            return str(task["id"])
    raise KeyError(approver)


async def decide(
    client: httpx.AsyncClient, task_id: str, approver: str, decision: str = "approve", **extra: Any
) -> httpx.Response:
    return await client.post(
        f"/v1/tasks/{task_id}/decision",
        json={"decision": decision, **extra},
        headers=auth(approver, "approver"),
    )


def people(n: int, prefix: str = "approver") -> list[str]:
    return [unique(prefix) for _ in range(n)]


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with `status`; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json", response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str)
    assert isinstance(body["title"], str)
    assert isinstance(body["detail"], str)
    return body


async def get_request(client: httpx.AsyncClient, request_id: str, user: str, *roles: str) -> dict[str, Any]:
    response = await client.get(f"/v1/approval-requests/{request_id}", headers=auth(user, *roles))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def connect(db_url: str) -> Any:
    """A plain asyncpg connection to the test database, for looking at rows the API does not show."""
    u = make_url(db_url)
    return await asyncpg.connect(host=u.host, port=u.port, user=u.username, database=u.database)
