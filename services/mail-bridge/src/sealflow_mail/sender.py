"""The outgoing mail queue's worker: lease due mails, render, send over SMTP (or keep them in the local
sink), record sent / retry with backoff / dead. Same lease + SKIP LOCKED pattern as sealkit's outbox,
so any number of replicas share the queue and a mail is sent once unless a process dies mid-send."""

from __future__ import annotations

import contextlib
import logging
import random
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import aiosmtplib

from sealflow_mail import repository as repo
from sealflow_mail.compose import Headers, render
from sealflow_mail.config import MailSettings, SmtpConfig, split_address
from sealflow_mail.domain import notice_message_id, plus_address, token_message_id
from sealflow_mail.service import Wakeups
from sealkit.app import periodic
from sealkit.db import Database
from sealkit.sql import AnyRow
from sealkit.types import utcnow

log = logging.getLogger("sealflow_mail.sender")
LEASE = timedelta(seconds=120)
MAX_BACKOFF_SECONDS = 3600.0


def compose(row: AnyRow, settings: MailSettings) -> EmailMessage:
    """The message for a queued row; deterministic headers, so a retry sends the same Message-ID."""
    _, domain = split_address(settings.reply_address)
    token: str | None = row.secret
    headers = Headers(
        mail_from=settings.mail_from,
        to=row.to_address,
        task_id=str(row.task_id) if row.task_id else None,
        message_id=token_message_id(token, row.id, domain) if token else notice_message_id(row.id, domain),
        reply_to=plus_address(settings.reply_address, token) if token else None,
        in_reply_to=row.in_reply_to,
        references=row.in_reply_to,
    )
    return render(row.kind, row.payload, row.subject, headers)


class _Permanent(Exception):
    pass


class Sender:
    def __init__(self, db: Database, settings: MailSettings, wakeups: Wakeups) -> None:
        self.db, self.settings, self.wakeups = db, settings, wakeups
        self.smtp: SmtpConfig | None = settings.smtp

    async def run_forever(self) -> None:
        """Send due mail; a full batch goes again at once, else it waits for a queued mail or the poll."""

        async def full_round() -> bool:
            return await self.run_once() >= self.settings.sender_batch

        await periodic("sender", self.settings.sender_poll_seconds, full_round, wakeup=self.wakeups.sender)

    async def run_once(self) -> int:
        async with self.db.transaction() as conn:
            rows = await repo.due_mail(conn, utcnow(), LEASE, self.settings.sender_batch)
        if not rows:
            return 0
        results = await self._deliver(rows)
        async with self.db.transaction() as conn:
            for row, (error, permanent, raw) in zip(rows, results, strict=True):
                await repo.record_mail_result(conn, row.id, self._outcome(row, error, permanent, raw))
                if error is None and row.context_id is not None and row.kind in ("task", "reminder"):
                    await repo.mark_context_sent(conn, row.context_id, utcnow())
        return len(rows)

    async def _deliver(self, rows: list[AnyRow] | Any) -> list[tuple[str | None, bool, str | None]]:
        messages: list[EmailMessage | Exception] = []
        for row in rows:
            try:
                messages.append(compose(row, self.settings))
            except Exception as exc:  # a template bug must park this mail, not stop the queue
                log.exception("could not render mail %s", row.id)
                messages.append(exc)
        if self.smtp is None:
            return [
                (f"render: {m}", True, None) if isinstance(m, Exception) else (None, False, m.as_string())
                for m in messages
            ]
        return await self._smtp_send(self.smtp, messages)

    async def _smtp_send(
        self, cfg: SmtpConfig, messages: list[EmailMessage | Exception]
    ) -> list[tuple[str | None, bool, str | None]]:
        client = aiosmtplib.SMTP(
            hostname=cfg.host,
            port=cfg.port,
            username=cfg.username,
            password=cfg.password,
            use_tls=cfg.use_tls,
            start_tls=cfg.start_tls,  # explicit: aiosmtplib's default would try STARTTLS opportunistically
            timeout=self.settings.smtp_timeout_seconds,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            error = f"SMTP connect: {type(exc).__name__}: {exc}"[:1000]
            return [
                (f"render: {m}", True, None) if isinstance(m, Exception) else (error, False, None)
                for m in messages
            ]
        results: list[tuple[str | None, bool, str | None]] = []
        try:
            for message in messages:
                if isinstance(message, Exception):
                    results.append((f"render: {message}", True, None))
                    continue
                try:
                    await client.send_message(message)
                    results.append((None, False, None))
                except aiosmtplib.SMTPRecipientsRefused as exc:
                    permanent = all(r.code >= 500 for r in exc.recipients)
                    results.append((f"recipient refused: {exc}"[:1000], permanent, None))
                except aiosmtplib.SMTPResponseException as exc:
                    results.append((f"SMTP {exc.code}: {exc.message}"[:1000], exc.code >= 500, None))
                except (aiosmtplib.SMTPException, OSError) as exc:
                    results.append((f"SMTP: {type(exc).__name__}: {exc}"[:1000], False, None))
                    if not client.is_connected:
                        with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                            await client.connect()
        finally:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await client.quit()
        return results

    def _outcome(self, row: AnyRow, error: str | None, permanent: bool, raw: str | None) -> dict[str, Any]:
        now = utcnow()
        attempts = row.attempts + 1
        if error is None:
            # The token leaves the database once it has left in the mail (the local sink keeps the mail).
            return {
                "status": "sent",
                "attempts": attempts,
                "sent_at": now,
                "last_error": None,
                "secret": None,
                "raw": raw,
            }
        if permanent or attempts >= self.settings.sender_max_attempts:
            log.warning("mail %s to %s parked after %d attempts: %s", row.id, row.to_address, attempts, error)
            return {"status": "dead", "attempts": attempts, "last_error": error, "secret": None}
        delay = min(self.settings.sender_backoff_seconds * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
        delay *= random.uniform(0.8, 1.2)
        return {"attempts": attempts, "last_error": error, "next_attempt_at": now + timedelta(seconds=delay)}
