"""Every service as its own uvicorn process on a throwaway PostgreSQL database, started on first use and
shared by the contract tests of one session (the fuzzing gate, the poison values)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from fastapi import FastAPI

from sealflow_approval.main import create_app as approval_app
from sealflow_mail.main import create_app as mail_app
from sealflow_orders.main import create_app as orders_app
from sealflow_ticketing.main import create_app as ticketing_app
from sealkit.auth import ROLES
from sealkit.testing import ServiceProcess, create_suite_databases, drop_suite_databases, free_port, token

FACTORIES: dict[str, tuple[Callable[[], FastAPI], str]] = {
    "approval": (approval_app, "sealflow_approval.main:create_app"),
    "ticketing": (ticketing_app, "sealflow_ticketing.main:create_app"),
    "orders": (orders_app, "sealflow_orders.main:create_app"),
    "mail-bridge": (mail_app, "sealflow_mail.main:create_app"),
}
T = TypeVar("T")
# every role, so a case reaches the handler rather than stopping at a role check
EVERY_ROLE_TOKEN = token("fuzzer", *sorted(ROLES), email="fuzzer@example.org")


def document(service: str) -> dict[str, Any]:
    """The service's OpenAPI document, built in-process (no server needed to collect tests from it)."""
    doc: dict[str, Any] = FACTORIES[service][0]().openapi()
    return doc


def _in_own_loop(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    # called from sync fixtures and tests, maybe while pytest-asyncio's loop exists: its own thread and loop
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(work())).result()


class LiveServices:
    def __init__(self) -> None:
        self._running: dict[str, tuple[ServiceProcess, str]] = {}

    def url(self, service: str) -> str:
        if service not in self._running:
            base = _in_own_loop(lambda: create_suite_databases(service))
            env = {
                "SEALFLOW_DATABASE_URL": base,
                "SEALFLOW_ENV": "test",
                # the API is what is tested; loops (timers, outbox, mail listener) would only compete for CPU
                "SEALFLOW_RUN_WORKERS": "false",
                "SEALFLOW_MAIL_LISTEN": f"127.0.0.1:{free_port()}",
                # orders raises its body limit to fit an upload; a small upload cap keeps the suite's limit
                "ORDERS_MAX_FILE_BYTES": "262144",
            }
            process = ServiceProcess(FACTORIES[service][1], env=env).start(timeout=60)
            self._running[service] = (process, base)
        return self._running[service][0].url

    def stop(self) -> None:
        for service, (process, base) in self._running.items():
            process.stop()
            _in_own_loop(functools.partial(drop_suite_databases, base, service))
        self._running.clear()
