"""The whole journey across real processes on PostgreSQL, wired as `make run` wires them: an enterprise
applies, the park approves, an agent claims and resolves the ticket, the order completes and is rated;
and a third-party item is forwarded to a real loopback receiver that fails first and then answers."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from pypdf import PdfWriter
from stdnum.cn import uscc

from sealkit.signing import sign
from sealkit.testing import REPO_ROOT, auth, drop_suite_databases, postgres_base_url, receiver, unique

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import suite

SERVICES = ("approval", "ticketing", "orders", "mail-bridge")
ADMIN = auth("admin-e2e", "admin")
PROVIDER_SECRET = "e2e-provider-secret-0123456789"


def _pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=300, height=300)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _credit_code() -> str:
    body = "91310000" + unique("")[-9:].upper().replace("-", "0")
    body = "".join(c if c in "0123456789ABCDEFGHJKLMNPQRTUWXY" else "0" for c in body)
    return body + str(uscc.calc_check_digit(body))


async def _until(
    probe: Callable[[], Awaitable[Any]], what: str, proc: subprocess.Popen[bytes], timeout: float = 60
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the suite exited early with {proc.returncode}"
        try:
            found = await probe()
        except httpx.HTTPError:
            found = None
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def running() -> AsyncIterator[tuple[dict[str, str], subprocess.Popen[bytes]]]:
    offset = suite.free_offset()
    urls = {s.name: s.url for s in suite.shifted(offset) if s.exists()}
    base = postgres_base_url().rsplit("/", 1)[0] + f"/sfe2e_{unique('')[-10:].replace('-', '')}"
    env = {**os.environ, "SEALFLOW_DATABASE_URL": base, "SEALFLOW_OUTBOX_POLL_SECONDS": "0.2",
           "SEALFLOW_OUTBOX_BACKOFF_SECONDS": "0.2", "ORDERS_TIMER_INTERVAL_SECONDS": "0.2",
           "TICKETING_DISPATCH_ENABLED": "false"}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "scripts/suite.py", "run", "--port-offset", str(offset)], cwd=REPO_ROOT, env=env
    )
    try:
        async with httpx.AsyncClient(timeout=5) as c:
            for url in urls.values():

                async def ready(url: str = url) -> bool:
                    return (await c.get(f"{url}/readyz")).status_code == 200

                await _until(ready, f"{url}/readyz", proc, timeout=120)
        yield urls, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        await drop_suite_databases(base, *SERVICES)


async def _verified_enterprise(orders: httpx.AsyncClient, user: dict[str, str]) -> str:
    certificate = await orders.post(
        "/v1/files", files={"file": ("licence.pdf", _pdf(1), "application/pdf")}, headers=user
    )
    assert certificate.status_code == 201, certificate.text
    body = {
        "name": unique("上海园区科技有限公司"),
        "credit_code": _credit_code(),
        "certificate_file_id": certificate.json()["id"],
    }
    created = await orders.post("/v1/enterprises", json=body, headers=user)
    assert created.status_code == 201, created.text
    enterprise = created.json()["id"]
    verified = await orders.post(
        f"/v1/enterprises/{enterprise}/review", json={"decision": "verify"}, headers=ADMIN
    )
    assert verified.json()["status"] == "verified"
    return str(enterprise)


async def _item(orders: httpx.AsyncClient, **fields: Any) -> str:
    category = await orders.post(
        "/v1/catalog/categories", json={"name": unique("融资服务"), "description": ""}, headers=ADMIN
    )
    body = {
        "name": unique("科技贷"), "category_id": category.json()["id"], "description": "loans",
        "form_schema": {"type": "object", "required": ["amount"], "properties": {"amount": {"type": "integer", "minimum": 1}}},
        "materials": [{"key": "plan", "name": "商业计划书", "required": True, "content_types": ["application/pdf"],
                       "max_bytes": 200_000, "min_pages": 2}],
        **fields,
    }  # fmt: skip
    created = await orders.post("/v1/catalog/items", json=body, headers=ADMIN)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _apply(orders: httpx.AsyncClient, user: dict[str, str], item: str) -> str:
    plan = await orders.post(
        "/v1/files", files={"file": ("plan.pdf", _pdf(2), "application/pdf")}, headers=user
    )
    body = {
        "item_id": item,
        "form": {"amount": 300_000},
        "materials": {"plan": plan.json()["id"]},
        "channel": "web",
    }
    applied = await orders.post(
        "/v1/applications", json=body, headers={**user, "Idempotency-Key": unique("k")}
    )
    assert applied.status_code == 201 and applied.json()["status"] == "accepted", applied.text
    return str(applied.json()["order_id"])


async def test_apply_approve_ticket_resolve_complete_rate_and_a_third_party(
    running: tuple[dict[str, str], subprocess.Popen[bytes]],
) -> None:
    urls, proc = running
    applicant_id, approver, agent = unique("ent"), unique("bob"), unique("agent")
    user = auth(applicant_id, "enterprise")
    desk = unique("loans")
    async with (
        httpx.AsyncClient(base_url=urls["orders"], timeout=10) as orders,
        httpx.AsyncClient(base_url=urls["approval"], timeout=10) as approval,
        httpx.AsyncClient(base_url=urls["ticketing"], timeout=10) as ticketing,
    ):
        kind = {"key": desk, "name": "Loans desk", "sla_minutes": 600, "default_priority": 50}
        assert (await ticketing.post("/v1/ticket-types", json=kind, headers=ADMIN)).status_code == 201
        await _verified_enterprise(orders, user)
        approval_template = {
            "combine": "all",
            "groups": [{"name": "park", "mode": "all", "approvers": [{"id": approver}]}],
        }
        item = await _item(
            orders, provider={"kind": "internal", "ticket_type": desk}, approval=approval_template
        )
        order_id = await _apply(orders, user, item)

        async def order() -> dict[str, Any]:
            found: dict[str, Any] = (await orders.get(f"/v1/orders/{order_id}", headers=user)).json()
            return found

        assert (await order())["status"] == "awaiting_approval"

        async def task() -> str | None:
            inbox = await approval.get(
                "/v1/tasks", params={"status": "pending"}, headers=auth(approver, "approver")
            )
            return next((t["id"] for t in inbox.json()["items"]), None)

        task_id = await _until(task, "the approver's task", proc)
        decided = await approval.post(f"/v1/tasks/{task_id}/decision", json={"decision": "approve", "comment": "同意"},
                                      headers=auth(approver, "approver"))  # fmt: skip
        assert decided.status_code == 200, decided.text

        async def claimed() -> dict[str, Any] | None:
            response = await ticketing.post(
                "/v1/pool/claim", json={"types": [desk]}, headers=auth(agent, "agent")
            )
            return response.json() if response.status_code == 200 else None

        ticket = await _until(claimed, "the order's ticket in the pool", proc)
        assert ticket["data"]["order_id"] == order_id
        resolved = await ticketing.post(
            f"/v1/tickets/{ticket['id']}/result", json={"result": "已放款"}, headers=auth(agent, "agent")
        )
        assert resolved.status_code == 200, resolved.text

        async def completed() -> dict[str, Any] | None:
            current = await order()
            return current if current["status"] == "completed" else None

        done = await _until(completed, "the order to complete", proc)
        assert (
            done["result"] == "已放款" and done["handler_id"] == agent and done["ticket_id"] == ticket["id"]
        )
        assert [p["status"] for p in done["progress"]][:1] == ["awaiting_approval"]
        rated = await orders.post(
            f"/v1/orders/{order_id}/rating", json={"rating": 5, "comment": "很快"}, headers=user
        )
        assert rated.status_code == 200 and rated.json()["rating"]["rating"] == 5

        async with receiver() as provider:
            provider.fail_next = 1
            third = await _item(orders, provider={"kind": "third_party", "name": "Park Bank", "url": provider.url,
                                                  "secret": PROVIDER_SECRET})  # fmt: skip
            forwarded_id = await _apply(orders, user, third)
            got = (await provider.wait_for(1, timeout=60))[0]
            assert json.loads(got.body)["order_id"] == forwarded_id
            assert got.headers["x-sealflow-signature"] == sign(got.body, PROVIDER_SECRET)
        update = json.dumps({"status": "completed", "note": "银行已受理并完成"}).encode()
        answer = await orders.post(
            f"/v1/orders/{forwarded_id}/provider-updates", content=update,
            headers={"Content-Type": "application/json", "X-Sealflow-Signature": sign(update, PROVIDER_SECRET)},
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
        final = (await orders.get(f"/v1/orders/{forwarded_id}", headers=user)).json()
        assert final["status"] == "completed"
        deliveries = (await orders.get("/v1/deliveries", headers=ADMIN)).json()["items"]
        mine = next(d for d in deliveries if d["order_id"] == forwarded_id)
        assert mine["status"] == "delivered" and mine["attempts"] == 2
