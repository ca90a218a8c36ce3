"""Poison input (issue 10, items 4-5): the bridge takes every form approval accepts, and refuses the rest."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from sealkit.contracts.types import MAX_JSON_DEPTH
from sealkit.signing import HEADER, sign
from sealkit.testing import TEST_EVENT_SECRET, ServiceProcess, auth, unique

from .conftest import Bridge
from .helpers import ADMIN, task_created_body, task_mail
from .mailrig import DOMAIN, MailRig

APPROVER = f"approver@{DOMAIN}"


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": "deepest"}
    for _ in range(depth - 1):
        value = {"n": value}
    return value


async def test_a_form_as_deep_as_approval_allows_is_mailed(
    rig: MailRig, bridge: Bridge, approval: ServiceProcess
) -> None:
    approver = unique("approver")
    body = {
        "title": f"Deep form {uuid.uuid4().hex[:6]}",
        "form": nested(MAX_JSON_DEPTH),
        "groups": [
            {
                "name": "g",
                "mode": "all",
                "approvers": [{"id": approver, "email": APPROVER, "email_approval": True}],
            }
        ],
    }
    async with httpx.AsyncClient(base_url=approval.url) as client:
        created = await client.post(
            "/v1/approval-requests", json=body, headers=auth(unique("alice"), "applicant")
        )
        assert created.status_code == 201, created.text
        too_deep = await client.post(
            "/v1/approval-requests",
            json={**body, "form": nested(MAX_JSON_DEPTH + 1)},
            headers=auth(unique("alice"), "applicant"),
        )
        assert too_deep.status_code == 422
    task_id = created.json()["groups"][0]["tasks"][0]["id"]
    mail = await task_mail(rig, APPROVER, task_id)  # delivered, not dead-lettered
    assert task_id in str(mail["X-Sealflow-Task"])


async def _post_raw(bridge_url: str, envelope: dict[str, Any]) -> httpx.Response:
    """A signed event encoded by `json` (orjson, like our producers, cannot even encode a 70-bit int)."""
    event = {"id": str(uuid.uuid4()), "source": "approval", "occurred_at": "2026-01-01T00:00:00Z", **envelope}
    raw = json.dumps(event).encode()
    async with httpx.AsyncClient(base_url=bridge_url) as client:
        return await client.post(
            "/v1/events",
            content=raw,
            headers={"Content-Type": "application/json", HEADER: sign(raw, TEST_EVENT_SECRET)},
        )


def _task(approver_id: str) -> dict[str, Any]:
    return {
        "task_id": str(uuid.uuid4()),
        "request_id": str(uuid.uuid4()),
        "approver_id": approver_id,
        "applicant": unique("alice"),
        "title": "poison",
    }


@pytest.mark.parametrize("poison", ["too deep", "nul in title", "nul in form key", "huge int"])
async def test_a_task_event_the_producer_would_refuse_is_422(bridge: Bridge, poison: str) -> None:
    data = task_created_body(_task(unique("approver")), APPROVER)
    if poison == "too deep":
        data["form"] = nested(MAX_JSON_DEPTH + 1)
    elif poison == "nul in title":
        data["title"] = "x\x00"
    elif poison == "nul in form key":
        data["form"] = {"a\x00": 1}
    else:
        data["form"] = {"n": 2**70}
    response = await _post_raw(bridge.url, {"type": "approval.task.created", "data": data})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    async with httpx.AsyncClient(base_url=bridge.url) as client:
        sent = await client.get("/v1/mail/outbound", params={"task_id": data["task_id"]}, headers=ADMIN)
    assert sent.status_code == 200 and sent.json()["items"] == []


async def test_an_event_with_a_naive_occurred_at_is_422(bridge: Bridge) -> None:
    data = task_created_body(_task(unique("approver")), APPROVER)
    envelope = {"type": "approval.task.created", "occurred_at": "2026-01-01T00:00:00", "data": data}
    assert (await _post_raw(bridge.url, envelope)).status_code == 422


@pytest.mark.parametrize("param", ["to", "kind", "cursor"])
async def test_nul_in_a_filter_is_422_naming_it(bridge: Bridge, param: str) -> None:
    async with httpx.AsyncClient(base_url=bridge.url) as client:
        response = await client.get("/v1/mail/outbound", params={param: "a\x00"}, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["query", param]
