"""`make run`'s launcher on a machine with nothing but the repo: SQLite, every built service, wired."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sealkit.testing import REPO_ROOT, auth, unique

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import suite


def wait_ready(urls: list[str], proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    pending = set(urls)
    while pending and time.monotonic() < deadline:
        assert proc.poll() is None, f"the suite exited early with {proc.returncode}"
        for url in list(pending):
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    pending.discard(url)
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    assert not pending, f"not ready: {pending}"


def assert_http_layer_errors_are_problems(url: str) -> None:
    """A request uvicorn refuses before the app sees it (a NUL in a header) is problem+json too: the
    launcher serves with the kit's protocol."""
    with socket.create_connection((httpx.URL(url).host, httpx.URL(url).port or 80), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: suite\r\nX-Bad: a\x00b\r\n\r\n")
        raw = b"".join(iter(lambda: sock.recv(4096), b""))
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), raw
    assert b"content-type: application/problem+json" in head.lower(), raw
    assert json.loads(body)["status"] == 400


def test_the_suite_starts_on_sqlite_answers_and_stops_cleanly(tmp_path: Path) -> None:
    offset = suite.free_offset()  # away from the real ports, so a running `make run` is left alone
    services = [s for s in suite.shifted(offset) if s.exists()]
    assert any(s.name == "approval" for s in services)
    env = {k: v for k, v in os.environ.items() if k != "SEALFLOW_DATABASE_URL"}
    env["SEALFLOW_SQLITE_DIR"] = str(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "scripts/suite.py", "run", "--port-offset", str(offset)], cwd=REPO_ROOT, env=env
    )
    try:
        wait_ready([s.url for s in services], proc)
        approval = next(s.url for s in services if s.name == "approval")
        applicant, approver = unique("alice"), unique("bob")
        body = {"title": "Smoke", "groups": [{"name": "g", "mode": "all", "approvers": [{"id": approver}]}]}
        created = httpx.post(
            f"{approval}/v1/approval-requests", json=body, headers=auth(applicant), timeout=10
        )
        assert created.status_code == 201, created.text
        task = created.json()["groups"][0]["tasks"][0]["id"]
        decided = httpx.post(
            f"{approval}/v1/tasks/{task}/decision",
            json={"decision": "approve"},
            headers=auth(approver),
            timeout=10,
        )
        assert decided.json()["request_status"] == "approved"
        assert httpx.get(f"{approval}/docs", timeout=5).status_code == 200
        assert (tmp_path / "approval.db").exists()
        assert_http_layer_errors_are_problems(approval)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    assert code == 0
