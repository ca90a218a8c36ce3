"""Mail-bridge fixtures: a real Dovecot + SMTP relay, the approval service as a real process, and the
bridge itself served live in the test's event loop (its /v1/events must be reachable by approval)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from sealflow_mail.config import MailSettings
from sealflow_mail.main import create_app
from sealkit.testing import (
    ServiceProcess,
    create_suite_databases,
    drop_suite_databases,
    free_port,
    live_server,
)

from .mailrig import DOMAIN, MailRig, mail_rig

BRIDGE_USER = f"bridge@{DOMAIN}"


@dataclass
class Bridge:
    url: str
    app: FastAPI
    settings: MailSettings
    database_url: str


def make_settings(**overrides: Any) -> MailSettings:
    values: dict[str, Any] = {
        "env": "test",
        "mail_from": f"Sealflow <{BRIDGE_USER}>",
        "reply_address": BRIDGE_USER,
        "sender_poll_seconds": 0.2,
        "sender_backoff_seconds": 0.2,
        "outbox_poll_seconds": 0.1,
        "imap_rescan_seconds": 5.0,
        "imap_timeout_seconds": 10.0,
        "submit_retry_seconds": 0.5,
        "help_interval_minutes": 60.0,
        "local_listener": False,
    }
    values.update(overrides)
    return MailSettings(**values)


@pytest.fixture(scope="session")
def rig() -> Iterator[MailRig]:
    # Not pytest's tmp_path: another pytest run (other services' tests run beside ours) resets
    # /tmp/pytest-of-<user> to 0700, which locks Dovecot's unprivileged processes out mid-session.
    # A short path also keeps Dovecot's unix sockets under their ~107-byte limit.
    root = Path(tempfile.mkdtemp(prefix="sfmail-", dir="/tmp"))
    try:
        with mail_rig(root) as started:
            yield started
    except RuntimeError as exc:
        if "not installed" in str(exc):
            pytest.fail(str(exc), pytrace=False)  # fail loudly, never skip
        raise
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
async def suite_base() -> AsyncIterator[str]:
    base = await create_suite_databases("approval", "mail-bridge")
    yield base
    await drop_suite_databases(base, "approval", "mail-bridge")


@pytest.fixture(scope="session")
def bridge_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def approval(suite_base: str, bridge_port: int) -> Iterator[ServiceProcess]:
    events = f"http://127.0.0.1:{bridge_port}/v1/events"
    process = ServiceProcess(
        "sealflow_approval.main:create_app",
        env={
            "SEALFLOW_ENV": "test",
            "SEALFLOW_DATABASE_URL": suite_base,
            "SEALFLOW_SUBSCRIBERS": f"approval.task.created={events},approval.task.reminder={events}",
            "SEALFLOW_OUTBOX_POLL_SECONDS": "0.1",
            "SEALFLOW_OUTBOX_BACKOFF_SECONDS": "0.2",
            "APPROVAL_REMINDER_INTERVAL_MINUTES": "0",
        },
    ).start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
async def bridge(
    rig: MailRig, suite_base: str, approval: ServiceProcess, bridge_port: int
) -> AsyncIterator[Bridge]:
    """The bridge wired to the rig: SMTP out through the relay, IMAP IDLE on bridge@example.test."""
    settings = make_settings(
        database_url=suite_base,
        smtp_url=rig.smtp_url,
        imap_url=rig.imap_url(BRIDGE_USER),
        approval_url=approval.url,
    )
    app = create_app(settings)
    async with live_server(app, port=bridge_port) as url:
        yield Bridge(url=url, app=app, settings=settings, database_url=suite_base)
