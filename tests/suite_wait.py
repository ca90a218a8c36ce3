"""Waiting on a suite started by `scripts/suite.py run` in a test: poll until a probe answers, failing at
once if the launcher dies."""

from __future__ import annotations

import subprocess
import time
from typing import Any

import httpx


def wait_for(probe: Any, what: str, proc: subprocess.Popen[bytes], timeout: float = 180) -> Any:
    """The probe's first truthy answer; 180 s because four migrations on a loaded machine ran past 60 s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the suite exited early with {proc.returncode}"
        try:
            found = probe()
        except httpx.HTTPError:
            found = None
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
