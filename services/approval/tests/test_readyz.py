"""Health, readiness and metrics: /readyz follows the database, /healthz only the process."""

from __future__ import annotations

import httpx
from asgi_lifespan import LifespanManager

from sealflow_approval.main import create_app
from sealkit.testing import auth, unique

from .conftest import make_settings
from .helpers import assert_problem


async def test_ready_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}
    assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_not_ready_when_the_database_is_unreachable() -> None:
    app = create_app(
        make_settings(run_workers=False), database_url="postgresql+asyncpg://postgres@127.0.0.1:1/x"
    )
    async with (
        LifespanManager(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://approval",
        ) as client,
    ):
        problem = assert_problem(await client.get("/readyz"), 503)
        assert "database" in problem["detail"]
        assert "127.0.0.1" not in problem["detail"]  # no connection details leak
        assert (await client.get("/healthz")).status_code == 200
        # an API call is a 503 problem too, without internals; a bad token is refused before any database work
        problem = assert_problem(await client.get("/v1/tasks", headers=auth(unique())), 503)
        assert "127.0.0.1" not in problem["detail"]
        assert "Connect" not in problem["detail"]
        assert_problem(await client.get("/v1/tasks", headers={"Authorization": "Bearer nope"}), 401)


async def test_metrics_count_requests(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = [line for line in response.text.splitlines() if line.startswith("sealflow_http_requests_total{")]
    assert any('service="approval"' in line and 'route="/healthz"' in line for line in lines), lines
    assert "sealflow_http_request_seconds_bucket" in response.text


async def test_responses_carry_a_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "trace-me-123"})
    assert response.headers["x-request-id"] == "trace-me-123"
    assert len((await client.get("/healthz")).headers["x-request-id"]) >= 16
