"""Orders workers: the delivery loop that opens approval requests and forwards orders to providers.

Due rows are leased with FOR UPDATE SKIP LOCKED (any number of replicas share them), sent, and their
outcome recorded: delivered, retried with exponential backoff, or parked as dead after the bound (an
admin resends it). A provider's copy is signed with that provider's secret, both as
`X-Sealflow-Signature` and as Standard Webhooks headers.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import random
import time
from datetime import timedelta
from typing import Any

import httpx

from sealflow_orders.config import OrdersSettings
from sealflow_orders.repository import catalog as catalog_repo
from sealflow_orders.repository import orders as repo
from sealflow_orders.service.context import Context
from sealflow_orders.service.events import delivery_outcome
from sealflow_orders.timers import reminder_timer
from sealkit.app import Runtime, Worker, periodic
from sealkit.auth import service_token
from sealkit.jsonutil import loads
from sealkit.signing import HEADER, sign
from sealkit.sql import AnyRow
from sealkit.types import utcnow

log = logging.getLogger("sealflow_orders.workers")
LEASE = timedelta(seconds=60)
MAX_BACKOFF_SECONDS = 300.0
# answers from our own approval service that no retry would change (the request itself is wrong); a
# third party is retried whatever it answers, until the bound, as the contract promises
PERMANENT = frozenset({400, 401, 403, 404, 405, 410, 413, 422})
PEER_KINDS = frozenset({"approval", "withdraw"})


def standard_webhook_headers(message_id: str, body: bytes, secret: str, at: int) -> dict[str, str]:
    """Standard Webhooks: `v1,` + base64 HMAC-SHA256 of "{id}.{timestamp}.{body}" with the secret's bytes."""
    signed = f"{message_id}.{at}.".encode() + body
    digest = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()
    return {"webhook-id": message_id, "webhook-timestamp": str(at), "webhook-signature": f"v1,{digest}"}


async def _headers(conn: Any, runtime: Runtime, row: AnyRow) -> dict[str, str]:
    body = row.body.encode()
    headers = {"Content-Type": "application/json"}
    settings = runtime.settings
    if row.kind in ("approval", "withdraw"):
        token = service_token("orders", secret=settings.jwt_secret, configured=settings.service_token)
        headers["Authorization"] = f"Bearer {token}"
        if row.kind == "approval":
            headers["Idempotency-Key"] = f"order:{row.order_id}"
        return headers
    order = await repo.get_order(conn, row.order_id)
    item = await catalog_repo.get_item(conn, order.item_id) if order is not None else None
    secret = (item.provider_secret if item is not None else None) or ""
    headers[HEADER] = sign(body, secret)
    headers.update(standard_webhook_headers(str(row.id), body, secret, int(time.time())))
    return headers


async def _send(
    runtime: Runtime, row: AnyRow, headers: dict[str, str], seconds: float
) -> tuple[str | None, int | None, Any]:
    # a provider's URL was given through the API: it goes through the outbound (anti-SSRF) policy
    client = (runtime.outbound_http or runtime.http) if row.kind == "provider" else runtime.http
    try:
        response = await client.post(row.url, content=row.body.encode(), headers=headers, timeout=seconds)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:1000], None, None
    if response.is_success:
        try:
            answer = loads(response.content) if response.content.strip() else None
        except ValueError:
            answer = None
        return None, response.status_code, answer if isinstance(answer, dict) else None
    return f"HTTP {response.status_code}: {response.text[:500]}", response.status_code, None


async def deliver_round(runtime: Runtime, *, limit: int = 50) -> int:
    settings = runtime.settings_as(OrdersSettings)
    now = utcnow()
    ctx = Context.of(runtime)
    async with runtime.db.transaction() as conn:
        due = await repo.lease_deliveries(conn, now=now, lease_until=now + LEASE, limit=limit)
        headers = [await _headers(conn, runtime, row) for row in due]
    if not due:
        return 0
    results = await asyncio.gather(
        *(
            _send(runtime, row, h, settings.outbox_timeout_seconds)
            for row, h in zip(due, headers, strict=True)
        )
    )
    async with runtime.db.transaction() as conn:
        for row, (error, status_code, answer) in zip(due, results, strict=True):
            attempts = row.attempts + 1
            at = utcnow()
            if error is None:
                values: dict[str, Any] = {"status": "delivered", "attempts": attempts, "delivered_at": at,
                                          "last_error": None}  # fmt: skip
            elif attempts >= settings.outbox_max_attempts or (
                row.kind in PEER_KINDS and status_code in PERMANENT
            ):
                log.warning("delivery %s parked as dead after %d attempts: %s", row.id, attempts, error)
                values = {"status": "dead", "attempts": attempts, "last_error": error}
            else:
                delay = min(settings.outbox_backoff_seconds * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
                delay *= random.uniform(0.8, 1.2)
                values = {
                    "attempts": attempts,
                    "last_error": error,
                    "next_attempt_at": at + timedelta(seconds=delay),
                }
            await repo.update_delivery(conn, row.id, values)
            if values.get("status") in ("delivered", "dead"):
                await delivery_outcome(conn, ctx, row, delivered=error is None, answer=answer, error=error)
    return len(due)


async def deliveries(runtime: Runtime) -> None:
    settings = runtime.settings_as(OrdersSettings)
    batch = settings.timer_batch

    async def step() -> int:
        return int(await deliver_round(runtime, limit=batch) >= batch)

    await periodic("deliveries", settings.timer_interval_seconds, step)


WORKERS: list[Worker] = [deliveries, reminder_timer]
