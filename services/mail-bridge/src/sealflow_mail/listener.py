"""Local mode's inbound path: an SMTP listener (aiosmtpd) in the app's own event loop that takes replies
directly and runs each through the pipeline before answering 250, so an accepted mail is recorded."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP

from sealflow_mail.submit import Pipeline

log = logging.getLogger("sealflow_mail.listener")
MAX_MESSAGE_BYTES = 10 * 1024 * 1024


class ReplyHandler:
    """aiosmtpd handler: every recipient is accepted (the reply token decides), each DATA is processed."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.original_content or b""
        try:
            received = await self.pipeline.process(raw, source="smtp")
        except Exception:
            log.exception("could not record a reply from %s", envelope.mail_from)
            return "451 4.3.0 temporary failure, try again later"
        return f"250 OK {received.outcome or 'queued'}"


async def start_listener(pipeline: Pipeline, host: str, port: int) -> asyncio.AbstractServer:
    handler = ReplyHandler(pipeline)
    loop = asyncio.get_running_loop()

    def factory() -> SMTP:
        return SMTP(
            handler, data_size_limit=MAX_MESSAGE_BYTES, enable_SMTPUTF8=True, hostname="sealflow-mail-bridge"
        )

    # No SO_REUSEPORT: with it, a second suite on this machine would silently share (and steal) replies.
    server = await loop.create_server(factory, host=host, port=port)
    log.info("local SMTP listener for replies on %s:%d", host, port)
    return server
