"""Approval timers: deadlines and reminders, as rows picked up with FOR UPDATE SKIP LOCKED."""

from __future__ import annotations

import asyncio

from sealflow_approval import service
from sealflow_approval.config import ApprovalSettings
from sealkit.app import Runtime, periodic
from sealkit.types import utcnow


async def timers(runtime: Runtime) -> None:
    settings = runtime.settings_as(ApprovalSettings)

    async def deadlines() -> int:
        async with runtime.db.transaction() as conn:
            done = await service.apply_deadlines(
                conn, runtime.outbox, now=utcnow(), limit=settings.timer_batch
            )
        return done >= settings.timer_batch

    async def reminders() -> int:
        async with runtime.db.transaction() as conn:
            done = await service.send_reminders(
                conn, runtime.outbox, now=utcnow(), limit=settings.timer_batch
            )
        return done >= settings.timer_batch

    await asyncio.gather(
        periodic("deadlines", settings.timer_interval_seconds, deadlines),
        periodic("reminders", settings.timer_interval_seconds, reminders),
    )
