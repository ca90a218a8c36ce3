"""The embedded SQLite default (`make run`): migrations apply and the main journey works the same."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from sealflow_orders.main import create_app
from sealkit.migrations import upgrade
from sealkit.testing import REPO_ROOT

from .conftest import make_settings
from .helpers import GOOD_FORM, MONITOR, STAFF, apply, make_item, uploaded, verified_member
from .samples import pdf

PLAN = {"key": "plan", "name": "Plan", "required": True, "content_types": ["application/pdf"],
        "max_bytes": 100_000, "min_pages": 2}  # fmt: skip


@pytest.fixture
async def sqlite_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}"
    await asyncio.to_thread(upgrade, REPO_ROOT / "services" / "orders", url)
    app = create_app(make_settings(), database_url=url)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://orders") as client,
    ):
        yield client


async def test_the_journey_on_sqlite(sqlite_client: httpx.AsyncClient) -> None:
    client = sqlite_client
    item = await make_item(client, materials=[PLAN])
    found = await client.get("/v1/catalog/items", params={"q": "贷款"}, headers=STAFF)
    assert [i["id"] for i in found.json()["items"]] == [item["id"]]
    _, user, _ = await verified_member(client)
    short = await uploaded(client, user, pdf(1))
    returned = (await apply(client, user, item["id"], {"amount": 1}, {"plan": short}, lang="zh")).json()
    assert {p["field"] for p in returned["problems"]} == {"form.contact", "materials.plan"}
    plan = await uploaded(client, user, pdf(2))
    url = f"/v1/applications/{returned['id']}"
    accepted = await client.put(url, json={"form": GOOD_FORM, "materials": {"plan": plan}}, headers=user)
    assert accepted.json()["status"] == "accepted", accepted.text
    order_id = accepted.json()["order_id"]
    done = await client.post(
        f"/v1/orders/{order_id}/progress", json={"note": "ok", "status": "completed"}, headers=STAFF
    )
    assert done.status_code == 200, done.text
    assert (
        await client.post(f"/v1/orders/{order_id}/rating", json={"rating": 5}, headers=user)
    ).status_code == 200
    listed = await client.get("/v1/orders", params={"status": "completed"}, headers=user)
    assert [o["id"] for o in listed.json()["items"]] == [order_id]
    stats = await client.get("/v1/stats/orders", headers=MONITOR)
    assert stats.json()["by_status"]["completed"] == 1
    assert 0 <= stats.json()["mean_hours_to_completion"] < 1 and stats.json()["mean_rating"] == 5
