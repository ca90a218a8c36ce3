"""The dispatcher's lanes (issue 10, item 9): a subscriber that never answers holds up no one else."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from sealkit.db import Database
from sealkit.dispatcher import Dispatcher
from sealkit.outbox import Outbox
from sealkit.tables import outbox
from sealkit.testing import free_port, kit_database, live_server, receiver


@pytest.fixture(scope="module")
async def db() -> AsyncIterator[Database]:
    async with kit_database(sa.MetaData()) as database:
        yield database


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[str]:
    """Accepts connections and reads the request, but never answers: the subscriber that hangs."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        with contextlib.suppress(OSError):
            while await reader.read(65536):
                pass

    port = free_port()
    server = await asyncio.start_server(hold, "127.0.0.1", port)
    try:
        yield f"http://127.0.0.1:{port}/v1/events"
    finally:
        for writer in held:
            writer.transport.abort()
        server.close()


@contextlib.asynccontextmanager
async def dispatching(db: Database, box: Outbox, **options: Any) -> AsyncIterator[Dispatcher]:
    async with httpx.AsyncClient() as http:
        dispatcher = Dispatcher(db, http, box, secret="s", poll_seconds=0.05, backoff_seconds=0.05, **options)
        task = asyncio.create_task(dispatcher.run_forever())
        try:
            yield dispatcher
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _emit(db: Database, box: Outbox, event_type: str, n: int = 1) -> None:
    async with db.transaction() as conn:
        for i in range(n):
            await box.emit(conn, event_type, {"n": i})


async def _clear(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(sa.delete(outbox))


async def test_a_healthy_subscriber_gets_its_events_within_a_second_while_another_hangs(db: Database) -> None:
    await _clear(db)
    async with silent_server() as hanging, receiver() as healthy:
        box = Outbox([("thing.slow", hanging), ("thing.fast", healthy.url)], source="kit")
        async with dispatching(db, box, timeout_seconds=30.0):
            # two events a second to the subscriber that never answers, as in issue 10, and the
            # healthy subscriber's events in between: each must arrive within a second of its commit
            for i in range(8):
                await _emit(db, box, "thing.slow", 2)
                committed = time.monotonic()
                await _emit(db, box, "thing.fast")
                await healthy.wait_for(i + 1, timeout=1.0)
                assert time.monotonic() - committed < 1.0
                await asyncio.sleep(0.25)
            async with db.transaction() as conn:
                slow = (
                    await conn.execute(
                        sa.select(outbox.c.status, outbox.c.attempts).where(outbox.c.destination == hanging)
                    )
                ).all()
            assert len(slow) == 16 and all(
                status == "pending" for status, _ in slow
            )  # still waiting, not lost


async def test_a_failing_destination_rests_behind_its_breaker_and_keeps_its_rows(db: Database) -> None:
    await _clear(db)
    dead = f"http://127.0.0.1:{free_port()}/v1/events"  # nobody listens: connections are refused
    async with receiver() as healthy:
        box = Outbox([("thing.down", dead), ("thing.fast", healthy.url)], source="kit")
        async with dispatching(db, box, breaker_failures=3, breaker_seconds=30.0, max_attempts=100):
            await _emit(db, box, "thing.down", 10)
            await asyncio.sleep(1.5)  # plenty of retry rounds at a 0.05 s backoff, were it not resting
            async with db.transaction() as conn:
                attempts = await conn.scalar(
                    sa.select(sa.func.sum(outbox.c.attempts)).where(outbox.c.destination == dead)
                )
                pending = await conn.scalar(
                    sa.select(sa.func.count()).where(
                        outbox.c.destination == dead, outbox.c.status == "pending"
                    )
                )
            # the breaker opened after a round's failures: no row was tried again, none was lost
            assert pending == 10
            assert attempts is not None and 3 <= attempts <= 10 + 3, attempts
            await _emit(db, box, "thing.fast")
            await healthy.wait_for(1, timeout=1.0)


async def test_one_destination_gets_at_most_its_share_of_concurrent_posts(db: Database) -> None:
    await _clear(db)
    now, most, done = 0, 0, 0
    app = FastAPI()

    @app.post("/v1/events")
    async def slow() -> dict[str, str]:
        nonlocal now, most, done
        now += 1
        most = max(most, now)
        await asyncio.sleep(0.2)
        now -= 1
        done += 1
        return {"status": "processed"}

    async with live_server(app) as url:
        box = Outbox([("thing.busy", f"{url}/v1/events")], source="kit")
        async with dispatching(db, box, per_destination=4):
            await _emit(db, box, "thing.busy", 24)
            deadline = time.monotonic() + 20
            while done < 24:
                assert time.monotonic() < deadline, done
                await asyncio.sleep(0.05)
    assert 1 < most <= 4, most
