"""A small producer/consumer pair on the kit, for the broker tests: `item.changed` events per aggregate,
applied into a table that keeps the order of application (and would show a second application)."""

from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection

from sealkit.app import Runtime, create_service_app
from sealkit.contracts.base import Contract, Event
from sealkit.events import EventHandler
from sealkit.settings import ServiceSettings

ITEM_CHANGED = "item.changed"
metadata = sa.MetaData()
applied = sa.Table(
    "broker_test_applied",
    metadata,
    sa.Column("n", sa.BigInteger, sa.Identity(), primary_key=True),  # the order of application
    sa.Column("consumer", sa.Text, nullable=False),
    sa.Column("event_id", sa.Uuid, nullable=False),  # no unique key: a second application would show
    sa.Column("aggregate", sa.Text, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
)
# ids of aggregates whose events fail in the handler (a bug an admin fixes, then replays)
FAILING: set[str] = set()


class ItemChanged(Contract):
    aggregate: str
    seq: int


def handler(consumer: str) -> EventHandler[ItemChanged]:
    async def apply(conn: AsyncConnection, data: ItemChanged, event: Event, runtime: Runtime) -> None:
        if data.aggregate in FAILING:
            raise RuntimeError(f"cannot apply {data.aggregate} yet")
        await conn.execute(
            sa.insert(applied).values(
                consumer=consumer, event_id=event.id, aggregate=data.aggregate, seq=data.seq
            )
        )

    # the test producer is no suite service, so the handler names it as the source it takes
    return EventHandler(ITEM_CHANGED, ItemChanged, apply, sources=frozenset({"producer"}))


def build(service: str, settings: ServiceSettings, database_url: str, *, consumes: bool) -> FastAPI:
    return create_service_app(
        service=service,
        title=service,
        description="broker test app",
        settings=settings,
        routers=[],
        event_handlers=[handler(service)] if consumes else [],
        database_url=database_url,
    )


def create_consumer() -> FastAPI:
    """The consumer as its own process (`uvicorn --factory tests.broker_app:create_consumer`), set up
    from the environment: SEALFLOW_EVENT_BROKER*, BROKER_TEST_DATABASE_URL, BROKER_TEST_SERVICE."""
    settings: Any = ServiceSettings(env="test")
    return build(
        os.environ["BROKER_TEST_SERVICE"], settings, os.environ["BROKER_TEST_DATABASE_URL"], consumes=True
    )
