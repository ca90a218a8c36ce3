"""The one worker loop: every timer, queue and dispatcher in the suite runs its rounds through `periodic`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("sealkit.loops")


def being_cancelled() -> bool:
    """True when the current task was asked to stop, even if its CancelledError turned into another error
    on the way out (SQLAlchemy's pool can raise MissingGreenlet while a connection is being returned)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def periodic(
    name: str,
    interval: float,
    step: Callable[[], Awaitable[int | bool | None]],
    *,
    wakeup: asyncio.Event | None = None,
) -> None:
    """Run `step` until cancelled. A step that answers truthy (it did a full batch) runs again at once;
    otherwise the loop sleeps `interval`, or less when `wakeup` is set. A failed round is logged and
    survived, unless the task is being cancelled: then the loop ends, whatever error the cancellation
    turned into."""
    while True:
        try:
            busy = await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            if being_cancelled():
                raise asyncio.CancelledError from None
            log.exception("worker %s failed a round", name)
            busy = None
        if busy:
            continue
        if wakeup is None:
            await asyncio.sleep(interval)
            continue
        wakeup.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), interval)
