"""Mail-bridge use cases. They run inside the caller's transaction and never commit."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_mail import repository as repo
from sealflow_mail.compose import subject_for
from sealflow_mail.config import MailSettings
from sealflow_mail.domain import (
    ContextView,
    MailKind,
    Outcome,
    Verdict,
    message_key,
    new_token,
    normalize_address,
    reply_reference,
    storable,
    token_hash,
    verdict,
)
from sealflow_mail.reading import Reading
from sealkit.contracts.approval import TaskCreated, TaskReminder
from sealkit.db import after_commit
from sealkit.sql import AnyRow
from sealkit.types import utcnow

log = logging.getLogger("sealflow_mail.service")
MAX_COMMENT = 4000
SUBMIT_LEASE = timedelta(seconds=60)


class Wakeups:
    """Wakes the sender as soon as a queued mail commits."""

    def __init__(self) -> None:
        self.sender = asyncio.Event()


def _mail_row(
    kind: MailKind,
    *,
    to: str,
    title: str,
    payload: dict[str, Any],
    now: datetime,
    task_id: UUID | None = None,
    context_id: UUID | None = None,
    inbound_id: UUID | None = None,
    secret: str | None = None,
    in_reply_to: str | None = None,
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "kind": kind,
        "to_address": to,
        "subject": subject_for(kind, title, payload.get("language"))[:400],
        "task_id": task_id,
        "context_id": context_id,
        "inbound_id": inbound_id,
        "payload": {"title": title, **payload},
        "secret": secret,
        "in_reply_to": in_reply_to,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


async def open_context(
    conn: AsyncConnection,
    wakeups: Wakeups,
    settings: MailSettings,
    *,
    kind: MailKind,
    purpose: str,
    task_id: UUID,
    request_id: UUID,
    approver_id: str,
    approver_email: str,
    title: str,
    payload: dict[str, Any],
) -> bool:
    """A context with a fresh token and the mail that carries it, in one transaction; once per purpose."""
    now = utcnow()
    token = new_token()
    expires_at = now + timedelta(hours=settings.context_ttl_hours)
    context_id = uuid.uuid4()
    address = normalize_address(approver_email) or approver_email
    created = await repo.insert_context(
        conn,
        {
            "id": context_id,
            "task_id": task_id,
            "request_id": request_id,
            "purpose": purpose,
            "approver_id": approver_id,
            "approver_email": address,
            "title": title[:200],
            "token_hash": token_hash(token),
            "expires_at": expires_at,
            "created_at": now,
        },
    )
    if not created:
        log.info("task %s already has a %s mail; not sending another", task_id, purpose)
        return False
    payload = {**payload, "expires_at": expires_at.strftime("%Y-%m-%d %H:%M UTC")}
    await repo.queue_mail(
        conn,
        _mail_row(
            kind,
            to=address,
            title=title,
            payload=payload,
            now=now,
            task_id=task_id,
            context_id=context_id,
            secret=token,
        ),
    )
    after_commit(conn, wakeups.sender.set)
    return True


async def on_task_created(
    conn: AsyncConnection, wakeups: Wakeups, settings: MailSettings, event: TaskCreated
) -> bool:
    if not event.email_approval or not event.approver_email:
        return False
    return await open_context(
        conn,
        wakeups,
        settings,
        kind="task",
        purpose="task",
        task_id=event.task_id,
        request_id=event.request_id,
        approver_id=event.approver_id,
        approver_email=event.approver_email,
        title=event.title,
        payload={
            "form": event.form,
            "group_name": event.group_name,
            "applicant_id": event.applicant_id,
            "deadline_at": event.deadline_at.strftime("%Y-%m-%d %H:%M UTC") if event.deadline_at else None,
        },
    )


async def on_task_reminder(
    conn: AsyncConnection, wakeups: Wakeups, settings: MailSettings, event: TaskReminder
) -> bool:
    if not event.email_approval or not event.approver_email:
        return False
    return await open_context(
        conn,
        wakeups,
        settings,
        kind="reminder",
        purpose=f"reminder:{event.reminder_number}",
        task_id=event.task_id,
        request_id=event.request_id,
        approver_id=event.approver_id,
        approver_email=event.approver_email,
        title=event.title,
        payload={"reminder_number": event.reminder_number, "form": {}},
    )


@dataclass(frozen=True, slots=True)
class Received:
    inbound_id: UUID
    outcome: Outcome | None  # None: a decision to submit to approval
    detail: str


async def receive(
    conn: AsyncConnection,
    wakeups: Wakeups,
    settings: MailSettings,
    reading: Reading,
    *,
    source: str,
) -> Received:
    """Record an inbound mail and decide what it is; a genuine decision claims its context and is leased
    for submission (the caller submits it after commit; the submit worker takes over if it cannot)."""
    now = utcnow()
    inbound_id = uuid.uuid4()
    row: dict[str, Any] = {
        "id": inbound_id,
        "received_at": now,
        "source": source,
        # mail is untrusted input: whatever it carries must not make the row unstorable
        "message_id": storable(reading.message_id, 998),
        "from_address": storable(reading.sender, 320),
        "subject": storable(reading.subject, 400),
        "decision": reading.decision,
        "comment": storable(reading.comment, MAX_COMMENT),
        "language": reading.language,
        "processed_at": now,
    }
    hashes = [token_hash(t) for t in reading.tokens]
    found = await repo.contexts_by_hashes(conn, hashes)
    context = found[0] if found else None
    if len(found) > 1:  # a reply quoting two of our mails: prefer the one its sender may use
        context = next((c for c in found if c.approver_email == reading.sender), found[0])
    judged: Verdict = verdict(
        auto_reply=reading.auto_reply,
        has_token=bool(reading.tokens),
        context=ContextView(context.approver_email, context.expires_at, context.used_at) if context else None,
        sender=reading.sender,
        dmarc_required=settings.trusted_authserv_id is not None,
        dmarc_ok=reading.dmarc_ok,
        now=now,
    )
    if context is not None:
        row.update(context_id=context.id, task_id=context.task_id)
    first = await repo.mark_seen(conn, message_key(reading.message_id, reading.raw), inbound_id, now)
    if first is not None:
        await repo.insert_inbound(
            conn, {**row, "outcome": "reused", "detail": f"same Message-ID as inbound mail {first}"}
        )
        return Received(inbound_id, "reused", "replayed Message-ID")
    outcome, detail = judged.outcome, judged.detail
    if outcome is None and reading.decision is None:
        outcome, detail = (
            "unparseable",
            "the first line is not a decision: 同意/APPROVE or 驳回/REJECT alone, or with a separator and a reason",
        )
    if (
        outcome is None
        and context is not None
        and not await repo.claim_context(conn, context.id, inbound_id, now)
    ):
        outcome, detail = "reused", "this mail's token was already used for a decision"
    if outcome is None:
        await repo.insert_inbound(
            conn, {**row, "detail": "submitting", "attempts": 1, "next_attempt_at": now + SUBMIT_LEASE}
        )
        return Received(inbound_id, None, "submitting")
    await repo.insert_inbound(conn, {**row, "outcome": outcome, "detail": detail})
    if context is not None and reading.sender == context.approver_email:
        if outcome == "unparseable":
            token = reading.matched_token(hashes, context.token_hash)
            await queue_notice(
                conn,
                wakeups,
                settings,
                "help",
                context,
                inbound_id,
                in_reply_to=reply_reference(row["message_id"]),
                token=token,
            )
        elif judged.notify:
            await queue_notice(
                conn,
                wakeups,
                settings,
                "settled",
                context,
                inbound_id,
                in_reply_to=reply_reference(row["message_id"]),
                reason=detail,
            )
    return Received(inbound_id, outcome, detail)


async def queue_notice(
    conn: AsyncConnection,
    wakeups: Wakeups,
    settings: MailSettings,
    kind: MailKind,
    context: AnyRow,
    inbound_id: UUID,
    *,
    in_reply_to: str | None,
    token: str | None = None,
    reason: str | None = None,
    extra: dict[str, Any] | None = None,
) -> bool:
    """A short answer to the approver's reply; help and settled notices are rate-limited per address.

    `context` is any row with the context's id, task_id, approver_email and title."""
    now = utcnow()
    if kind in ("help", "settled"):
        interval = timedelta(minutes=settings.help_interval_minutes)
        scope = kind if kind == "help" else f"{kind}:{context.task_id}"
        if not await repo.take_notice_slot(conn, context.approver_email, scope, now, interval):
            log.info("not sending another %s mail to %s this soon", kind, context.approver_email)
            return False
    await repo.queue_mail(
        conn,
        _mail_row(
            kind,
            to=context.approver_email,
            title=context.title,
            payload={"reason": reason, **(extra or {})},
            now=now,
            task_id=context.task_id,
            context_id=context.context_id if "context_id" in context._fields else context.id,
            inbound_id=inbound_id,
            secret=token,  # a help mail can be answered directly: it carries the same token
            in_reply_to=in_reply_to,
        ),
    )
    after_commit(conn, wakeups.sender.set)
    return True
