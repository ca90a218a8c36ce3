"""Helpers of the broker tests: a stream and prefix per test, settings, emitting, reading what applied."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import nats
import pytest
import sqlalchemy as sa
from nats.js.errors import NotFoundError

from sealkit.db import Database
from sealkit.settings import ServiceSettings
from sealkit.testing import TEST_SETTINGS, OwnDatabase

from .broker_app import ITEM_CHANGED, ItemChanged, applied, metadata

SHARED_NATS = "nats://127.0.0.1:4222"


@dataclass(frozen=True)
class Names:
    stream: str
    prefix: str


@pytest.fixture
async def names() -> AsyncIterator[Names]:
    tag = uuid.uuid4().hex[:10]
    yield Names(f"T_{tag}", f"t{tag}")
    await delete_streams(SHARED_NATS, f"T_{tag}")


async def delete_streams(url: str, stream: str) -> None:
    nc = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=1)
    js = nc.jetstream()
    for name in (stream, f"{stream}_PARKED"):
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(name)
    await nc.close()


def broker_settings(names: Names, url: str = SHARED_NATS, **extra: Any) -> ServiceSettings:
    values: dict[str, Any] = {
        **TEST_SETTINGS,
        "event_broker": url,
        "event_broker_stream": names.stream,
        "event_broker_subject_prefix": names.prefix,
        "event_broker_max_deliveries": 3,
        **extra,
    }
    return ServiceSettings(**values)


async def service_database(own_database: OwnDatabase) -> str:
    url = await own_database("approval")  # a migrated service schema: the kit's outbox and inbox
    db = Database(url)
    await db.open()
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await db.dispose()
    return url


async def emit(
    db: Database, box: Any, items: list[tuple[str, int]], *, also_to: tuple[str, ...] = ()
) -> None:
    for aggregate, seq in items:  # one transaction each, as a service's writes would be
        async with db.transaction() as conn:
            await box.emit(conn, ITEM_CHANGED, ItemChanged(aggregate=aggregate, seq=seq), also_to=also_to)


def interleaved(aggregates: list[str], per_aggregate: int, start: int = 0) -> list[tuple[str, int]]:
    return [(a, seq) for seq in range(start, start + per_aggregate) for a in aggregates]


async def applied_rows(db: Database, consumer: str) -> list[Any]:
    async with db.transaction() as conn:
        return list(
            (
                await conn.execute(
                    sa.select(applied).where(applied.c.consumer == consumer).order_by(applied.c.n)
                )
            ).all()
        )


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.1)


def assert_once_in_order(rows: list[Any], expected: list[tuple[str, int]]) -> None:
    """Every expected event applied exactly once, and each aggregate's in the order it was emitted."""
    assert len({r.event_id for r in rows}) == len(rows), "an event was applied twice"
    assert sorted((r.aggregate, r.seq) for r in rows) == sorted(expected)
    by_aggregate: dict[str, list[int]] = {}
    for r in rows:
        by_aggregate.setdefault(r.aggregate, []).append(r.seq)
    for aggregate, seqs in by_aggregate.items():
        assert seqs == sorted(seqs), f"{aggregate} applied out of order: {seqs}"


async def count_applied(db: Database, consumer: str, n: int) -> bool:
    return len(await applied_rows(db, consumer)) >= n
