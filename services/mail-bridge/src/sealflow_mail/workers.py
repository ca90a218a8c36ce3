"""Mail-bridge workers: the mail sender, the submission retry loop, the IMAP listener and, in local mode,
the SMTP listener for replies."""

from __future__ import annotations

import asyncio
import logging

from sealflow_mail.config import MailSettings
from sealflow_mail.imap import ImapListener
from sealflow_mail.listener import start_listener
from sealflow_mail.sender import Sender
from sealflow_mail.service import Wakeups
from sealflow_mail.submit import ApprovalClient, Pipeline
from sealkit.app import Runtime, periodic

log = logging.getLogger("sealflow_mail.workers")


async def prepare(runtime: Runtime) -> None:
    """on_startup: validate the mail configuration and build the pipeline the handlers and workers share."""
    settings = runtime.settings_as(MailSettings)
    settings.check()
    wakeups = Wakeups()
    runtime.extras["wakeups"] = wakeups
    runtime.extras["pipeline"] = Pipeline(
        runtime.db, settings, ApprovalClient(runtime.http, settings), wakeups
    )


async def mail_workers(runtime: Runtime) -> None:
    settings = runtime.settings_as(MailSettings)
    pipeline = Pipeline.of(runtime)
    jobs = [
        Sender(runtime.db, settings, pipeline.wakeups).run_forever(),
        periodic("submit-retry", settings.submit_retry_seconds, pipeline.retry_due),
    ]
    imap = settings.imap
    if imap is not None:
        listener = ImapListener(imap, settings, pipeline, runtime.db)
        runtime.extras["imap"] = listener
        jobs.append(listener.run_forever())
    server = None
    if settings.run_listener:
        host, port = settings.listen_address
        try:
            server = await start_listener(pipeline, host, port)
            runtime.extras["smtp_listener"] = server
        except OSError as exc:  # e.g. another worker process of this service already listens there
            log.warning("no SMTP listener on %s:%d (%s); replies go to whoever holds it", host, port, exc)
    try:
        await asyncio.gather(*jobs)
    finally:
        if server is not None:
            server.close()
            await server.wait_closed()
