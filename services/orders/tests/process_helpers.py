"""Builders for the cross-channel process tests: an item with web and phone processes and a mapping."""

from __future__ import annotations

from typing import Any

import httpx

from sealkit.testing import auth

from .helpers import ADMIN, make_item
from .seed import Seeded

WEB = [
    ("identity", "Identity"),
    ("form", "Application form"),
    ("materials", "Materials"),
    ("sign", "Signature"),
]
PHONE = [("caller", "Caller checks"), ("details", "Details"), ("confirm", "Confirmation")]
# N:1 (form + materials → details) and 1:1
PAIRS = [["identity", "caller"], ["form", "details"], ["materials", "details"], ["sign", "confirm"]]
STRANGER = auth("someone-else", "enterprise")


def nodes(spec: list[tuple[str, str]]) -> dict[str, Any]:
    return {"nodes": [{"key": k, "name": n} for k, n in spec]}


async def put_channel(
    client: httpx.AsyncClient, item: str, channel: str, spec: list[tuple[str, str]]
) -> httpx.Response:
    return await client.put(f"/v1/catalog/items/{item}/processes/{channel}", json=nodes(spec), headers=ADMIN)


async def put_mapping(
    client: httpx.AsyncClient, item: str, a: str, b: str, pairs: list[list[str]]
) -> httpx.Response:
    body = {"from_channel": a, "to_channel": b, "pairs": pairs}
    return await client.put(f"/v1/catalog/items/{item}/process-mappings", json=body, headers=ADMIN)


async def configured_item(client: httpx.AsyncClient) -> str:
    item = str((await make_item(client))["id"])
    assert (await put_channel(client, item, "web", WEB)).status_code == 200
    assert (await put_channel(client, item, "phone", PHONE)).status_code == 200
    assert (await put_mapping(client, item, "web", "phone", PAIRS)).status_code == 200
    return item


async def process(
    client: httpx.AsyncClient, order: Seeded, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.get(f"/v1/orders/{order.order_id}/process", headers=headers or order.applicant_auth)


async def complete(
    client: httpx.AsyncClient, order: Seeded, node: str, channel: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.post(
        f"/v1/orders/{order.order_id}/nodes/{node}/complete",
        json={"channel": channel},
        headers=headers or order.applicant_auth,
    )


async def handoff(
    client: httpx.AsyncClient, order: Seeded, to: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.post(
        f"/v1/orders/{order.order_id}/handoff",
        json={"to_channel": to},
        headers=headers or order.applicant_auth,
    )


def view(response: httpx.Response) -> tuple[str, list[str], list[str], str | None]:
    assert response.status_code == 200, response.text
    body = response.json()
    return body["channel"], body["completed"], body["remaining"], body["next_node"]
