"""Test kit (a pytest plugin): throwaway PostgreSQL databases, tokens, live servers and real receivers.

Loaded from the root conftest.py. Every service's tests use it, so they all look alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI, Request
from sqlalchemy.engine import make_url
from starlette.responses import Response

from sealkit.auth import mint_token
from sealkit.db import Database, ensure_database, server_connection, service_database_url
from sealkit.drift import schema_drift
from sealkit.migrations import upgrade
from sealkit.server import ProblemH11Protocol, uvicorn_command
from sealkit.settings import DEV_EVENT_SECRET, DEV_JWT_SECRET

REPO_ROOT = Path(__file__).resolve().parents[3]
TEST_JWT_SECRET = DEV_JWT_SECRET
TEST_EVENT_SECRET = DEV_EVENT_SECRET


# Settings every service's test app starts with: fast outbox polls and retries, the test environment.
TEST_SETTINGS: dict[str, object] = {
    "env": "test",
    "outbox_poll_seconds": 0.05,
    "outbox_backoff_seconds": 0.05,
    # the test environment is strict like production; the receivers tests start are on loopback
    "outbound_allow": "127.0.0.1",
}


@contextlib.asynccontextmanager
async def started(app: FastAPI) -> AsyncIterator[FastAPI]:
    """The app with its lifespan run (database, HTTP client, outbox dispatcher, workers)."""
    from asgi_lifespan import LifespanManager

    async with LifespanManager(app):
        yield app


@contextlib.asynccontextmanager
async def asgi_client(app: FastAPI, base_url: str = "http://service") -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client that calls the app in-process (no socket): the endpoint tests' client."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as client:
        yield client


def postgres_base_url() -> str:
    return os.environ.get(
        "SEALFLOW_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/sealflow"
    )


def free_port() -> int:
    """A port that can be bound now, chosen below the kernel's ephemeral range (32768+): a port the kernel
    hands out for `bind(0)` may be given to an outgoing connection before our server binds it."""
    rng = random.SystemRandom()
    for _ in range(100):
        port = rng.randrange(28100, 32700)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        fallback: int = s.getsockname()[1]
        return fallback


def token(
    sub: str, *roles: str, email: str | None = None, enterprise_id: str | None = None, ttl_seconds: int = 3600
) -> str:
    return mint_token(
        sub, roles, secret=TEST_JWT_SECRET, email=email, enterprise_id=enterprise_id, ttl_seconds=ttl_seconds
    )


def auth(sub: str, *roles: str, **claims: Any) -> dict[str, str]:
    """Authorization header for a user with `roles`."""
    return {"Authorization": f"Bearer {token(sub, *roles, **claims)}"}


def unique(prefix: str = "u") -> str:
    """A user id or key no other test uses, so tests share a database without seeing each other."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def create_test_database(service: str, *, base_url: str | None = None) -> str:
    """A new, migrated PostgreSQL database for `service`; returns its URL."""
    base = make_url(base_url or postgres_base_url()).set(database=f"sftest_{uuid.uuid4().hex[:12]}")
    url = service_database_url(base.render_as_string(hide_password=False), service)
    await ensure_database(url)
    await asyncio.to_thread(upgrade, REPO_ROOT / "services" / service, url)
    return url


async def create_suite_databases(*services: str) -> str:
    """Migrated databases for several services under one new base; returns the base URL, which is what
    SEALFLOW_DATABASE_URL takes (each service appends `_<service>` to it)."""
    base = make_url(postgres_base_url()).set(database=f"sftest_{uuid.uuid4().hex[:12]}")
    base_url = base.render_as_string(hide_password=False)
    for service in services:
        url = service_database_url(base_url, service)
        await ensure_database(url)
        await asyncio.to_thread(upgrade, REPO_ROOT / "services" / service, url)
    return base_url


async def drop_suite_databases(base_url: str, *services: str) -> None:
    for service in services:
        await drop_database(service_database_url(base_url, service))


@contextlib.asynccontextmanager
async def kit_database(metadata: sa.MetaData) -> AsyncIterator[Database]:
    """A throwaway PostgreSQL database for testing the kit itself, open as a `Database`: it carries a
    migrated service schema (so the kit's own tables, the outbox among them, exist) plus `metadata`'s
    tables, the test's own. Dropped on exit."""
    base = await create_suite_databases("approval")
    database = Database(service_database_url(base, "approval"))
    await database.open()
    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield database
    finally:
        await database.dispose()
        await drop_suite_databases(base, "approval")


async def _on_server(url: str, sql: str) -> None:
    """Run one statement on the server of `url`, from its maintenance database (CREATE/DROP DATABASE)."""
    async with server_connection(url) as conn:
        await conn.execute(sql)


async def drop_database(url: str) -> None:
    await _on_server(url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


class DatabaseTemplates:
    """A migrated template database per service, made on first use; `clone` copies one into a new
    database (`CREATE DATABASE … TEMPLATE`), which costs a file copy instead of a migration run.

    For tests that check behaviour over the whole table (a claim of any type, a dispatch to an agent
    who takes any type, everyone's list): in the session's shared database other tests' rows are there
    too, so such a test could only assert on what it made itself."""

    def __init__(self) -> None:
        self._templates: dict[str, str] = {}
        self._clones: list[str] = []
        self._lock = asyncio.Lock()

    async def template(self, service: str) -> str:
        async with self._lock:
            if service not in self._templates:
                url = await create_test_database(service)
                # nobody may connect to it: a connection would make the next CREATE … TEMPLATE fail
                name = make_url(url).database
                await _on_server(url, f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
                self._templates[service] = url
            return self._templates[service]

    async def clone(self, service: str) -> str:
        """A new database for `service`, migrated to head and empty; dropped by `drop_all`."""
        template = make_url(await self.template(service))
        url = template.set(database=f"sftest_{uuid.uuid4().hex[:12]}_{service.replace('-', '_')}")
        rendered = url.render_as_string(hide_password=False)
        await _on_server(rendered, f'CREATE DATABASE "{url.database}" TEMPLATE "{template.database}"')
        self._clones.append(rendered)
        return rendered

    async def drop(self, url: str) -> None:
        await drop_database(url)
        self._clones.remove(url)

    async def drop_all(self) -> None:
        for url in [*self._clones, *self._templates.values()]:
            await drop_database(url)
        self._clones.clear()
        self._templates.clear()


@contextlib.asynccontextmanager
async def live_server(
    app: Any, *, port: int | None = None, http: type[asyncio.Protocol] = ProblemH11Protocol
) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on loopback inside this event loop (real HTTP, real concurrency)."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            loop="asyncio",
            http=http,
            backlog=4096,
        )
    )
    server.config.setup_event_loop = lambda: None  # type: ignore[method-assign]  # reuse the test's loop
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


@dataclass
class Received:
    headers: Mapping[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP endpoint on loopback that records what it is sent and can fail on purpose."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    fail_next: int = 0
    status_when_failing: int = 503
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"receiver got {len(self.received)} of {count} deliveries in {timeout}s")
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), remaining)
        return self.received


@contextlib.asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()
    app = FastAPI()

    @app.post("/{path:path}")
    async def record(request: Request) -> Response:
        body = await request.body()
        if state.fail_next > 0:
            state.fail_next -= 1
            return Response(b"failing on purpose", status_code=state.status_when_failing)
        state.received.append(Received(headers=dict(request.headers), body=body))
        state.arrived.set()
        return Response(b'{"status":"ok"}', media_type="application/json")

    async with live_server(app) as base:
        state.url = f"{base}/hook"
        yield state


class ServiceProcess:
    """A service as its own uvicorn process (for end-to-end and smoke tests)."""

    def __init__(
        self,
        app_factory: str,
        *,
        port: int | None = None,
        env: Mapping[str, str] | None = None,
        workers: int = 1,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._cmd = uvicorn_command(
            app_factory, host="127.0.0.1", port=self.port, workers=workers, extra=("--log-level", "warning")
        )
        self._env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> ServiceProcess:
        self.proc = subprocess.Popen(self._cmd, env=self._env, cwd=REPO_ROOT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self._cmd} exited with {self.proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self._cmd} did not become ready in {timeout}s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
async def database_templates() -> AsyncIterator[DatabaseTemplates]:
    templates = DatabaseTemplates()
    try:
        yield templates
    finally:
        await templates.drop_all()


OwnDatabase = Callable[[str], Awaitable[str]]


@pytest.fixture
async def own_database(database_templates: DatabaseTemplates) -> AsyncIterator[OwnDatabase]:
    """`await own_database("ticketing")`: the URL of a database only this test uses, migrated and empty
    (cloned from the session's template), dropped when the test ends."""
    made: list[str] = []

    async def make(service: str) -> str:
        url = await database_templates.clone(service)
        made.append(url)
        return url

    yield make
    for url in made:
        await database_templates.drop(url)


async def assert_no_drift(own_database: OwnDatabase, service: str, metadata: sa.MetaData) -> None:
    """The drift check each service runs: its models.py and its Alembic history describe one schema."""
    drift = await schema_drift(await own_database(service), metadata)
    assert drift == [], f"{service}: models.py and the migrations disagree; add a migration for: {drift}"


@pytest.fixture
def event_secret() -> str:
    return TEST_EVENT_SECRET


_ROLE_CHECK = re.compile(r"\.has\(|require_roles\(|\.roles\b")


def assert_role_checks_in_access(package: ModuleType) -> None:
    """The access check each service runs: every role check of its package is in its access.py, the one
    home of its access rules, so a rule added anywhere else fails this test."""
    source = Path(str(package.__file__)).parent
    elsewhere = [
        f"{path.relative_to(source)}:{number}"
        for path in sorted(source.rglob("*.py"))
        if path.name != "access.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if _ROLE_CHECK.search(line)
    ]
    assert elsewhere == [], f"role checks outside {package.__name__}/access.py: {elsewhere}"
