"""Builders for the tests of definitions and requests in stages."""

from __future__ import annotations

from typing import Any

import httpx

from sealkit.testing import auth, unique

ADMIN = auth("admin-ada", "admin")

PURCHASE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "amount": {"type": "number", "minimum": 0},
        "dept": {"type": "string"},
        "items": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["amount"],
}


def group(name: str, *approvers: dict[str, Any], mode: str = "all", **extra: Any) -> dict[str, Any]:
    return {"name": name, "mode": mode, "approvers": list(approvers), **extra}


def stage(name: str, *groups: dict[str, Any], combine: str = "all") -> dict[str, Any]:
    return {"name": name, "combine": combine, "groups": list(groups)}


def definition(*stages: dict[str, Any], key: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "key": key or unique("purchase").lower(),
        "name": "Purchase",
        "form_schema": PURCHASE_SCHEMA,
        "stages": list(stages),
        **extra,
    }


async def define(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/v1/approval-definitions", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def put_role(client: httpx.AsyncClient, role: str, *members: str | dict[str, Any]) -> None:
    body = {"members": [m if isinstance(m, dict) else {"id": m} for m in members]}
    response = await client.put(f"/v1/directory/roles/{role}", json=body, headers=ADMIN)
    assert response.status_code == 200, response.text


async def open_from(
    client: httpx.AsyncClient, applicant: str, key: str, form: dict[str, Any], **extra: Any
) -> httpx.Response:
    body = {"definition": key, "title": "Buy things", "form": form, **extra}
    return await client.post("/v1/approval-requests", json=body, headers=auth(applicant, "applicant"))


def stage_task(request: dict[str, Any], approver: str, stage_index: int | None = None) -> str:
    """The id of `approver`'s task in the given stage (default: the current one)."""
    index = request["current_stage"] if stage_index is None else stage_index
    for g in request["stages"][index]["groups"]:
        for t in g["tasks"]:
            if t["approver_id"] == approver:
                return str(t["id"])
    raise KeyError(approver)
