"""Listing everyone's requests (`mine=false`, admin and monitor) on a database of the test's own, cloned
from the migrated template: in the session's shared database other tests' requests would be in the list
too, so only here can the test say the list is exactly everyone's, in order, across pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from sealflow_approval.main import create_app
from sealkit.testing import OwnDatabase, asgi_client, auth, started, unique

from .conftest import make_settings
from .helpers import open_request, request_body


@pytest.fixture
async def alone(own_database: OwnDatabase) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(), database_url=await own_database("approval"))
    async with started(app), asgi_client(app, "http://approval") as client:
        yield client


async def _everyone(client: httpx.AsyncClient, role: str, **params: Any) -> list[str]:
    """Every page of `mine=false`, two at a time, as the request ids in the order they came."""
    ids: list[str] = []
    cursor = None
    while True:
        query = {"mine": "false", "limit": 2, **params, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/v1/approval-requests", params=query, headers=auth(unique(role), role))
        assert response.status_code == 200, response.text
        page = response.json()
        ids += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            return ids
        cursor = page["next_cursor"]


async def test_overseers_list_every_applicants_requests_newest_first(alone: httpx.AsyncClient) -> None:
    client = alone
    alice, bob, approver = unique("alice"), unique("bob"), unique("approver")
    body = request_body(("any", [approver]))
    opened = [
        await open_request(client, alice, body),
        await open_request(client, bob, body),
        await open_request(client, alice, body),
    ]
    withdrawn = await client.post(
        f"/v1/approval-requests/{opened[1]['id']}/withdraw", headers=auth(bob, "applicant")
    )
    assert withdrawn.status_code == 200, withdrawn.text
    newest_first = [r["id"] for r in reversed(opened)]
    assert await _everyone(client, "admin") == newest_first
    assert await _everyone(client, "monitor") == newest_first
    assert await _everyone(client, "admin", status="pending") == [opened[2]["id"], opened[0]["id"]]
    assert await _everyone(client, "monitor", status="withdrawn") == [opened[1]["id"]]
    refused = await client.get(
        "/v1/approval-requests", params={"mine": "false"}, headers=auth(alice, "applicant")
    )
    assert refused.status_code == 403
    hers = await client.get("/v1/approval-requests", headers=auth(alice, "applicant"))
    assert [r["id"] for r in hers.json()["items"]] == [opened[2]["id"], opened[0]["id"]]
