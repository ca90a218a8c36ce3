"""The outbox dispatcher: delivers due rows, one lane per destination, so no subscriber waits on another.

Issue 10 found one batch for everyone: a subscriber that never answered held every other event until
its timeout (approval → mail-bridge went from 0.05 s to ~10 s). Now each destination has its own lane:

- a lane delivers its rows, records their outcomes and frees itself; the leasing loop never waits for
  it, and does not lease more for a destination whose lane is full (`per_destination` in flight);
- connecting is bounded separately (`connect_timeout`): a host that does not accept fails in seconds;
- a circuit breaker per destination: after `breaker_failures` failed attempts in a row the destination
  rests (`breaker_seconds`, doubling up to `MAX_BACKOFF_SECONDS`); its rows stay pending, leased by
  no one and charged no attempt, and then one row probes it before the rest follow.

Rows are leased with `FOR UPDATE SKIP LOCKED` (any number of replicas share the work); each lane
records delivery, a retry with exponential backoff, or a dead letter once the attempts run out.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from sealkit.db import Database
from sealkit.loops import periodic
from sealkit.outbound import OutboundRefused
from sealkit.outbox import BROKER_DESTINATION, Delivery, DeliveryHook, Outbox
from sealkit.signing import HEADER, sign
from sealkit.sql import for_update
from sealkit.tables import outbox
from sealkit.types import utcnow

log = logging.getLogger("sealkit.outbox")
LEASE = timedelta(seconds=60)
MAX_BACKOFF_SECONDS = 300.0
REFUSED = "outbound policy: "


@dataclass
class _Lane:
    """One destination's state in this process: rows in flight and its circuit breaker."""

    gate: asyncio.Semaphore  # at most `per_destination` POSTs to this destination at once
    in_flight: int = 0
    failures: int = 0  # failed attempts in a row
    open_until: float = 0.0  # monotonic; the breaker is open (no attempts) until then
    rest_seconds: float = 0.0

    def resting(self, now: float) -> bool:
        return self.open_until > now

    def half_open(self, now: float) -> bool:
        return self.open_until != 0.0 and self.open_until <= now


@dataclass(frozen=True, slots=True)
class _Row:
    id: uuid.UUID
    destination: str
    body: str
    attempts: int
    event_id: uuid.UUID
    event_type: str


class Dispatcher:
    """Delivers due outbox rows; run one per process, as many processes as you like."""

    def __init__(
        self,
        db: Database,
        http: httpx.AsyncClient,
        outbox_: Outbox,
        *,
        secret: str,
        max_attempts: int = 8,
        backoff_seconds: float = 1.0,
        poll_seconds: float = 0.5,
        timeout_seconds: float = 10.0,
        connect_timeout_seconds: float = 2.0,
        batch: int = 100,
        per_destination: int = 16,
        breaker_failures: int = 5,
        breaker_seconds: float = 5.0,
        hooks: Mapping[str, DeliveryHook] | None = None,
        outbound_http: httpx.AsyncClient | None = None,
    ) -> None:
        self.db, self.http, self.outbox = db, http, outbox_
        # a destination no subscriber names was given by a caller: it goes through the policed client
        self.outbound_http = outbound_http or http
        self.trusted = outbox_.subscriber_urls()
        self.hooks = dict(hooks or {})
        self.secret, self.max_attempts, self.backoff = secret, max_attempts, backoff_seconds
        self.poll, self.batch, self.per_destination = poll_seconds, batch, per_destination
        self.timeout = httpx.Timeout(timeout_seconds, connect=min(connect_timeout_seconds, timeout_seconds))
        self.breaker_failures, self.breaker_seconds = breaker_failures, breaker_seconds
        self._lanes: dict[str, _Lane] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def run_forever(self) -> None:
        """Lease rows for free lanes; a round that leased some goes again at once, else it waits for a
        commit's wakeup (a lane that finishes sets it too) or the poll."""

        async def round_leased() -> bool:
            return await self.run_once() > 0

        try:
            await periodic("outbox", self.poll, round_leased, wakeup=self.outbox.wakeup)
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def in_flight(self) -> int:
        return sum(lane.in_flight for lane in self._lanes.values())

    async def run_once(self) -> int:
        """Lease what free lanes can take and start delivering it; returns how many rows were leased."""
        now, clock = utcnow(), time.monotonic()
        room = self.batch - self.in_flight
        if room <= 0:
            return 0
        # a full lane or a resting destination gets nothing more now: its rows wait, pending, for it
        closed = [
            d
            for d, lane in self._lanes.items()
            if lane.in_flight >= self.per_destination or lane.resting(clock)
        ]
        query = (
            sa.select(
                outbox.c.id,
                outbox.c.destination,
                outbox.c.body,
                outbox.c.attempts,
                outbox.c.event_id,
                outbox.c.event_type,
            )
            .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
            .where(outbox.c.destination != BROKER_DESTINATION)  # the broker relay's rows
            .order_by(outbox.c.next_attempt_at)
            .limit(room)
        )
        if closed:
            query = query.where(outbox.c.destination.not_in(closed))
        async with self.db.transaction() as conn:
            due = [_Row(*r) for r in (await conn.execute(for_update(query, skip_locked=True))).all()]
            if not due:
                return 0
            await conn.execute(
                sa.update(outbox)
                .where(outbox.c.id.in_([r.id for r in due]))
                .values(next_attempt_at=now + LEASE)
            )
        by_destination: dict[str, list[_Row]] = {}
        for row in due:
            by_destination.setdefault(row.destination, []).append(row)
        for destination, rows in by_destination.items():
            lane = self._lanes.get(destination) or self._lanes.setdefault(
                destination, _Lane(asyncio.Semaphore(self.per_destination))
            )
            lane.in_flight += len(rows)
            task = asyncio.create_task(
                self._run_lane(destination, lane, rows), name=f"outbox-lane {destination}"
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(due)

    async def _run_lane(self, destination: str, lane: _Lane, rows: list[_Row]) -> None:
        taken = len(rows)
        try:
            if lane.half_open(time.monotonic()) and len(rows) > 1:
                # the breaker lets one probe through; the rest follow only if it is answered
                await self._deliver_and_record(lane, rows[:1])
                rows = rows[1:]
                if lane.resting(time.monotonic()):
                    await self._postpone(rows, lane)
                    return
            await self._deliver_and_record(lane, rows)
        except Exception:
            log.exception("outbox lane for %s failed; its rows retry when their lease lapses", destination)
        finally:
            lane.in_flight -= taken
            if lane.in_flight == 0 and lane.failures == 0:  # one lane per caller-given URL would pile up
                self._lanes.pop(destination, None)
            self.outbox.wakeup.set()  # room again: the leasing loop may take more

    async def _deliver_and_record(self, lane: _Lane, rows: Sequence[_Row]) -> None:
        async def gated(row: _Row) -> tuple[str | None, int | None, bytes]:
            async with lane.gate:
                return await self._deliver(row)

        results = await asyncio.gather(*(gated(r) for r in rows))
        async with self.db.transaction() as conn:
            for row, (error, status_code, answer) in zip(rows, results, strict=True):
                values = self._outcome(row.attempts + 1, error)
                hook = self.hooks.get(row.event_type)
                if hook is not None and values.get("status") in ("delivered", "dead"):
                    delivery = Delivery(
                        row.event_id, row.event_type, row.destination, row.body, error is None,
                        status_code, answer, error,
                    )  # fmt: skip
                    try:
                        async with conn.begin_nested():
                            await hook(conn, delivery, self.outbox)
                    except Exception as exc:
                        log.exception("delivery hook for %s failed", row.event_type)
                        if delivery.delivered:
                            values = self._outcome(row.attempts + 1, f"delivery hook failed: {exc}"[:1000])
                await conn.execute(sa.update(outbox).where(outbox.c.id == row.id).values(**values))
        self._trip(lane, [error for error, _, _ in results])

    def _trip(self, lane: _Lane, errors: Sequence[str | None]) -> None:
        """Count this round into the destination's breaker."""
        if any(error is None for error in errors):
            lane.failures, lane.open_until, lane.rest_seconds = 0, 0.0, 0.0
            return
        lane.failures += len(errors)
        if lane.failures >= self.breaker_failures or lane.half_open(time.monotonic()):
            lane.rest_seconds = min(max(lane.rest_seconds * 2, self.breaker_seconds), MAX_BACKOFF_SECONDS)
            lane.open_until = time.monotonic() + lane.rest_seconds
            log.warning(
                "outbox breaker open for %.0f s after %d failures in a row", lane.rest_seconds, lane.failures
            )

    async def _postpone(self, rows: Sequence[_Row], lane: _Lane) -> None:
        """Rows the breaker held back: due again when it half-opens, no attempt charged."""
        if not rows:
            return
        again = utcnow() + timedelta(seconds=max(lane.open_until - time.monotonic(), 0.0))
        async with self.db.transaction() as conn:
            await conn.execute(
                sa.update(outbox).where(outbox.c.id.in_([r.id for r in rows])).values(next_attempt_at=again)
            )

    def _outcome(self, attempts: int, error: str | None) -> dict[str, Any]:
        now = utcnow()
        if error is None:
            return {"status": "delivered", "attempts": attempts, "delivered_at": now, "last_error": None}
        if attempts >= self.max_attempts or error.startswith(REFUSED):  # a refusal will not change
            log.warning("outbox row parked as a dead letter after %d attempts: %s", attempts, error)
            return {"status": "dead", "attempts": attempts, "last_error": error}
        delay = min(self.backoff * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS) * random.uniform(0.8, 1.2)
        return {"attempts": attempts, "last_error": error, "next_attempt_at": now + timedelta(seconds=delay)}

    async def _deliver(self, row: _Row) -> tuple[str | None, int | None, bytes]:
        """(error or None, HTTP status, the answer's body) of one POST."""
        raw = row.body.encode()
        headers = {
            "Content-Type": "application/json",
            HEADER: sign(raw, self.secret),
            "X-Sealflow-Event-Id": str(row.event_id),
            "X-Sealflow-Event-Type": row.event_type,
        }
        client = self.http if row.destination in self.trusted else self.outbound_http
        try:
            response = await client.post(row.destination, content=raw, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            if isinstance(exc.__cause__, OutboundRefused):
                return f"{REFUSED}{exc}"[:1000], None, b""
            return f"{type(exc).__name__}: {exc}"[:1000], None, b""
        if response.is_success:
            return None, response.status_code, response.content[:65536]
        return f"HTTP {response.status_code}: {response.text[:500]}", response.status_code, b""
