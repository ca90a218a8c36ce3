"""The orders journey of `test_e2e_orders` again, with the suite's own events on NATS JetStream
(approval.request.decided → orders, ticket.requested → ticketing, ticket.resolved → orders), real
processes on PostgreSQL; the third-party provider and the callbacks stay HTTP."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator

import httpx
import nats
import pytest
from nats.js.errors import NotFoundError

from sealkit.testing import REPO_ROOT, drop_suite_databases, postgres_base_url, unique
from tests.test_e2e_orders import SERVICES, _until
from tests.test_e2e_orders import (
    test_apply_approve_ticket_resolve_complete_rate_and_a_third_party as test_the_orders_journey_over_the_broker,
)

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import suite

NATS_URL = "nats://127.0.0.1:4222"
__all__ = ["test_the_orders_journey_over_the_broker"]


@pytest.fixture
async def running() -> AsyncIterator[tuple[dict[str, str], subprocess.Popen[bytes]]]:
    """As `test_e2e_orders.running`, with SEALFLOW_EVENT_BROKER and a stream of this run's own."""
    tag = uuid.uuid4().hex[:10]
    stream = f"E2EO_{tag}"
    offset = suite.free_offset()
    urls = {s.name: s.url for s in suite.shifted(offset) if s.exists()}
    base = postgres_base_url().rsplit("/", 1)[0] + f"/sfe2e_{unique('')[-10:].replace('-', '')}"
    env = {**os.environ, "SEALFLOW_DATABASE_URL": base, "SEALFLOW_OUTBOX_POLL_SECONDS": "0.2",
           "SEALFLOW_OUTBOX_BACKOFF_SECONDS": "0.2", "ORDERS_TIMER_INTERVAL_SECONDS": "0.2",
           "TICKETING_DISPATCH_ENABLED": "false", "SEALFLOW_EVENT_BROKER": NATS_URL,
           "SEALFLOW_EVENT_BROKER_STREAM": stream, "SEALFLOW_EVENT_BROKER_SUBJECT_PREFIX": f"e2eo{tag}"}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "scripts/suite.py", "run", "--port-offset", str(offset)], cwd=REPO_ROOT, env=env
    )
    try:
        async with httpx.AsyncClient(timeout=5) as c:
            for url in urls.values():

                async def ready(url: str = url) -> bool:
                    answer = (await c.get(f"{url}/readyz")).json()
                    return bool(answer.get("broker") == "connected" or url == urls.get("mail-bridge"))

                await _until(ready, f"{url}/readyz with the broker", proc, timeout=120)
        yield urls, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        await drop_suite_databases(base, *SERVICES)
        nc = await nats.connect(NATS_URL)
        js = nc.jetstream()
        carried = set()
        with contextlib.suppress(NotFoundError):
            last = (await js.stream_info(stream)).state.last_seq or 0
            carried = {(await js.get_msg(stream, seq)).subject for seq in range(1, last + 1)}
        for name in (stream, f"{stream}_PARKED"):
            with contextlib.suppress(NotFoundError):
                await js.delete_stream(name)
        await nc.close()
    # the journey's own events went over the broker (checked after the journey, whatever its outcome)
    for event_type in ("approval.request.decided", "ticket.requested", "ticket.resolved"):
        assert f"e2eo{tag}.{event_type}" in carried, sorted(s or "" for s in carried)
