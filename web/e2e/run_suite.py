"""`make test-web`: the whole suite on fresh PostgreSQL databases, then Playwright against it.

Starts `scripts/suite.py run` (services, migrations, the built console) at a free port offset with
SEALFLOW_DATABASE_URL pointing at new databases, runs `npx playwright test` with the URLs in the
environment, stops the suite and drops the databases. Exits with Playwright's status.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid

import httpx
from sqlalchemy.engine import make_url

from sealkit.testing import REPO_ROOT, drop_suite_databases, postgres_base_url

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import suite
import web_console

WEB = REPO_ROOT / "web"


def wait_ready(urls: list[str], proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    """Every URL answers 200 (the first run builds the console, which takes a while on a busy machine)."""
    deadline = time.monotonic() + timeout
    pending = set(urls)
    while pending and time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the suite exited early with {proc.returncode}")
        for url in list(pending):
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    pending.discard(url)
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    if pending:
        raise SystemExit(f"not ready after {timeout}s: {sorted(pending)}")


def main() -> int:
    web_console.build()  # before the clock starts: npm ci and the build on a fresh machine
    offset = suite.free_offset()
    services = {s.name: s for s in suite.shifted(offset) if s.exists()}
    base = make_url(postgres_base_url()).set(database=f"sfweb_{uuid.uuid4().hex[:12]}")
    base_url = base.render_as_string(hide_password=False)
    console = f"http://127.0.0.1:{web_console.WEB_PORT + offset}"
    env = {**os.environ, "SEALFLOW_DATABASE_URL": base_url, "SEALFLOW_ENV": "development"}
    env.pop("SEALFLOW_CORS_ORIGINS", None)  # the launcher sets the console's shifted origin
    proc = subprocess.Popen(
        [sys.executable, "scripts/suite.py", "run", "--port-offset", str(offset)], cwd=REPO_ROOT, env=env
    )
    try:
        wait_ready([*(f"{s.url}/readyz" for s in services.values()), f"{console}/config.json"], proc)
        test_env = {
            **os.environ,
            "SEALFLOW_WEB_URL": console,
            "SEALFLOW_APPROVAL_URL": services["approval"].url,
            "SEALFLOW_TICKETING_URL": services["ticketing"].url,
        }
        if "orders" in services:  # the enterprise tests run once the suite has the orders service
            test_env["SEALFLOW_ORDERS_URL"] = services["orders"].url
        playwright = str(WEB / "node_modules" / ".bin" / "playwright")
        return subprocess.run(
            [playwright, "test", *sys.argv[1:]], cwd=WEB, env=test_env, check=False
        ).returncode
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        asyncio.run(drop_suite_databases(base_url, *services))


if __name__ == "__main__":
    sys.exit(main())
