"""Third-party items: the order forwarded to a real loopback receiver (failing first), signed with the
provider's secret (X-Sealflow-Signature and Standard Webhooks), the provider's signed updates, and a
delivery parked as dead that an admin resends."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx

from sealkit.signing import sign
from sealkit.testing import receiver

from .helpers import (
    ADMIN,
    STAFF,
    apply,
    eventually,
    get_order,
    is_problem,
    item_body,
    make_category,
    make_item,
    make_order,
    uploaded,
    verified_member,
)
from .samples import pdf

SECRET = "provider-secret-0123456789"


def _provider(url: str) -> dict[str, str]:
    return {"kind": "third_party", "name": "Bank of the Park", "url": url, "secret": SECRET}


async def _update(
    client: httpx.AsyncClient, order_id: str, body: dict[str, object], secret: str = SECRET
) -> httpx.Response:
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "X-Sealflow-Signature": sign(raw, secret)}
    return await client.post(f"/v1/orders/{order_id}/provider-updates", content=raw, headers=headers)


async def test_forwarded_signed_retried_and_moved_by_signed_updates(client: httpx.AsyncClient) -> None:
    async with receiver() as provider:
        provider.fail_next = 1  # the first attempt meets a 503; the delivery is retried
        plan = {"key": "plan", "name": "Plan", "required": True, "content_types": ["application/pdf"],
                "max_bytes": 100_000, "min_pages": 1}  # fmt: skip
        item = await make_item(client, provider=_provider(provider.url), materials=[plan])
        _, user, _ = await verified_member(client)
        file_id = await uploaded(client, user, pdf(2))
        accepted = (await apply(client, user, item["id"], materials={"plan": file_id})).json()
        order_id = accepted["order_id"]
        got = (await provider.wait_for(1, timeout=30))[0]
        body = json.loads(got.body)
        assert body["order_id"] == order_id and body["item"]["id"] == item["id"]
        assert (
            body["materials"][0]["file_id"] == file_id
            and body["materials"][0]["content_type"] == "application/pdf"
        )
        assert body["callback_url"].endswith(f"/v1/orders/{order_id}/provider-updates")
        assert got.headers["x-sealflow-signature"] == sign(got.body, SECRET)
        signed = f"{got.headers['webhook-id']}.{got.headers['webhook-timestamp']}.".encode() + got.body
        expected = base64.b64encode(hmac.new(SECRET.encode(), signed, hashlib.sha256).digest()).decode()
        assert got.headers["webhook-signature"] == f"v1,{expected}"

    forged = await _update(client, order_id, {"status": "completed"}, secret="wrong-secret-000000000")
    assert is_problem(forged, 401)
    unsigned = await client.post(f"/v1/orders/{order_id}/provider-updates", json={"status": "completed"})
    assert is_problem(unsigned, 401)
    assert (await get_order(client, order_id))["status"] == "dispatched"
    working = await _update(client, order_id, {"status": "in_progress", "note": "受理"})
    assert working.status_code == 200, working.text
    done = await _update(client, order_id, {"status": "completed", "note": "放款完成"})
    assert done.status_code == 200
    final = await get_order(client, order_id, user)
    assert final["status"] == "completed" and final["result"] == "放款完成"
    assert final["handler_name"] == "Bank of the Park"
    assert is_problem(await _update(client, order_id, {"status": "in_progress"}), 409)
    assert is_problem(await _update(client, order_id, {"status": "lost"}), 422)


async def test_a_refused_forwarding_is_parked_and_an_admin_resends_it(client: httpx.AsyncClient) -> None:
    async with receiver() as provider:
        # a provider that refuses every attempt: retried with backoff up to the bound, then parked
        provider.fail_next, provider.status_when_failing = 10_000, 422
        order = await make_order(client, provider=_provider(provider.url))

        async def dead() -> list[dict[str, object]]:
            listed = await client.get("/v1/deliveries", params={"status": "dead"}, headers=ADMIN)
            return [d for d in listed.json()["items"] if d["order_id"] == order["id"]]

        parked = (await eventually(dead, "the delivery to be parked", timeout=60))[0]
        assert parked["kind"] == "provider" and "HTTP 422" in str(parked["last_error"])
        assert parked["attempts"] == 8  # SEALFLOW_OUTBOX_MAX_ATTEMPTS
        provider.fail_next = 0
        assert is_problem(await client.get("/v1/deliveries", headers=STAFF), 403)
        resend = f"/v1/deliveries/{parked['id']}/resend"
        assert is_problem(await client.post(resend, headers=STAFF), 403)
        assert (await client.post(resend, headers=ADMIN)).status_code == 202
        await provider.wait_for(1, timeout=30)
        assert is_problem(await client.post(resend, headers=ADMIN), 404)
    notes = [p["note"] for p in (await get_order(client, order["id"]))["progress"]]
    assert "forwarded to the provider" in notes and any("could not be reached" in str(n) for n in notes)


async def test_updates_for_internal_or_unknown_orders_are_404(client: httpx.AsyncClient) -> None:
    internal = await make_order(client)
    assert is_problem(await _update(client, internal["id"], {"status": "completed"}), 404)
    assert is_problem(
        await _update(client, "0195e5a0-0000-7000-8000-000000000000", {"status": "completed"}), 404
    )


async def test_a_provider_url_inside_the_network_is_422(client: httpx.AsyncClient) -> None:
    # issue 10, item 2: a provider URL is a caller-given destination like any callback
    category = await make_category(client)
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.8/hook",
        "http://[::1]:8002/v1/events",
    ):
        body = item_body(category, provider=_provider(url))
        response = await client.post("/v1/catalog/items", json=body, headers=ADMIN)
        assert is_problem(response, 422), (url, response.text)
        assert response.json()["errors"][0]["loc"][:3] == ["body", "provider", "third_party"], response.text
