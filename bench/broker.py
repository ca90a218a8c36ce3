"""Event transport benchmark: events per second from commit to applied, and commit → applied latency,
through the outbox relay to NATS JetStream and into a durable consumer, next to the HTTP transport
(the outbox dispatcher POSTing to a live `/v1/events`) measured the same way in the same run.

    uv run python bench/broker.py                        # 2,000 events, 16 writers, each transport
    uv run python bench/broker.py --events 500 --writers 4

Each transport gets two fresh PostgreSQL databases (a producer's and a consumer's, dropped at the end)
and its own JetStream stream (deleted at the end) on the broker at --broker. The producer's writers each
commit one event per transaction, round-robin over 50 aggregates, stamping the wall-clock time of the
commit into the event; the consumer's handler notes when it applies each event (same host clock).
Not a test: nothing here runs under pytest. Results: bench/results/broker.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import nats
from nats.js.errors import NotFoundError
from sqlalchemy.ext.asyncio import AsyncConnection

from sealkit.app import Runtime, create_service_app
from sealkit.contracts.base import Contract, Event
from sealkit.events import EventHandler
from sealkit.settings import ServiceSettings
from sealkit.testing import create_test_database, drop_database, live_server, started

EVENT = "bench.item.changed"
RESULTS = Path(__file__).parent / "results" / "broker.json"


class Changed(Contract):
    aggregate: str
    seq: int
    committed_at: float


async def run(transport: str, events: int, writers: int, broker: str) -> dict[str, Any]:
    applied: list[float] = []  # latencies, seconds
    done = asyncio.Event()

    async def on_changed(conn: AsyncConnection, data: Changed, event: Event, runtime: Runtime) -> None:
        applied.append(time.time() - data.committed_at)
        if len(applied) >= events:
            done.set()

    tag = uuid.uuid4().hex[:8]
    common: dict[str, Any] = {"env": "test", "outbox_poll_seconds": 0.05, "outbox_backoff_seconds": 0.05}
    if transport == "broker":
        common |= {
            "event_broker": broker,
            "event_broker_stream": f"BENCH_{tag}",
            "event_broker_subject_prefix": f"bench{tag}",
        }
    producer_url, consumer_url = (
        await create_test_database("approval"),
        await create_test_database("approval"),
    )
    consumer = create_service_app(
        service="bench-consumer", title="consumer", description="", settings=ServiceSettings(**common),
        routers=[], event_handlers=[EventHandler(EVENT, Changed, on_changed)], database_url=consumer_url,
    )  # fmt: skip
    try:
        async with live_server(consumer) as consumer_base:
            subscribers = f"{EVENT}={consumer_base}/v1/events" if transport == "http" else ""
            producer = create_service_app(
                service="bench-producer", title="producer", description="",
                settings=ServiceSettings(**common, subscribers=subscribers), routers=[], database_url=producer_url,
            )  # fmt: skip
            async with started(producer):
                runtime: Runtime = producer.state.runtime
                started_at = time.monotonic()

                async def writer(index: int) -> None:
                    for seq in range(index, events, writers):
                        async with runtime.db.transaction() as conn:
                            data = Changed(aggregate=f"a{seq % 50}", seq=seq, committed_at=time.time())
                            await runtime.outbox.emit(conn, EVENT, data)

                await asyncio.gather(*(writer(i) for i in range(writers)))
                written = time.monotonic() - started_at
                await asyncio.wait_for(done.wait(), timeout=max(120.0, events / 10))
                elapsed = time.monotonic() - started_at
    finally:
        await drop_database(producer_url)
        await drop_database(consumer_url)
        if transport == "broker":
            nc = await nats.connect(broker)
            for name in (f"BENCH_{tag}", f"BENCH_{tag}_PARKED"):
                with contextlib.suppress(NotFoundError):
                    await nc.jetstream().delete_stream(name)
            await nc.close()
    cuts = statistics.quantiles(applied, n=100)
    return {
        "transport": transport,
        "events": events,
        "writers": writers,
        "written_per_second": round(events / written, 1),
        "applied_per_second": round(events / elapsed, 1),
        "latency_p50_ms": round(cuts[49] * 1000, 1),
        "latency_p99_ms": round(cuts[98] * 1000, 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--broker", default="nats://127.0.0.1:4222")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the figures are written")
    args = parser.parse_args()
    results = [await run(t, args.events, args.writers, args.broker) for t in ("http", "broker")]
    print(f"{'transport':<10}{'written/s':>11}{'applied/s':>11}{'p50 ms':>9}{'p99 ms':>9}")
    for r in results:
        print(
            f"{r['transport']:<10}{r['written_per_second']:>11}{r['applied_per_second']:>11}"
            f"{r['latency_p50_ms']:>9}{r['latency_p99_ms']:>9}"
        )
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(
        json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "runs": results}, indent=2)
    )


if __name__ == "__main__":
    asyncio.run(main())
