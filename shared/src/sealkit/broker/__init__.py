"""The services' own events on a message broker (`SEALFLOW_EVENT_BROKER`), with the outbox in front.

Unset, every event is an outbox row per subscriber URL, POSTed by the HTTP dispatcher (today's
default). Set, an event the service emits gets one outbox row for the broker (destination
`BROKER_DESTINATION`) instead of a row per subscriber, and `relay.BrokerRelay` publishes it after the
commit; caller-given webhooks (`callback_url`, `notify_url`, providers) stay HTTP rows. Each service
reads the event types it handles with a durable consumer (`consumer.BrokerConsumer`) into the same
intake as `POST /v1/events`.

A broker is a `Transport`: the few calls below are all the relay, the consumer and the admin
endpoints use, so RabbitMQ or Kafka is one more module and one more line in `transport_for`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import Counter, Gauge

from sealkit.outbox import BROKER_DESTINATION as BROKER_DESTINATION  # an event for the broker

PUBLISH_LAG = Gauge(
    "sealflow_broker_publish_lag_seconds", "Age of the oldest event not yet on the broker", ["service"]
)
OUTBOX_PENDING = Gauge("sealflow_broker_outbox_pending", "Events waiting for the broker", ["service"])
PUBLISHED = Counter("sealflow_broker_published_total", "Events the broker acknowledged", ["service"])
CONSUMER_LAG = Gauge(
    "sealflow_broker_consumer_pending", "Messages the consumer has not acknowledged yet", ["service"]
)
CONSUMED = Counter("sealflow_broker_consumed_total", "Messages applied or skipped", ["service", "status"])
PARKED = Counter("sealflow_broker_parked_total", "Poison messages parked for an admin", ["service"])


class BrokerUnavailable(Exception):
    """The broker cannot be reached now; the caller retries later and charges nobody an attempt."""


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message as the consumer sees it; `token` is the transport's own handle for acking."""

    event_type: str
    event_id: str
    body: bytes
    signature: str | None
    deliveries: int  # 1 on the first delivery; more after a crash or a lost ack
    token: object


@dataclass(frozen=True, slots=True)
class Parked:
    """A poison message set aside, with why."""

    ref: int  # the transport's id for it (a stream sequence)
    consumer: str
    event_type: str
    event_id: str
    reason: str
    body: bytes
    signature: str | None


class Transport(Protocol):
    """What the suite needs from a broker. Publish is acknowledged (returns once the broker has it);
    de-duplication by event id is the broker's where it can, and the inbox's always."""

    def connected(self) -> bool: ...

    async def connect(self) -> None:
        """Connect now if not yet (every call connects on demand too); raises `BrokerUnavailable`."""

    async def close(self) -> None: ...

    async def publish(self, event_type: str, event_id: uuid.UUID, body: bytes, signature: str) -> None:
        """Raises `BrokerUnavailable` when the broker cannot be reached, anything else when it refuses."""

    async def pull(
        self, consumer: str, event_types: Sequence[str], batch: int, wait_seconds: float
    ) -> list[Inbound]:
        """Up to `batch` messages for the durable `consumer` (created on first use), [] after `wait_seconds`."""

    async def ack(self, message: Inbound) -> None: ...

    async def extend(self, message: Inbound) -> None:
        """Still working on it: do not redeliver yet."""

    async def backlog(self, consumer: str) -> tuple[int, int]:
        """(messages not yet delivered, delivered but not acknowledged) of `consumer`; raises if the
        consumer is gone."""

    async def forget(self, consumer: str) -> None:
        """Drop the local subscription, so the next `pull` binds afresh (the watchdog's reset)."""

    async def park(self, consumer: str, message: Inbound, reason: str) -> None: ...

    async def parked(self, consumer: str, limit: int) -> list[Parked]: ...

    async def unpark(self, consumer: str, ref: int) -> Parked | None:
        """The parked message `ref`, or None; `drop_parked` removes it once replayed."""

    async def drop_parked(self, ref: int) -> None: ...


def subject_filter(prefix: str, event_types: Sequence[str]) -> str:
    """The narrowest single subject that covers `event_types` (NATS 2.9 takes one filter per consumer):
    `approval.task.created` + `approval.task.reminder` → `<prefix>.approval.task.>`. A consumer gets
    every type in one stream order, so an aggregate's events keep their order across types."""
    split = [t.split(".") for t in event_types]
    if len(split) == 1:
        return f"{prefix}.{event_types[0]}"
    common: list[str] = []
    for tokens in zip(*split, strict=False):
        if len(set(tokens)) != 1:
            break
        common.append(tokens[0])
    if any(len(tokens) == len(common) for tokens in split):
        common = common[:-1]  # `a.b` and `a.b.c`: `a.b.>` would miss `a.b` itself
    return ".".join([prefix, *common, ">"])


def transport_for(url: str, *, stream: str, subject_prefix: str, ack_wait_seconds: float) -> Transport:
    """The transport a `SEALFLOW_EVENT_BROKER` URL names."""
    if url.startswith(("nats://", "tls://")):
        from sealkit.broker.nats_jetstream import JetStreamTransport

        return JetStreamTransport(
            url, stream=stream, subject_prefix=subject_prefix, ack_wait_seconds=ack_wait_seconds
        )
    raise ValueError(f"unsupported event broker {url.split(':', 1)[0]!r}: nats:// (JetStream) is built in")
