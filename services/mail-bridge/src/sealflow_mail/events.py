"""Event intake: `approval.task.created` and `approval.task.reminder` open a context and queue its mail,
in the intake's transaction (so each event id takes effect once). The kit has validated each event's data
against its contract before these run."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_mail import service
from sealflow_mail.config import MailSettings
from sealkit.app import Runtime
from sealkit.contracts.approval import TASK_CREATED, TASK_REMINDER, TaskCreated, TaskReminder
from sealkit.contracts.base import Event
from sealkit.events import EventHandler


async def task_created(conn: AsyncConnection, data: TaskCreated, _: Event, runtime: Runtime) -> None:
    wakeups = runtime.extra_as("wakeups", service.Wakeups)
    await service.on_task_created(conn, wakeups, runtime.settings_as(MailSettings), data)


async def task_reminder(conn: AsyncConnection, data: TaskReminder, _: Event, runtime: Runtime) -> None:
    wakeups = runtime.extra_as("wakeups", service.Wakeups)
    await service.on_task_reminder(conn, wakeups, runtime.settings_as(MailSettings), data)


HANDLERS: list[EventHandler[Any]] = [
    EventHandler(TASK_CREATED, TaskCreated, task_created),
    EventHandler(TASK_REMINDER, TaskReminder, task_reminder),
]
