"""NATS JetStream as the event transport.

Why JetStream: the broker de-duplicates a publish by `Nats-Msg-Id` (the event id) within its window,
so a relay that crashed between the broker's ack and its own commit publishes again harmlessly; a
durable pull consumer keeps its position on the server, so a consumer added later reads the stream from
the start and a restarted one from where it stopped; and one stream is one place to watch lag.

One stream (`stream`, subjects `<prefix>.>`) holds every event; a second (`<stream>_PARKED`, subjects
`<prefix>-parked.<consumer>`) holds poison messages until an admin replays them. Both are file-backed
and created on first use. The connection reconnects forever; what survives a server restart badly is
the client's pull subscription, so `forget` drops it and the next `pull` binds again (the consumer's
watchdog calls it).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError, NoRespondersError, NoServersError, OutboundBufferLimitError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from sealkit.broker import BrokerUnavailable, Inbound, Parked, subject_filter
from sealkit.signing import HEADER

log = logging.getLogger("sealkit.broker")
ID, TYPE, REASON, CONSUMER = (
    "Nats-Msg-Id",
    "X-Sealflow-Event-Type",
    "X-Sealflow-Parked-Reason",
    "X-Sealflow-Consumer",
)
UNREACHABLE = (
    NatsTimeout,
    ConnectionClosedError,
    NoServersError,
    NoRespondersError,
    OutboundBufferLimitError,
    OSError,
)


class JetStreamTransport:
    def __init__(self, url: str, *, stream: str, subject_prefix: str, ack_wait_seconds: float = 30.0) -> None:
        self.url, self.stream, self.prefix = url, stream, subject_prefix
        self.parked_stream, self.parked_prefix = f"{stream}_PARKED", f"{subject_prefix}-parked"
        self.ack_wait = ack_wait_seconds
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._subs: dict[str, JetStreamContext.PullSubscription] = {}

    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    async def connect(self) -> None:
        await self._jetstream()

    async def close(self) -> None:
        nc, self._nc = self._nc, None
        if nc is not None and not nc.is_closed:
            await nc.close()
        self._nc, self._js, self._subs = None, None, {}

    async def _jetstream(self) -> JetStreamContext:
        """The connection, made on first use (a broker down at start-up must not stop the service)."""
        if self._js is not None and self._nc is not None and not self._nc.is_closed:
            return self._js
        try:
            nc = await nats.connect(
                self.url,
                connect_timeout=2,
                # the first connection gives up (a relay round must end and say why); once connected,
                # the client reconnects forever, the outbox holding events meanwhile
                max_reconnect_attempts=1,
                reconnect_time_wait=0.5,
                allow_reconnect=True,
                name="sealflow",
                error_cb=self._on_error,
                disconnected_cb=self._on_disconnected,
                reconnected_cb=self._on_reconnected,
            )
        except Exception as exc:
            raise BrokerUnavailable(f"cannot connect to {self.url}: {type(exc).__name__}: {exc}") from exc
        nc.options["max_reconnect_attempts"] = -1
        js = nc.jetstream(timeout=5)
        try:
            await self._ensure_stream(js, self.stream, f"{self.prefix}.>")
            await self._ensure_stream(js, self.parked_stream, f"{self.parked_prefix}.>")
        except UNREACHABLE as exc:
            await nc.close()
            raise BrokerUnavailable(f"JetStream not answering: {type(exc).__name__}") from exc
        self._nc, self._js = nc, js
        return js

    # the client reports every failed reconnect attempt as an error with a traceback; one line will do
    async def _on_error(self, exc: Exception) -> None:
        log.debug("nats: %s: %s", type(exc).__name__, exc)

    async def _on_disconnected(self) -> None:
        if self._nc is None or self._nc.is_closed or self._nc.is_draining:
            return  # our own close
        log.warning("event broker %s disconnected; reconnecting", self.url)

    async def _on_reconnected(self) -> None:
        log.warning("event broker %s reconnected", self.url)

    @staticmethod
    async def _ensure_stream(js: JetStreamContext, name: str, subjects: str) -> None:
        try:
            await js.stream_info(name)
            return
        except NotFoundError:
            pass
        config = StreamConfig(
            name=name, subjects=[subjects], storage=StorageType.FILE, duplicate_window=120.0
        )
        try:
            await js.add_stream(config)
        except BadRequestError:  # another process created it in between
            await js.stream_info(name)

    async def publish(self, event_type: str, event_id: uuid.UUID, body: bytes, signature: str) -> None:
        js = await self._jetstream()
        headers = {ID: str(event_id), TYPE: event_type, HEADER: signature}
        try:
            await js.publish(
                f"{self.prefix}.{event_type}", body, timeout=5, stream=self.stream, headers=headers
            )
        except UNREACHABLE as exc:
            raise BrokerUnavailable(f"publish not acknowledged: {type(exc).__name__}") from exc

    async def _subscription(
        self, consumer: str, event_types: Sequence[str]
    ) -> JetStreamContext.PullSubscription:
        sub = self._subs.get(consumer)
        if sub is not None:
            return sub
        js = await self._jetstream()
        config = ConsumerConfig(
            durable_name=consumer,
            filter_subject=subject_filter(self.prefix, event_types),
            deliver_policy=DeliverPolicy.ALL,  # a consumer added later reads what it missed
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            max_deliver=-1,  # bounded by the consumer, which parks instead of dropping
            # One message in flight per consumer, across all of a service's replicas: a message a
            # crashed process held is redelivered before any later one, so an aggregate's events
            # never overtake each other (the price: one round trip per message; see the README).
            max_ack_pending=1,
        )
        try:
            await js.add_consumer(self.stream, config)
        except NotFoundError:  # the stream went with a server that lost its store: make it again
            await self._ensure_stream(js, self.stream, f"{self.prefix}.>")
            await js.add_consumer(self.stream, config)
        sub = await js.pull_subscribe_bind(durable=consumer, stream=self.stream)
        self._subs[consumer] = sub
        return sub

    async def pull(
        self, consumer: str, event_types: Sequence[str], batch: int, wait_seconds: float
    ) -> list[Inbound]:
        try:
            sub = await self._subscription(consumer, event_types)
            messages = await sub.fetch(batch, timeout=wait_seconds)
        except NatsTimeout:
            return []
        except UNREACHABLE as exc:
            await self.forget(consumer)
            raise BrokerUnavailable(f"pull failed: {type(exc).__name__}") from exc
        return [self._inbound(m) for m in messages]

    @staticmethod
    def _inbound(m: Msg) -> Inbound:
        headers = m.headers or {}
        event_type = headers.get(TYPE) or m.subject.split(".", 1)[-1]
        return Inbound(
            event_type, headers.get(ID, ""), m.data, headers.get(HEADER), m.metadata.num_delivered, m
        )

    async def ack(self, message: Inbound) -> None:
        assert isinstance(message.token, Msg)
        await message.token.ack()

    async def extend(self, message: Inbound) -> None:
        assert isinstance(message.token, Msg)
        await message.token.in_progress()

    async def backlog(self, consumer: str) -> tuple[int, int]:
        js = await self._jetstream()
        try:
            info = await js.consumer_info(self.stream, consumer, timeout=5)
        except UNREACHABLE as exc:
            raise BrokerUnavailable(f"consumer info: {type(exc).__name__}") from exc
        return int(info.num_pending or 0), int(info.num_ack_pending or 0)

    async def forget(self, consumer: str) -> None:
        sub = self._subs.pop(consumer, None)
        if sub is not None:
            try:
                await sub.unsubscribe()
            except Exception:  # the connection may be the thing that broke
                log.debug("unsubscribe of %s failed", consumer, exc_info=True)

    async def park(self, consumer: str, message: Inbound, reason: str) -> None:
        js = await self._jetstream()
        headers = {
            TYPE: message.event_type,
            REASON: reason[:500],
            CONSUMER: consumer,
            "X-Sealflow-Event-Id": message.event_id,
        }
        if message.signature:
            headers[HEADER] = message.signature
        try:
            await js.publish(
                f"{self.parked_prefix}.{consumer}",
                message.body,
                timeout=5,
                stream=self.parked_stream,
                headers=headers,
            )
        except UNREACHABLE as exc:
            raise BrokerUnavailable(f"cannot park: {type(exc).__name__}") from exc

    async def parked(self, consumer: str, limit: int) -> list[Parked]:
        js = await self._jetstream()
        found: list[Parked] = []
        seq = 1
        while len(found) < limit:
            try:
                raw = await js.get_msg(
                    self.parked_stream, seq=seq, subject=f"{self.parked_prefix}.{consumer}", next=True
                )
            except NotFoundError:
                break
            found.append(self._parked(raw.seq or 0, raw.headers or {}, raw.data or b""))
            seq = (raw.seq or 0) + 1
        return found

    async def unpark(self, consumer: str, ref: int) -> Parked | None:
        js = await self._jetstream()
        try:
            raw = await js.get_msg(self.parked_stream, seq=ref)
        except NotFoundError:
            return None
        if raw.subject != f"{self.parked_prefix}.{consumer}":
            return None
        return self._parked(ref, raw.headers or {}, raw.data or b"")

    async def drop_parked(self, ref: int) -> None:
        js = await self._jetstream()
        await js.delete_msg(self.parked_stream, ref)

    @staticmethod
    def _parked(ref: int, headers: dict[str, str], body: bytes) -> Parked:
        return Parked(
            ref=ref,
            consumer=headers.get(CONSUMER, ""),
            event_type=headers.get(TYPE, ""),
            event_id=headers.get("X-Sealflow-Event-Id", ""),
            reason=headers.get(REASON, ""),
            body=body,
            signature=headers.get(HEADER),
        )
