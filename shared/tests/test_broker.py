"""The services' events on NATS JetStream (the real server): outbox → relay → stream → durable consumer
→ inbox. Each test has its own stream and subject prefix, deleted afterwards, so runs do not collide."""

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

from sealkit.broker import BROKER_DESTINATION
from sealkit.broker.nats_jetstream import ID, TYPE
from sealkit.db import Database
from sealkit.settings import ServiceSettings
from sealkit.signing import HEADER
from sealkit.tables import outbox
from sealkit.testing import TEST_SETTINGS, OwnDatabase, asgi_client, auth, receiver, started

from .broker_app import FAILING, ITEM_CHANGED, ItemChanged, applied, build, metadata

pytestmark = pytest.mark.anyio
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


async def test_events_go_once_in_order_through_the_broker_and_webhooks_stay_http(
    own_database: OwnDatabase, names: Names
) -> None:
    producer = build("producer", broker_settings(names), await service_database(own_database), consumes=False)
    consumer = build("sink", broker_settings(names), await service_database(own_database), consumes=True)
    expected = interleaved(["a", "b", "c"], 20)
    async with started(producer), started(consumer), receiver() as hook:
        pdb, box = producer.state.runtime.db, producer.state.runtime.outbox
        cdb = consumer.state.runtime.db
        await emit(pdb, box, expected[:1], also_to=(hook.url,))  # a caller-given webhook: HTTP as before
        await emit(pdb, box, expected[1:])
        await wait_until(lambda: count_applied(cdb, "sink", len(expected)), 30, "every event applied")
        (webhook,) = await hook.wait_for(1)
        assert webhook.headers["x-sealflow-event-type"] == ITEM_CHANGED
        # the relay crashed after the broker's ack, before its commit: the row goes again, applies once
        async with pdb.transaction() as conn:
            again = await conn.execute(
                sa.update(outbox)
                .where(outbox.c.destination == BROKER_DESTINATION)
                .values(status="pending")
                .returning(outbox.c.event_id)
            )
            assert len(again.all()) == len(expected)
        box.wake()

        async def all_delivered() -> bool:
            async with pdb.transaction() as conn:
                left: int = await conn.scalar(
                    sa.select(sa.func.count()).where(outbox.c.status != "delivered")
                )
            return bool(left == 0)

        await wait_until(all_delivered, 30, "the relay to publish everything again")
        await asyncio.sleep(1.0)  # time for a duplicate to arrive, were it to be applied
        rows = await applied_rows(cdb, "sink")
        assert_once_in_order(rows, expected)
        async with asgi_client(consumer) as client:
            ready = (await client.get("/readyz")).json()
            metrics = (await client.get("/metrics")).text
        assert ready == {"status": "ready", "broker": "connected"}
        assert 'sealflow_broker_consumed_total{service="sink",status="processed"}' in metrics
        async with asgi_client(producer) as client:
            metrics = (await client.get("/metrics")).text
        assert 'sealflow_broker_outbox_pending{service="producer"} 0.0' in metrics


async def test_the_broker_dedups_a_repeated_event_id(names: Names) -> None:
    from sealkit.broker.nats_jetstream import JetStreamTransport

    transport = JetStreamTransport(SHARED_NATS, stream=names.stream, subject_prefix=names.prefix)
    event_id = uuid.uuid4()
    for _ in range(3):
        await transport.publish(ITEM_CHANGED, event_id, b"{}", "sha256=x")
    nc = await nats.connect(SHARED_NATS)
    info = await nc.jetstream().stream_info(names.stream)
    await nc.close()
    await transport.close()
    assert info.state.messages == 1


async def test_poison_is_parked_not_looping_and_an_admin_replays_it(
    own_database: OwnDatabase, names: Names
) -> None:
    producer = build("producer", broker_settings(names), await service_database(own_database), consumes=False)
    consumer = build("sink", broker_settings(names), await service_database(own_database), consumes=True)
    FAILING.add("bad")
    try:
        async with started(producer), started(consumer):
            pdb, box, cdb = (
                producer.state.runtime.db,
                producer.state.runtime.outbox,
                consumer.state.runtime.db,
            )
            await emit(pdb, box, [("good", 0), ("bad", 0), ("good", 1)])
            # and one that was never ours to apply: signed with another secret
            nc = await nats.connect(SHARED_NATS)
            forged = (
                b'{"id": "%s", "type": "item.changed", "occurred_at": "2026-01-01T00:00:00Z", "data": {}}'
                % (str(uuid.uuid4()).encode())
            )
            await nc.jetstream().publish(
                f"{names.prefix}.{ITEM_CHANGED}",
                forged,
                headers={ID: "forged", TYPE: ITEM_CHANGED, HEADER: "sha256=00"},
            )
            await nc.close()
            await wait_until(lambda: count_applied(cdb, "sink", 2), 30, "the good events")
            admin = auth("root", "admin")
            async with asgi_client(consumer) as client:

                async def two_parked() -> bool:
                    page: dict[str, list[Any]] = (await client.get("/v1/broker/parked", headers=admin)).json()
                    return len(page["items"]) == 2

                await wait_until(two_parked, 30, "two parked messages")
                items = (await client.get("/v1/broker/parked", headers=admin)).json()["items"]
                reasons = sorted(item["reason"] for item in items)
                assert reasons[0].startswith("failed 3 times: RuntimeError"), reasons
                assert "X-Sealflow-Signature" in reasons[1]
                bad = next(i for i in items if i["reason"].startswith("failed"))
                assert bad["body"]["data"] == {"aggregate": "bad", "seq": 0}
                monitor = await client.post(
                    f"/v1/broker/parked/{bad['id']}/replay", headers=auth("m", "monitor")
                )
                assert monitor.status_code == 403
                still = await client.post(f"/v1/broker/parked/{bad['id']}/replay", headers=admin)
                assert still.status_code == 422 and still.json()["type"].endswith("still-poison")
                FAILING.discard("bad")  # the admin fixed the cause
                replayed = await client.post(f"/v1/broker/parked/{bad['id']}/replay", headers=admin)
                assert replayed.status_code == 200 and replayed.json() == {"status": "processed"}
                left = (await client.get("/v1/broker/parked", headers=admin)).json()["items"]
                assert [i["event_id"] for i in left] == ["forged"] or len(left) == 1
                gone = await client.post(f"/v1/broker/parked/{bad['id']}/replay", headers=admin)
                assert gone.status_code == 404
                metrics = (await client.get("/metrics")).text
            assert 'sealflow_broker_parked_total{service="sink"} 2.0' in metrics
            rows = await applied_rows(cdb, "sink")
            assert sorted((r.aggregate, r.seq) for r in rows) == [("bad", 0), ("good", 0), ("good", 1)]
    finally:
        FAILING.discard("bad")


async def test_a_consumer_added_later_reads_what_it_missed(own_database: OwnDatabase, names: Names) -> None:
    producer = build("producer", broker_settings(names), await service_database(own_database), consumes=False)
    first = build("sink", broker_settings(names), await service_database(own_database), consumes=True)
    later_db = await service_database(own_database)
    expected = interleaved(["x", "y"], 15)
    async with started(producer), started(first):
        pdb, box = producer.state.runtime.db, producer.state.runtime.outbox
        await emit(pdb, box, expected)
        await wait_until(
            lambda: count_applied(first.state.runtime.db, "sink", len(expected)), 30, "the first"
        )
        later = build("latecomer", broker_settings(names), later_db, consumes=True)
        async with started(later):
            await wait_until(
                lambda: count_applied(later.state.runtime.db, "latecomer", len(expected)), 30, "later"
            )
            assert_once_in_order(await applied_rows(later.state.runtime.db, "latecomer"), expected)
