"""The services' events on NATS JetStream (the real server): outbox → relay → stream → durable consumer
→ inbox. Each test has its own stream and subject prefix, deleted afterwards, so runs do not collide."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import nats
import pytest
import sqlalchemy as sa

from sealkit.broker import BROKER_DESTINATION, Inbound
from sealkit.broker.consumer import BrokerConsumer
from sealkit.broker.nats_jetstream import ID, TYPE, JetStreamTransport
from sealkit.settings import ServiceSettings
from sealkit.signing import HEADER
from sealkit.tables import outbox
from sealkit.testing import TEST_SETTINGS, OwnDatabase, asgi_client, auth, receiver, started

from .broker_app import FAILING, ITEM_CHANGED, build, handler
from .broker_helpers import (
    SHARED_NATS,
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
from .broker_helpers import names as names  # the fixture

pytestmark = pytest.mark.anyio


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


class SubscriptionGoneBad(JetStreamTransport):
    """The real transport with the client-side failures seen after a server restart: pulls that come back
    empty while the broker holds messages (`deaf`), or that never come back (`hung`), until the
    subscription is bound afresh (`forget`)."""

    def __init__(self, mode: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mode, self.broken = mode, True

    async def pull(
        self, consumer: str, event_types: Sequence[str], batch: int, wait_seconds: float
    ) -> list[Inbound]:
        if not self.broken:
            return await super().pull(consumer, event_types, batch, wait_seconds)
        await self._subscription(consumer, event_types)  # the consumer exists; only the client is broken
        if self.mode == "hung":
            await asyncio.Event().wait()
        await asyncio.sleep(wait_seconds)
        return []

    async def forget(self, consumer: str) -> None:
        self.broken = False
        await super().forget(consumer)


@pytest.mark.parametrize("mode", ["deaf", "hung"])
async def test_the_watchdog_binds_a_broken_subscription_again(
    own_database: OwnDatabase, names: Names, mode: str
) -> None:
    producer = build("producer", broker_settings(names), await service_database(own_database), consumes=False)
    test_values: dict[str, Any] = dict(TEST_SETTINGS)
    plain = ServiceSettings(**test_values)  # no broker of its own: the test runs its consumer
    sink = build("sink", plain, await service_database(own_database), consumes=True)
    expected = interleaved(["w"], 5)
    async with started(producer), started(sink):
        await emit(producer.state.runtime.db, producer.state.runtime.outbox, expected)
        transport = SubscriptionGoneBad(
            mode, url=SHARED_NATS, stream=names.stream, subject_prefix=names.prefix, ack_wait_seconds=30
        )
        runtime = sink.state.runtime
        consumer = BrokerConsumer(
            runtime, transport, {ITEM_CHANGED: handler("sink")}, name="sink", service="sink",
            pull_seconds=0.2, check_seconds=0.5, stall_seconds=2.0,
        )  # fmt: skip
        task = asyncio.create_task(consumer.run_forever())
        try:
            await wait_until(lambda: count_applied(runtime.db, "sink", len(expected)), 30, "the watchdog")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await transport.close()
        assert consumer.restarts >= 1
        assert_once_in_order(await applied_rows(runtime.db, "sink"), expected)
