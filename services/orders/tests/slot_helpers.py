"""Builders for the appointment tests: slots on a day no other test uses (numbers count per day)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from .helpers import ADMIN


def fresh_day() -> datetime:
    """Midnight UTC of a random day years ahead, so this test's day counter starts at A-001."""
    return datetime(2031, 1, 1, tzinfo=UTC) + timedelta(days=random.randrange(300_000))


async def make_slot(
    client: httpx.AsyncClient, item: str, start: datetime, capacity: int = 5, minutes: int = 30
) -> dict[str, Any]:
    body = {
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=minutes)).isoformat(),
        "capacity": capacity,
    }
    response = await client.post(f"/v1/catalog/items/{item}/slots", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def book(
    client: httpx.AsyncClient, order_id: object, slot: str, headers: dict[str, str]
) -> httpx.Response:
    return await client.post(f"/v1/orders/{order_id}/appointment", json={"slot_id": slot}, headers=headers)


async def remaining(client: httpx.AsyncClient, item: str, slot: str) -> int:
    listed = await client.get(f"/v1/catalog/items/{item}/slots", headers=ADMIN)
    return int(next(s["remaining"] for s in listed.json()["items"] if s["id"] == slot))
