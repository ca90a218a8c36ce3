"""What the web console needs from every service: CORS for its origins, a dev-only persona token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from sealkit.app import create_service_app
from sealkit.auth import TokenVerifier
from sealkit.settings import DEV_JWT_SECRET, ServiceSettings
from sealkit.testing import asgi_client, started

CONSOLE = "http://127.0.0.1:8000"


def service(tmp_path: Path, **settings: object) -> FastAPI:
    # no table is read here: a file SQLite database is enough for the lifespan to start
    return create_service_app(
        service="webtest",
        title="web test",
        description="",
        settings=ServiceSettings(run_workers=False, **settings),  # type: ignore[arg-type]
        routers=[],
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'web.db'}",
    )


@pytest.fixture
async def dev_app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    async with started(service(tmp_path, env="development")) as app:
        yield app


async def test_a_persona_gets_a_token_in_development(dev_app: FastAPI) -> None:
    async with asgi_client(dev_app) as client:
        answer = await client.post(
            "/v1/dev/token", json={"sub": "bob", "name": "Bob Zhang", "roles": ["approver", "applicant"]}
        )
    assert answer.status_code == 200, answer.text
    principal = TokenVerifier(secret=DEV_JWT_SECRET).verify(answer.json()["token"])
    assert principal.sub == "bob"
    assert principal.name == "Bob Zhang"
    assert principal.roles == {"approver", "applicant"}
    assert answer.json()["expires_in"] > 0


@pytest.mark.parametrize("roles", [["service"], ["approver", "root"]])
async def test_no_persona_holds_the_service_role_or_an_unknown_one(
    dev_app: FastAPI, roles: list[str]
) -> None:
    async with asgi_client(dev_app) as client:
        answer = await client.post("/v1/dev/token", json={"sub": "mallory", "roles": roles})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("env", ["test", "production"])
async def test_outside_development_there_is_no_token_endpoint(tmp_path: Path, env: str) -> None:
    secrets = {"jwt_secret": "j" * 40, "event_secret": "e" * 40} if env == "production" else {}
    async with started(service(tmp_path, env=env, **secrets)) as app, asgi_client(app) as client:
        answer = await client.post("/v1/dev/token", json={"sub": "bob", "roles": ["admin"]})
    assert answer.status_code == 404
    assert "token" not in answer.json()


async def test_the_console_origin_may_call_and_reads_the_problems_too(dev_app: FastAPI) -> None:
    async with asgi_client(dev_app) as client:
        preflight = await client.options(
            "/v1/dev/token",
            headers={
                "Origin": CONSOLE,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
            },
        )
        refused = await client.get("/v1/outbox/dead-letters", headers={"Origin": "http://localhost:8000"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == CONSOLE
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert {"authorization", "content-type", "idempotency-key"} <= {h.strip() for h in allowed.split(",")}
    # a 401 the browser would otherwise hide from the page: its reason reaches the console
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == "http://localhost:8000"


async def test_other_origins_get_no_cors_headers(dev_app: FastAPI) -> None:
    async with asgi_client(dev_app) as client:
        preflight = await client.options(
            "/v1/dev/token",
            headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
        )
        simple = await client.get("/healthz", headers={"Origin": "http://evil.example"})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers


async def test_the_origins_are_one_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEALFLOW_CORS_ORIGINS", "https://console.example.org/, http://127.0.0.1:9100")
    assert ServiceSettings().cors_origin_list() == ["https://console.example.org", "http://127.0.0.1:9100"]
    monkeypatch.setenv("SEALFLOW_CORS_ORIGINS", "")
    async with started(service(tmp_path)) as app, asgi_client(app) as client:
        answer = await client.get("/healthz", headers={"Origin": CONSOLE})
    assert "access-control-allow-origin" not in answer.headers
