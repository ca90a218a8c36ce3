"""The embedded SQLite default (`make run`): processes, appointments, reminders and the extras work there
too (SQLite serialises writers with BEGIN IMMEDIATE where PostgreSQL takes row locks)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from sealflow_orders.main import create_app
from sealflow_orders.service import reminders
from sealkit.contracts.orders import ORDER_REMINDER
from sealkit.migrations import upgrade
from sealkit.outbox import Outbox
from sealkit.testing import REPO_ROOT, auth

from .conftest import make_settings
from .helpers import make_item
from .process_helpers import configured_item, handoff, view
from .seed import seed_order
from .slot_helpers import book, fresh_day, make_slot, remaining


@pytest.fixture
async def sqlite_app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}"
    await asyncio.to_thread(upgrade, REPO_ROOT / "services" / "orders", url)
    app = create_app(make_settings(run_workers=False), database_url=url)
    async with LifespanManager(app):
        yield app


async def test_processes_appointments_and_extras_on_sqlite(sqlite_app: FastAPI) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sqlite_app), base_url="http://orders"
    ) as client:
        item = await configured_item(client)
        order = await seed_order(sqlite_app, item)
        done = await client.post(
            f"/v1/orders/{order.order_id}/nodes/identity/complete",
            json={"channel": "web"},
            headers=order.applicant_auth,
        )
        assert done.status_code == 200, done.text
        assert view(await handoff(client, order, "phone")) == (
            "phone",
            ["caller"],
            ["details", "confirm"],
            "details",
        )

        start = fresh_day() + timedelta(hours=9)
        slot = (await make_slot(client, item, start, capacity=1))["id"]
        other = await seed_order(sqlite_app, item)
        assert (await book(client, order.order_id, slot, order.applicant_auth)).json()["number"] == "A-001"
        assert (await book(client, other.order_id, slot, other.applicant_auth)).status_code == 409
        assert await remaining(client, item, slot) == 0
        async with sqlite_app.state.db.transaction() as conn:
            box = Outbox([(ORDER_REMINDER, "http://subscriber.test/v1/events")])
            assert await reminders.send_due(conn, box, now=start - timedelta(hours=23), limit=100) == 1
        notes = await client.get("/v1/notifications", headers=order.applicant_auth)
        assert [n["kind"] for n in notes.json()["items"]] == ["reminder.appointment"]

        user = auth("fav-user", "enterprise")
        favorite = (await make_item(client))["id"]
        chosen = await client.put("/v1/catalog/favorites", json={"item_ids": [favorite]}, headers=user)
        assert [i["id"] for i in chosen.json()["items"]] == [favorite]
        rooms = {"items": [{"building": "A", "unit": "101", "area_m2": 50}]}
        path = f"/v1/enterprises/{order.enterprise_id}/premises"
        assert (await client.put(path, json=rooms, headers=order.applicant_auth)).status_code == 200
        taken = await client.put(
            f"/v1/enterprises/{other.enterprise_id}/premises", json=rooms, headers=other.applicant_auth
        )
        assert taken.status_code == 409
        suggestion = {"title": "Canteen", "description": "lunch"}
        assert (
            await client.post("/v1/catalog/suggestions", json=suggestion, headers=user)
        ).status_code == 201
