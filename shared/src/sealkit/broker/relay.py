"""The outbox relay: publishes the broker's outbox rows in commit order, marking each delivered only
once the broker acknowledged it.

Order per aggregate is kept by keeping one order for all: one relay at a time per database (a
transaction-scoped advisory lock; the other replicas' relays skip the round), rows in (created_at, id)
order, which is the order they were written in (UUIDv7 ids), and a round that stops at its first
failure. While the broker is down the relay rests with exponential backoff and charges no row an
attempt: nothing is parked for an outage, and nothing after the failed row overtakes it. A row the
broker refuses (not an outage) is charged an attempt and parked as a dead letter after the last one,
like an HTTP delivery.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from sealkit.broker import (
    BROKER_DESTINATION,
    OUTBOX_PENDING,
    PUBLISH_LAG,
    PUBLISHED,
    BrokerUnavailable,
    Transport,
)
from sealkit.db import Database
from sealkit.loops import periodic
from sealkit.outbox import Outbox
from sealkit.signing import sign
from sealkit.tables import outbox
from sealkit.types import utcnow

log = logging.getLogger("sealkit.broker")
RELAY_LOCK = 0x5EA1F10B  # pg advisory lock key: one relay per service database at a time
MAX_REST_SECONDS = 30.0


class BrokerRelay:
    def __init__(
        self,
        db: Database,
        outbox_: Outbox,
        transport: Transport,
        *,
        service: str,
        secret: str,
        batch: int = 200,
        poll_seconds: float = 0.5,
        backoff_seconds: float = 0.5,
        max_attempts: int = 8,
    ) -> None:
        self.db, self.outbox, self.transport = db, outbox_, transport
        self.service, self.secret = service, secret
        self.batch, self.poll, self.backoff, self.max_attempts = (
            batch,
            poll_seconds,
            backoff_seconds,
            max_attempts,
        )
        self._failures = 0
        self._resting_until = 0.0

    async def run_forever(self) -> None:
        async def full_round() -> bool:
            return await self.run_once() >= self.batch

        await periodic("broker-relay", self.poll, full_round, wakeup=self.outbox.wakeup)

    async def run_once(self) -> int:
        """Publish one batch in order; returns how many rows were published."""
        if time.monotonic() < self._resting_until:
            return 0
        if not self.transport.connected():
            # connected before there is anything to publish, so /readyz tells the truth from the start
            with contextlib.suppress(BrokerUnavailable):  # the round records it on the row it holds up
                await self.transport.connect()
        if self.db.engine.dialect.name != "postgresql":
            # SQLite (`make run`, one process): no other relay to exclude, and a write transaction held
            # over the publishes would stall every writer while the broker is away
            async with self.db.transaction() as conn:
                rows = await self._due(conn)
            published, failure = await self._publish(rows)
            async with self.db.transaction() as conn:
                await self._record(conn, published, failure)
        else:
            async with self.db.transaction() as conn:
                # held while publishing (a lock, no rows): another replica's relay skips its round
                if not await conn.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(RELAY_LOCK))):
                    return 0
                published, failure = await self._publish(await self._due(conn))
                await self._record(conn, published, failure)
        PUBLISHED.labels(self.service).inc(len(published))
        if failure is None:
            self._failures = 0
        else:
            self._failures += 1
            rest = min(self.backoff * 2 ** (self._failures - 1), MAX_REST_SECONDS) * random.uniform(0.8, 1.2)
            self._resting_until = time.monotonic() + rest
            log.warning("broker relay resting %.1f s: %s", rest, failure[1]["last_error"])
        return len(published)

    async def _due(self, conn: AsyncConnection) -> list[Any]:
        return list(
            (
                await conn.execute(
                    sa.select(
                        outbox.c.id, outbox.c.event_id, outbox.c.event_type, outbox.c.body, outbox.c.attempts
                    )
                    .where(outbox.c.status == "pending", outbox.c.destination == BROKER_DESTINATION)
                    .order_by(outbox.c.created_at, outbox.c.id)
                    .limit(self.batch)
                )
            ).all()
        )

    async def _publish(self, rows: list[Any]) -> tuple[list[Any], tuple[Any, dict[str, Any]] | None]:
        """Publish in order, stopping at the first failure: (ids published, (failed id, its update))."""
        published: list[Any] = []
        for row in rows:
            raw = row.body.encode()
            try:
                await self.transport.publish(row.event_type, row.event_id, raw, sign(raw, self.secret))
            except BrokerUnavailable as exc:
                return published, (row.id, {"last_error": str(exc)[:1000]})  # an outage: no attempt charged
            except Exception as exc:
                error = f"broker refused: {type(exc).__name__}: {exc}"[:1000]
                failure: dict[str, Any] = {"attempts": row.attempts + 1, "last_error": error}
                if row.attempts + 1 >= self.max_attempts:
                    log.warning("event %s parked as a dead letter: %s", row.event_id, error)
                    failure["status"] = "dead"
                return published, (row.id, failure)
            published.append(row.id)
        return published, None

    async def _record(
        self, conn: AsyncConnection, published: list[Any], failure: tuple[Any, dict[str, Any]] | None
    ) -> None:
        if published:
            await conn.execute(
                sa.update(outbox)
                .where(outbox.c.id.in_(published))
                .values(
                    status="delivered", attempts=outbox.c.attempts + 1, delivered_at=utcnow(), last_error=None
                )
            )
        if failure is not None:
            await conn.execute(sa.update(outbox).where(outbox.c.id == failure[0]).values(**failure[1]))
        await self._measure(conn)

    async def _measure(self, conn: AsyncConnection) -> None:
        oldest, pending = (
            await conn.execute(
                sa.select(sa.func.min(outbox.c.created_at), sa.func.count()).where(
                    outbox.c.status == "pending", outbox.c.destination == BROKER_DESTINATION
                )
            )
        ).one()
        OUTBOX_PENDING.labels(self.service).set(pending)
        lag = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        PUBLISH_LAG.labels(self.service).set(max(lag, 0.0))
