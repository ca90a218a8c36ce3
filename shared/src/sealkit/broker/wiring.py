"""How `create_service_app` puts the broker in: the outbox's destinations, the relay, the consumer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from sealkit.broker import BROKER_DESTINATION, Transport, transport_for
from sealkit.broker.consumer import BrokerConsumer
from sealkit.broker.relay import BrokerRelay
from sealkit.events import EventHandler
from sealkit.settings import ServiceSettings

if TYPE_CHECKING:
    from sealkit.app import Runtime

log = logging.getLogger("sealkit.broker")


def outbox_subscriptions(settings: ServiceSettings) -> list[tuple[str, str]]:
    """Where the service's own events go: every type to the broker when one is configured (its consumers
    subscribe; the producer lists none of them), else the SUBSCRIBERS URLs."""
    if not settings.event_broker:
        return settings.subscriptions()
    if settings.subscribers:
        log.warning("SEALFLOW_EVENT_BROKER is set: SEALFLOW_SUBSCRIBERS is ignored for the services' events")
    return [("*", BROKER_DESTINATION)]


def attach_broker(
    app: FastAPI,
    runtime: Runtime,
    *,
    service: str,
    handlers: Mapping[str, EventHandler[Any]],
    run_workers: bool,
) -> tuple[Transport | None, list[asyncio.Task[None]]]:
    """The transport (None without a broker) and the relay and consumer tasks of this process."""
    settings = runtime.settings
    if not settings.event_broker:
        return None, []
    transport = transport_for(
        settings.event_broker,
        stream=settings.event_broker_stream,
        subject_prefix=settings.event_broker_subject_prefix,
        ack_wait_seconds=settings.event_broker_ack_wait_seconds,
    )
    app.state.readiness_reports = {"broker": lambda: "connected" if transport.connected() else "disconnected"}
    consumer = None
    if handlers:
        consumer = BrokerConsumer(
            runtime, transport, handlers, name=service, service=service,
            max_deliveries=settings.event_broker_max_deliveries,
        )  # fmt: skip
        app.state.broker_consumer = consumer
    tasks: list[asyncio.Task[None]] = []
    if run_workers:
        relay = BrokerRelay(
            runtime.db, runtime.outbox, transport, service=service, secret=settings.event_secret,
            poll_seconds=settings.outbox_poll_seconds, max_attempts=settings.outbox_max_attempts,
        )  # fmt: skip
        tasks.append(asyncio.create_task(relay.run_forever(), name=f"{service}-broker-relay"))
        if consumer is not None:
            tasks.append(asyncio.create_task(consumer.run_forever(), name=f"{service}-broker-consumer"))
    return transport, tasks
