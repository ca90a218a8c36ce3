"""The reminder timer: due reminder rows become events and notifications, one transaction per round,
rows taken with FOR UPDATE SKIP LOCKED so every replica can run it."""

from __future__ import annotations

from sealflow_orders.config import OrdersSettings
from sealflow_orders.service import reminders
from sealkit.app import Runtime, periodic
from sealkit.types import utcnow


async def reminder_timer(runtime: Runtime) -> None:
    settings = runtime.settings
    assert isinstance(settings, OrdersSettings)
    batch = settings.timer_batch

    async def round_() -> int:
        async with runtime.db.transaction() as conn:
            sent = await reminders.send_due(conn, runtime.outbox, now=utcnow(), limit=batch)
        return int(sent >= batch)  # a full batch: go again at once

    await periodic("reminders", settings.timer_interval_seconds, round_)
