"""Ticketing timers: overdue flags, lapsed locks and automatic dispatch, as rows picked up with
FOR UPDATE SKIP LOCKED, so every replica can run them at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_ticketing import service
from sealflow_ticketing.config import TicketingSettings
from sealkit.app import Runtime, periodic
from sealkit.types import utcnow

Round = Callable[[AsyncConnection], Awaitable[int]]


def rounds(runtime: Runtime) -> dict[str, tuple[float, int, Round]]:
    """name: (interval seconds, batch, one round in a transaction) for every timer this service runs."""
    settings = runtime.settings_as(TicketingSettings)
    timer, batch = settings.timer_interval_seconds, settings.timer_batch
    out: dict[str, tuple[float, int, Round]] = {
        "overdue": (
            timer,
            batch,
            lambda conn: service.flag_overdue(conn, runtime.outbox, now=utcnow(), limit=batch),
        ),
        "locks": (timer, batch, lambda conn: service.expire_locks(conn, now=utcnow(), limit=batch)),
    }
    size = settings.dispatch_batch
    out["dispatch"] = (
        settings.dispatch_interval_seconds,
        size,
        lambda conn: service.dispatch_round(conn, now=utcnow(), limit=size),
    )
    return out


def step(runtime: Runtime, batch: int, one_round: Round) -> Callable[[], Awaitable[int]]:
    """One transaction per round; a full batch asks `periodic` to go again at once."""

    async def run() -> int:
        async with runtime.db.transaction() as conn:
            done = await one_round(conn)
        return int(done >= batch)

    return run


async def timers(runtime: Runtime) -> None:
    settings = runtime.settings_as(TicketingSettings)
    await asyncio.gather(
        *(
            periodic(name, interval, step(runtime, batch, one_round))
            for name, (interval, batch, one_round) in rounds(runtime).items()
            if name != "dispatch" or settings.dispatch_enabled
        )
    )
