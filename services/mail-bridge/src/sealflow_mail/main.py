"""The mail bridge: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

from fastapi import FastAPI

from sealflow_mail.config import MailSettings
from sealflow_mail.events import HANDLERS
from sealflow_mail.router import router
from sealflow_mail.workers import mail_workers, prepare
from sealkit.app import create_service_app

SERVICE = "mail-bridge"


def create_app(settings: MailSettings | None = None, *, database_url: str | None = None) -> FastAPI:
    return create_service_app(
        service=SERVICE,
        title="Sealflow mail bridge",
        description="Approval by e-mail: task mails with a per-task secret, replies over IMAP IDLE "
        "(or a local SMTP listener), verified and submitted to the approval service.",
        settings=settings or MailSettings(),
        routers=[router],
        event_handlers=HANDLERS,
        workers=[mail_workers],
        on_startup=prepare,
        database_url=database_url,
    )
