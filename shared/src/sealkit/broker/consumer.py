"""A service's durable consumer: the broker's messages into the same intake as `POST /v1/events`.

Each message is verified (`X-Sealflow-Signature`), validated against its handler's contract, and
applied in one transaction with its inbox row; it is acknowledged only after that transaction commits,
so a crash redelivers it and the inbox makes the second delivery a no-op. Messages are applied one at a
time in stream order, so an aggregate's events keep their order.

A message that can never apply (bad signature, not an envelope, data off its contract) is parked at
once; one whose handler keeps failing is retried in place (the message held, later ones waiting behind
it, which keeps the order) and parked after `max_deliveries` attempts, counting deliveries before a
crash. Parked messages wait in the broker for an admin (`GET /v1/broker/parked`, replay).

The watchdog: the consuming loop runs as a task that is restarted, with its subscription bound afresh,
when it fails, when it stalls (no pull returned for `stall_seconds`), or when the broker shows
messages waiting while pulls keep coming back empty (the subscription went deaf after a restart).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sealkit.broker import CONSUMED, CONSUMER_LAG, PARKED, Inbound, Parked, Transport
from sealkit.contracts.base import Event
from sealkit.events import EventHandler, take_in
from sealkit.loops import being_cancelled
from sealkit.problems import NotFound, Unprocessable
from sealkit.signing import verify

if TYPE_CHECKING:
    from sealkit.app import Runtime

log = logging.getLogger("sealkit.broker")


class Poison(Exception):
    """This message will never apply as it is."""


class Deaf(Exception):
    """The broker has messages for us and the subscription brings none."""


class BrokerConsumer:
    def __init__(
        self,
        runtime: Runtime,
        transport: Transport,
        handlers: Mapping[str, EventHandler[Any]],
        *,
        name: str,
        service: str,
        max_deliveries: int = 5,
        retry_seconds: float = 0.5,
        batch: int = 1,  # the consumer holds one message at a time (max_ack_pending=1)
        pull_seconds: float = 1.0,
        check_seconds: float = 5.0,
        stall_seconds: float = 30.0,
    ) -> None:
        self.runtime, self.transport, self.handlers = runtime, transport, dict(handlers)
        self.name, self.service = name, service
        self.event_types = sorted(self.handlers)
        self.max_deliveries, self.retry = max_deliveries, retry_seconds
        self.batch, self.pull_seconds, self.check, self.stall = (
            batch,
            pull_seconds,
            check_seconds,
            stall_seconds,
        )
        self.last_alive = time.monotonic()
        self.restarts = 0  # how often the watchdog bound the subscription afresh

    async def run_forever(self) -> None:
        """The watchdog around the consuming loop."""
        rest = 0.5
        while True:
            self.last_alive = time.monotonic()
            task = asyncio.create_task(self._consume(), name=f"{self.service}-consumer")
            try:
                while not task.done():
                    await asyncio.wait({task}, timeout=min(self.check, self.stall))
                    if not task.done() and time.monotonic() - self.last_alive > self.stall:
                        log.warning(
                            "consumer %s stalled for %.0f s; subscribing again", self.name, self.stall
                        )
                        task.cancel()
                        break
            finally:
                if not task.done():
                    task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            if task.cancelled():
                pass
            elif (exc := task.exception()) is not None:
                log.warning(
                    "consumer %s stopped (%s: %s); subscribing again", self.name, type(exc).__name__, exc
                )
            await self.transport.forget(self.name)
            self.restarts += 1
            await asyncio.sleep(rest)
            rest = min(rest * 2, 10.0) if time.monotonic() - self.last_alive > self.check else 0.5

    async def _consume(self) -> None:
        last_check, deaf_checks = time.monotonic(), 0
        while True:
            messages = await self.transport.pull(self.name, self.event_types, self.batch, self.pull_seconds)
            self.last_alive = time.monotonic()
            for message in messages:
                await self._apply(message)
                self.last_alive = time.monotonic()
            if messages:
                deaf_checks = 0
            if time.monotonic() - last_check >= self.check:
                last_check = time.monotonic()
                waiting, unacked = await self.transport.backlog(self.name)
                CONSUMER_LAG.labels(self.service).set(waiting + unacked)
                deaf_checks = deaf_checks + 1 if waiting and not messages else 0
                if deaf_checks >= 2:
                    raise Deaf(f"{waiting} messages waiting, none delivered")

    def _event(self, body: bytes, signature: str | None) -> tuple[Event, EventHandler[Any] | None]:
        if not verify(body, self.runtime.settings.event_secret, signature):
            raise Poison("missing or wrong X-Sealflow-Signature")
        try:
            event = Event.model_validate_json(body)
        except ValidationError as exc:
            raise Poison(f"not an event envelope: {exc.errors()[0]['msg']}") from exc
        handler = self.handlers.get(event.type)
        if handler is not None:
            try:
                handler.validate(event)
            except Unprocessable as exc:
                raise Poison(exc.detail) from exc
        return event, handler

    async def _apply(self, message: Inbound) -> None:
        try:
            event, handler = self._event(message.body, message.signature)
        except Poison as exc:
            await self._park(message, str(exc))
            return
        if handler is None:  # a type this service does not handle (the filter is one subject)
            await self.transport.ack(message)
            CONSUMED.labels(self.service, "ignored").inc()
            return
        attempt = message.deliveries
        while True:
            try:
                async with self.runtime.db.transaction() as conn:
                    status = await take_in(conn, handler, event, self.runtime)
                break
            except Exception as exc:
                if being_cancelled():
                    raise
                if attempt >= self.max_deliveries:
                    await self._park(message, f"failed {attempt} times: {type(exc).__name__}: {exc}")
                    return
                log.warning("event %s failed attempt %d: %s", event.id, attempt, exc)
                await self.transport.extend(message)
                await asyncio.sleep(self.retry * 2 ** min(attempt - 1, 6))
                attempt += 1
        await self.transport.ack(message)  # only now: the inbox row and the effect are committed
        CONSUMED.labels(self.service, status).inc()

    async def _park(self, message: Inbound, reason: str) -> None:
        log.warning("parking event %s (%s): %s", message.event_id, message.event_type, reason)
        await self.transport.park(self.name, message, reason)
        await self.transport.ack(message)
        PARKED.labels(self.service).inc()

    async def replay(self, ref: int) -> str:
        """Apply parked message `ref` now (an admin fixed its cause); it leaves the parking only if it
        applies. Raises NotFound, or Unprocessable with why it still does not apply."""
        parked: Parked | None = await self.transport.unpark(self.name, ref)
        if parked is None:
            raise NotFound("no parked message with this id")
        try:
            event, handler = self._event(parked.body, parked.signature)
        except Poison as exc:
            raise Unprocessable(f"still does not apply: {exc}", slug="still-poison") from exc
        try:
            async with self.runtime.db.transaction() as conn:
                status = await take_in(conn, handler, event, self.runtime)
        except Exception as exc:
            raise Unprocessable(f"still fails: {type(exc).__name__}: {exc}", slug="still-poison") from exc
        await self.transport.drop_parked(ref)
        return status
