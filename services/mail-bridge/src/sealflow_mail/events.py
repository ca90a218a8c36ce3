"""Event intake: `approval.task.created` and `approval.task.reminder` open a context and queue its mail,
in the intake's transaction (so each event id takes effect once)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_mail import service
from sealflow_mail.workers import settings_of
from sealkit.app import Runtime
from sealkit.contracts.approval import TASK_CREATED, TASK_REMINDER, TaskCreated, TaskReminder
from sealkit.contracts.base import Event
from sealkit.events import Handler
from sealkit.problems import Unprocessable


def _runtime(state: Any) -> tuple[Runtime, service.Wakeups]:
    runtime: Runtime = state.runtime
    wakeups = runtime.extras["wakeups"]
    assert isinstance(wakeups, service.Wakeups)
    return runtime, wakeups


async def task_created(conn: AsyncConnection, event: Event, state: Any) -> None:
    runtime, wakeups = _runtime(state)
    try:
        data = TaskCreated.model_validate(event.data)
    except ValidationError as exc:
        raise Unprocessable(f"not a {TASK_CREATED} body: {exc.errors()[0]['msg']}") from exc
    await service.on_task_created(conn, wakeups, settings_of(runtime), data)


async def task_reminder(conn: AsyncConnection, event: Event, state: Any) -> None:
    runtime, wakeups = _runtime(state)
    try:
        data = TaskReminder.model_validate(event.data)
    except ValidationError as exc:
        raise Unprocessable(f"not a {TASK_REMINDER} body: {exc.errors()[0]['msg']}") from exc
    await service.on_task_reminder(conn, wakeups, settings_of(runtime), data)


HANDLERS: dict[str, Handler] = {TASK_CREATED: task_created, TASK_REMINDER: task_reminder}
