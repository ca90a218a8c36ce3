"""`make run`'s default: the approval service on SQLite, as a real process, answers and decides."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from sealkit.migrations import upgrade
from sealkit.testing import REPO_ROOT, ServiceProcess, auth, unique

from .helpers import request_body, task_of


@pytest.mark.slow
async def test_the_sqlite_default_starts_and_decides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEALFLOW_DATABASE_URL", raising=False)
    url = f"sqlite+aiosqlite:///{tmp_path / 'approval.db'}"
    await asyncio.to_thread(upgrade, REPO_ROOT / "services" / "approval", url)
    process = ServiceProcess("sealflow_approval.main:create_app", env={"SEALFLOW_SQLITE_DIR": str(tmp_path)})
    await asyncio.to_thread(process.start)
    try:
        async with httpx.AsyncClient(base_url=process.url, timeout=10) as client:
            assert (await client.get("/readyz")).status_code == 200
            assert (await client.get("/openapi.json")).json()["info"]["title"] == "Sealflow approval"
            applicant, a, b = unique("alice"), unique("bob"), unique("carol")
            response = await client.post(
                "/v1/approval-requests",
                json=request_body(("all", [a]), ("any", [b])),
                headers=auth(applicant),
            )
            assert response.status_code == 201, response.text
            created = response.json()
            first = await client.post(
                f"/v1/tasks/{task_of(created, a)}/decision", json={"decision": "approve"}, headers=auth(a)
            )
            assert first.json()["request_status"] == "pending"
            second = await client.post(
                f"/v1/tasks/{task_of(created, b, 1)}/decision",
                json={"decision": "approve", "channel": "mobile"},
                headers=auth(b),
            )
            assert second.status_code == 200, second.text
            assert second.json()["request_status"] == "approved"
            fetched = (
                await client.get(f"/v1/approval-requests/{created['id']}", headers=auth(applicant))
            ).json()
            assert fetched["status"] == "approved"
            inbox = (await client.get("/v1/tasks", params={"status": "approved"}, headers=auth(b))).json()
            assert [t["channel"] for t in inbox["items"]] == ["mobile"]
    finally:
        await asyncio.to_thread(process.stop)
    assert (tmp_path / "approval.db").exists()
