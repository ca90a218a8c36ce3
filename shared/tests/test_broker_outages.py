"""1,000 events through NATS JetStream while the broker is killed and restarted and a consumer service
is killed with -9, both in the middle: every event is applied exactly once, none is lost, each
aggregate's in order. The broker here is our own `nats-server` (the shared one cannot be restarted)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import nats
import pytest
import sqlalchemy as sa

from sealkit.broker import BROKER_DESTINATION
from sealkit.db import Database
from sealkit.tables import outbox
from sealkit.testing import OwnDatabase, asgi_client, free_port, started

from .broker_app import build
from .broker_helpers import (
    Names,
    applied_rows,
    assert_once_in_order,
    broker_settings,
    count_applied,
    emit,
    interleaved,
    service_database,
    wait_until,
)

pytestmark = pytest.mark.anyio
SHARED_DIR = Path(__file__).resolve().parents[1]  # cwd of the consumer process: `tests` is shared/tests


class OwnNats:
    """A JetStream server of our own on a free port, with a store that outlives a restart."""

    def __init__(self, store: Path) -> None:
        binary = shutil.which("nats-server")
        assert binary, "nats-server is not installed (make system-deps installs the Debian package)"
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.cmd = [binary, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(store)]
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            await asyncio.sleep(0.1)
        raise AssertionError("nats-server did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[OwnNats]:
    server = OwnNats(tmp_path / "jetstream")
    yield server
    if server.proc is not None and server.proc.poll() is None:
        server.kill()


class ConsumerProcess:
    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.env = {**os.environ, **env}
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        cmd = [sys.executable, "-m", "uvicorn", "--factory", "tests.broker_app:create_consumer"]
        cmd += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=SHARED_DIR)
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                assert self.proc.poll() is None, "the consumer process exited"
                with contextlib.suppress(httpx.HTTPError):
                    if (
                        await client.get(f"http://127.0.0.1:{self.port}/readyz", timeout=1)
                    ).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise AssertionError("the consumer process did not become ready")

    def kill_9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)


async def test_broker_restart_and_a_consumer_killed_9_lose_nothing_and_repeat_nothing(
    own_database: OwnDatabase, own_nats: OwnNats, tmp_path: Path
) -> None:
    names = Names("OUTAGE", "outage")  # the server is this test's alone
    await own_nats.start()
    settings = broker_settings(names, own_nats.url, event_broker_ack_wait_seconds=2.0)
    producer = build("producer", settings, await service_database(own_database), consumes=False)
    watched = build("sink", settings, await service_database(own_database), consumes=True)
    killed_url = await service_database(own_database)
    killed = ConsumerProcess(
        {
            "SEALFLOW_ENV": "test",
            "SEALFLOW_EVENT_BROKER": own_nats.url,
            "SEALFLOW_EVENT_BROKER_STREAM": names.stream,
            "SEALFLOW_EVENT_BROKER_SUBJECT_PREFIX": names.prefix,
            "SEALFLOW_EVENT_BROKER_ACK_WAIT_SECONDS": "2",
            "BROKER_TEST_DATABASE_URL": killed_url,
            "BROKER_TEST_SERVICE": "killed",
        }
    )
    killed_db = Database(killed_url)
    await killed_db.open()
    expected = interleaved([f"req-{i}" for i in range(10)], 100)  # 1,000 events, 10 requests
    first, second = expected[:500], expected[500:]
    try:
        await killed.start()
        async with started(producer), started(watched):
            pdb, box, sink_db = (
                producer.state.runtime.db,
                producer.state.runtime.outbox,
                watched.state.runtime.db,
            )
            await emit(pdb, box, first)
            await wait_until(
                lambda: count_applied(killed_db, "killed", 100), 60, "the killed consumer to start"
            )
            killed.kill_9()  # in the middle of the stream, holding a message it had not acknowledged
            await wait_until(lambda: count_applied(sink_db, "sink", 200), 60, "the watched consumer to start")
            own_nats.kill()  # the broker goes, mid-stream
            await emit(pdb, box, second)  # commits go on: the outbox holds them, none marked delivered
            async with pdb.transaction() as conn:
                held = await conn.scalar(
                    sa.select(sa.func.count()).where(
                        outbox.c.destination == BROKER_DESTINATION, outbox.c.status == "pending"
                    )
                )
            assert held is not None and held >= len(second)
            async with asgi_client(producer) as client:
                assert (await client.get("/readyz")).json() == {"status": "ready", "broker": "disconnected"}
            await killed.start()  # back while the broker is still down
            await asyncio.sleep(1.0)
            await own_nats.start()
            await wait_until(
                lambda: count_applied(sink_db, "sink", len(expected)), 180, "every event, watched"
            )
            await wait_until(
                lambda: count_applied(killed_db, "killed", len(expected)), 180, "every event, killed"
            )
            await asyncio.sleep(3.0)  # past the ack wait: a redelivery, were one applied twice, would show
            assert_once_in_order(await applied_rows(sink_db, "sink"), expected)
            assert_once_in_order(await applied_rows(killed_db, "killed"), expected)
            async with asgi_client(watched) as client:
                assert (await client.get("/readyz")).json() == {"status": "ready", "broker": "connected"}
    finally:
        killed.stop()
        await killed_db.dispose()


async def test_while_the_broker_is_away_events_wait_in_the_outbox_and_go_when_it_is_back(
    own_database: OwnDatabase, own_nats: OwnNats
) -> None:
    names = Names("AWAY", "away")
    producer = build(
        "producer", broker_settings(names, own_nats.url), await service_database(own_database), consumes=False
    )
    expected = interleaved(["p", "q"], 5)
    async with started(producer):
        pdb, box = producer.state.runtime.db, producer.state.runtime.outbox
        await emit(pdb, box, expected)  # the broker has not started yet
        await asyncio.sleep(2.0)  # several relay rounds, each refused

        async def broker_rows(status: str) -> int:
            async with pdb.transaction() as conn:
                count: int = await conn.scalar(
                    sa.select(sa.func.count()).where(
                        outbox.c.destination == BROKER_DESTINATION, outbox.c.status == status
                    )
                )
            return count

        assert await broker_rows("pending") == len(expected)
        async with pdb.transaction() as conn:
            errors = (await conn.execute(sa.select(outbox.c.last_error, outbox.c.attempts))).all()
        assert any(e.last_error and "cannot connect" in e.last_error for e in errors)
        assert all(e.attempts == 0 for e in errors), "an outage must not use up a row's attempts"
        await own_nats.start()

        async def all_delivered() -> bool:
            return await broker_rows("delivered") == len(expected)

        await wait_until(all_delivered, 60, "the relay to publish once the broker is back")
    nc = await nats.connect(own_nats.url)
    info = await nc.jetstream().stream_info(names.stream)
    await nc.close()
    assert info.state.messages == len(expected)
