"""The orders app starts on its migrated database and answers the kit's health endpoints."""

from __future__ import annotations

import httpx


async def test_ready_and_problem_json(client: httpx.AsyncClient) -> None:
    assert (await client.get("/readyz")).status_code == 200
    missing = await client.get("/v1/nowhere")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
