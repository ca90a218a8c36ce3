"""The suite in containers: `docker compose up` of the images deploy/Dockerfile built, a journey over
HTTP, one service container restarted in the middle, and nothing lost.

`make test-deploy` runs this file after it has installed Docker, built the stand-in base images and
every service image (deploy/test-deploy.sh); it is not part of `make test`. The compose project has a
name of its own and free ports on 127.0.0.1, and is torn down (volumes too) whether the tests pass
or not. Only services whose directory exists under services/ are started, so the test follows the
suite as it grows.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sealkit.auth import mint_token

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "deploy" / "docker-compose.yml"
DOCKER = os.environ.get("DOCKER", "docker")
COMPOSE = os.environ.get("COMPOSE", "docker-compose").split()
HEALTH_TIMEOUT = float(os.environ.get("SEALFLOW_DEPLOY_HEALTH_TIMEOUT", "180"))


def present_services() -> list[str]:
    """Service folders with an app and migrations: what the images are built for and compose starts."""
    return sorted(
        d.name
        for d in (ROOT / "services").iterdir()
        if (d / "migrations" / "env.py").exists() and any((d / "src").glob("*/main.py"))
    )


def free_port() -> int:
    """A port on 127.0.0.1 that is free now, below the ephemeral range (like scripts/suite.py)."""
    rng = secrets.SystemRandom()
    for _ in range(200):
        port = rng.randrange(20000, 30000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


@dataclass
class Suite:
    project: str
    env: dict[str, str]
    services: list[str]
    urls: dict[str, str]
    jwt_secret: str

    def compose(
        self, *args: str, check: bool = True, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*COMPOSE, "-p", self.project, "-f", str(COMPOSE_FILE), *args],
            env=self.env,
            cwd=ROOT,
            check=check,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def auth(self, sub: str, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(sub, roles, secret=self.jwt_secret, ttl_seconds=900)}"}

    def container(self, service: str) -> str:
        return self.compose("ps", "-q", service).stdout.strip()

    def health(self, service: str) -> str:
        container = self.container(service)
        if not container:
            return "absent"
        out = subprocess.run(
            [DOCKER, "inspect", "--format", "{{json .State}}", container],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        state = json.loads(out)
        return str(state.get("Health", {}).get("Status") or state.get("Status"))

    def wait_healthy(self, *services: str) -> None:
        """Docker's own health check (the image's HEALTHCHECK on /healthz), then /readyz over HTTP."""
        deadline = time.monotonic() + HEALTH_TIMEOUT
        pending = set(services or self.services)
        while pending and time.monotonic() < deadline:
            for service in list(pending):
                if self.health(service) == "healthy" and self.ready(service):
                    pending.discard(service)
            time.sleep(1)
        assert not pending, f"not healthy after {HEALTH_TIMEOUT:.0f} s: {sorted(pending)}\n{self.logs()}"

    def ready(self, service: str) -> bool:
        try:
            return httpx.get(f"{self.urls[service]}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def logs(self) -> str:
        return self.compose("logs", "--no-color", "--tail", "40", check=False).stdout[-8000:]


def eventually(probe: Callable[[], Any], what: str, timeout: float = 90) -> Any:
    """Poll `probe` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s")


@pytest.fixture(scope="module")
def suite() -> Iterator[Suite]:
    services = present_services()
    assert {"approval", "ticketing", "mail-bridge"} <= set(services)
    ports = {s: free_port() for s in services}
    jwt_secret = secrets.token_urlsafe(48)
    env = {
        **os.environ,
        "SEALFLOW_JWT_SECRET": jwt_secret,
        "SEALFLOW_EVENT_SECRET": secrets.token_urlsafe(48),
        "SEALFLOW_POSTGRES_PASSWORD": secrets.token_urlsafe(16),
        "SEALFLOW_PUBLISH_HOST": "127.0.0.1",
        "SEALFLOW_WORKERS": "1",
        # delivery retries double from 0.5 s; 12 attempts outlast any restart here, so the event waits
        "SEALFLOW_OUTBOX_BACKOFF_SECONDS": "0.5",
        "SEALFLOW_OUTBOX_MAX_ATTEMPTS": "12",
        "SEALFLOW_INSTALL": os.environ.get("SEALFLOW_INSTALL", "wheelhouse"),
        **{f"SEALFLOW_{s.upper().replace('-', '_')}_PORT": str(p) for s, p in ports.items()},
    }
    if "orders" not in services:  # no receiver for its events in this tree: leave it out of the wiring
        mail = "http://mail-bridge:8000/v1/events"
        env["SEALFLOW_APPROVAL_SUBSCRIBERS"] = f"approval.task.created={mail},approval.task.reminder={mail}"
        env["SEALFLOW_TICKETING_SUBSCRIBERS"] = ""
    suite = Suite(
        project=os.environ.get("SEALFLOW_DEPLOY_PROJECT", f"sfdeploy{uuid.uuid4().hex[:8]}"),
        env=env,
        services=services,
        urls={s: f"http://127.0.0.1:{p}" for s, p in ports.items()},
        jwt_secret=jwt_secret,
    )
    try:
        # --no-build: the images were built by deploy/test-deploy.sh (compose would otherwise pull or build)
        suite.compose("up", "-d", "--no-build", *services)
        suite.wait_healthy()
        yield suite
    finally:
        log = ROOT / "var" / "deploy" / f"{suite.project}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(suite.compose("logs", "--no-color", check=False).stdout)
        suite.compose("down", "-v", "--remove-orphans", "-t", "10", check=False)
        print(f"compose logs: {log}")


def test_the_compose_file_is_valid_and_names_every_service() -> None:
    env = {**os.environ, "SEALFLOW_JWT_SECRET": "x" * 32, "SEALFLOW_EVENT_SECRET": "y" * 32}
    out = subprocess.run(
        [*COMPOSE, "-f", str(COMPOSE_FILE), "config", "--services"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for service in present_services():
        assert service in out and f"{service}-migrate" in out
    assert "postgres" in out
    missing_secret = subprocess.run(
        [*COMPOSE, "-f", str(COMPOSE_FILE), "config", "-q"],
        env={k: v for k, v in env.items() if k != "SEALFLOW_JWT_SECRET"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing_secret.returncode != 0, "compose must refuse to run without a JWT secret"


def test_migrations_ran_once_each_and_postgres_is_not_published(suite: Suite) -> None:
    for service in suite.services:
        ps = suite.compose("ps", "-a", f"{service}-migrate").stdout
        assert "Exit 0" in ps, ps
    assert not suite.compose("port", "postgres", "5432", check=False).stdout.strip()


def test_approval_journey_survives_a_restart_with_its_outbox(suite: Suite) -> None:
    """An event written to approval's outbox while its receiver is down is still delivered after
    approval itself restarted, and the request decided after the restart is the one created before."""
    approval, bridge = suite.urls["approval"], suite.urls["mail-bridge"]
    applicant, approver = f"alice-{uuid.uuid4().hex[:6]}", f"bob-{uuid.uuid4().hex[:6]}"
    suite.compose("stop", "-t", "10", "mail-bridge")
    body = {
        "title": "New laptop",
        "form": {"cost": 1200},
        "combine": "all",
        "groups": [
            {
                "name": "managers",
                "mode": "any",
                "approvers": [{"id": approver, "email": f"{approver}@example.com", "email_approval": True}],
            }
        ],
    }
    created = httpx.post(
        f"{approval}/v1/approval-requests", json=body, headers=suite.auth(applicant), timeout=30
    )
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    task_id = created.json()["groups"][0]["tasks"][0]["id"]

    suite.compose("restart", "-t", "10", "approval")  # the outbox row must outlive the process
    suite.wait_healthy("approval")
    suite.compose("start", "mail-bridge")
    suite.wait_healthy("mail-bridge")

    admin = suite.auth("ops", "admin")

    def mail_for_task() -> list[dict[str, Any]]:
        page = httpx.get(f"{bridge}/v1/mail/outbound", params={"task_id": task_id}, headers=admin, timeout=10)
        assert page.status_code == 200, page.text
        items: list[dict[str, Any]] = page.json()["items"]
        return items

    mails = eventually(mail_for_task, "the approval.task.created mail from before the restart")
    assert len(mails) == 1 and mails[0]["to_address"] == f"{approver}@example.com"

    inbox = httpx.get(
        f"{approval}/v1/tasks", params={"status": "pending"}, headers=suite.auth(approver), timeout=10
    )
    assert [t["id"] for t in inbox.json()["items"]] == [task_id]
    decided = httpx.post(
        f"{approval}/v1/tasks/{task_id}/decision",
        json={"decision": "approve", "comment": "ok", "channel": "web"},
        headers=suite.auth(approver),
        timeout=30,
    )
    assert decided.status_code == 200, decided.text
    final = httpx.get(
        f"{approval}/v1/approval-requests/{request_id}", headers=suite.auth(applicant), timeout=10
    )
    assert final.json()["status"] == "approved"
    dead = httpx.get(f"{approval}/v1/outbox/dead-letters", headers=admin, timeout=10)
    assert dead.status_code == 200 and dead.json()["items"] == [], dead.text


def test_ticket_journey(suite: Suite) -> None:
    ticketing = suite.urls["ticketing"]
    key = f"laptop-{uuid.uuid4().hex[:6]}"
    requester, agent = f"carol-{uuid.uuid4().hex[:6]}", f"dave-{uuid.uuid4().hex[:6]}"
    made = httpx.post(
        f"{ticketing}/v1/ticket-types",
        json={"key": key, "name": "Laptop set-up", "sla_minutes": 240, "default_priority": 50},
        headers=suite.auth("ops", "admin"),
        timeout=30,
    )
    assert made.status_code == 201, made.text
    ticket = httpx.post(
        f"{ticketing}/v1/tickets",
        json={
            "type": key,
            "title": "Set up the new laptop",
            "description": "for alice",
            "data": {"model": "X1"},
            "requester": {"id": requester, "email": f"{requester}@example.com"},
        },
        headers=suite.auth(requester),
        timeout=30,
    )
    assert ticket.status_code == 201, ticket.text
    claimed = httpx.post(
        f"{ticketing}/v1/pool/claim", json={"types": [key]}, headers=suite.auth(agent, "agent"), timeout=30
    )
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["id"] == ticket.json()["id"] and claimed.json()["status"] == "assigned"
    result = httpx.post(
        f"{ticketing}/v1/tickets/{ticket.json()['id']}/result",
        json={"result": "done, handed over"},
        headers=suite.auth(agent, "agent"),
        timeout=30,
    )
    assert result.status_code == 200, result.text
    seen = httpx.get(
        f"{ticketing}/v1/tickets/{ticket.json()['id']}", headers=suite.auth(requester), timeout=10
    )
    assert seen.json()["status"] == "resolved"


def test_orders_catalogue(suite: Suite) -> None:
    if "orders" not in suite.services:
        pytest.skip(reason="services/orders is not in this tree")
    orders = suite.urls["orders"]
    name = f"Company registration {uuid.uuid4().hex[:6]}"
    made = httpx.post(
        f"{orders}/v1/catalog/categories",
        json={"name": name, "description": "registering a company"},
        headers=suite.auth("ops", "admin"),
        timeout=30,
    )
    assert made.status_code == 201, made.text
    listed = httpx.get(f"{orders}/v1/catalog/categories", headers=suite.auth("someone"), timeout=10)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    items = body["items"] if isinstance(body, dict) else body
    assert name in [c["name"] for c in items]
