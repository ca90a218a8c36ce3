"""From a raw reply to a decision recorded in approval: read, record, submit, answer."""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal
from uuid import UUID

import httpx

from sealflow_mail import repository as repo
from sealflow_mail.config import MailSettings
from sealflow_mail.domain import Outcome, idempotency_key, reply_reference, storable
from sealflow_mail.reading import Reading, read_mail
from sealflow_mail.service import SUBMIT_LEASE, Received, Wakeups, queue_notice, receive
from sealkit.app import Runtime, being_cancelled
from sealkit.auth import service_token
from sealkit.contracts.approval import DecisionSubmission
from sealkit.db import Database
from sealkit.sql import AnyRow
from sealkit.types import utcnow

log = logging.getLogger("sealflow_mail.submit")
SERVICE = "mail-bridge"

Result = Literal["applied", "settled", "reused", "unknown", "failed", "transient"]


@dataclass(frozen=True, slots=True)
class Answer:
    result: Result
    detail: str
    request_status: str | None = None
    # The task as approval recorded it (200 answers): what the confirmation mail tells the approver.
    recorded: Mapping[str, Any] | None = None


_RECORDED_DECISIONS = {"approved": "approve", "rejected": "reject"}


def recorded_decision(row: AnyRow, answer: Answer) -> tuple[str, str | None]:
    """The decision and comment approval recorded, else the ones submitted (an answer without the task)."""
    task = answer.recorded
    if not task or task.get("status") not in _RECORDED_DECISIONS:
        return row.decision, row.comment
    comment = task.get("comment")
    return _RECORDED_DECISIONS[task["status"]], comment if isinstance(comment, str) and comment else None


class ApprovalClient:
    """`POST /v1/tasks/{id}/decision` with the service role, on the approver's behalf."""

    def __init__(self, http: httpx.AsyncClient, settings: MailSettings) -> None:
        self.http = http
        self.base = settings.approval_url.rstrip("/")
        self.token = service_token(SERVICE, secret=settings.jwt_secret, configured=settings.service_token)

    async def decide(
        self, task_id: UUID, *, decision: str, comment: str | None, approver_id: str, key: str
    ) -> Answer:
        body = DecisionSubmission.model_validate(
            {"decision": decision, "comment": comment, "channel": "email", "on_behalf_of": approver_id}
        )
        try:
            response = await self.http.post(
                f"{self.base}/v1/tasks/{task_id}/decision",
                content=body.model_dump_json(),
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Idempotency-Key": key,
                    "Content-Type": "application/json",
                },
            )
        except httpx.HTTPError as exc:
            return Answer("transient", f"approval unreachable: {type(exc).__name__}: {exc}"[:500])
        return _answer(response)


def _answer(response: httpx.Response) -> Answer:
    status = response.status_code
    try:
        data = response.json()
    except ValueError:
        data = {}
    detail = str(data.get("detail") or response.text[:300]) if isinstance(data, dict) else response.text[:300]
    if status == 200:
        task = data.get("task") if isinstance(data, dict) else None
        return Answer(
            "applied",
            "decision recorded",
            str(data.get("request_status") or ""),
            recorded=task if isinstance(task, dict) else None,
        )
    slug = str(data.get("type", "")).rsplit("/", 1)[-1] if isinstance(data, dict) else ""
    if status == 409:
        if slug == "idempotency-key-reused":
            return Answer("reused", "a decision from this mail was already recorded")
        return Answer("settled", f"approval: {detail}")
    if status == 404:
        return Answer("unknown", f"approval does not know the task: {detail}")
    if status in (408, 425, 429) or status >= 500:
        return Answer("transient", f"approval answered {status}: {detail}"[:500])
    return Answer("failed", f"approval refused the decision ({status}): {detail}"[:500])


_OUTCOME: dict[Result, Outcome] = {
    "applied": "applied",
    "settled": "expired",
    "reused": "reused",
    "unknown": "unknown_task",
    "failed": "failed",
}


class Pipeline:
    """The inbound path shared by the IMAP listener, the local SMTP listener and the retry worker."""

    def __init__(
        self, db: Database, settings: MailSettings, client: ApprovalClient, wakeups: Wakeups
    ) -> None:
        self.db, self.settings, self.client, self.wakeups = db, settings, client, wakeups

    @classmethod
    def of(cls, runtime: Runtime) -> Pipeline:
        return runtime.extra_as("pipeline", Pipeline)

    async def process(
        self,
        raw: bytes,
        *,
        source: str,
        position: tuple[str, int, int] | None = None,
        submit: bool = True,
    ) -> Received:
        """Record `raw` (and the IMAP position it came from, in the same transaction) and act on it.

        With `submit=False` a genuine decision is left for the caller to submit (`outcome` None)."""
        reading: Reading = read_mail(raw, trusted_authserv_id=self.settings.trusted_authserv_id)
        async with self.db.transaction() as conn:
            received = await receive(conn, self.wakeups, self.settings, reading, source=source)
            if position is not None:
                await repo.advance_uid(conn, *position, utcnow())
        log.info(
            "inbound mail %s from %s: %s",
            received.inbound_id,
            reading.sender,
            received.outcome or "submitting",
        )
        if received.outcome is None and submit:
            outcome = await self.submit(received.inbound_id)
            return Received(received.inbound_id, outcome, received.detail)
        return received

    async def submit_quietly(self, inbound_id: UUID) -> None:
        """`submit` for a background task: a failure is logged and left to the retry worker."""
        try:
            await self.submit(inbound_id)
        except Exception:
            if being_cancelled():
                raise asyncio.CancelledError from None
            log.exception("submitting inbound mail %s failed; the retry worker will take it", inbound_id)

    async def record_unprocessable(
        self, *, source: str, position: tuple[str, int, int] | None, error: str
    ) -> None:
        """Last resort for a mail that made processing fail again and again: record it as `failed` and
        move past it, so one poisonous mail cannot stop a mailbox."""
        now = utcnow()
        async with self.db.transaction() as conn:
            await repo.insert_inbound(
                conn,
                {
                    "id": uuid.uuid4(),
                    "received_at": now,
                    "source": source,
                    "outcome": "failed",
                    "detail": storable(f"could not process this mail: {error}", 1000),
                    "processed_at": now,
                },
            )
            if position is not None:
                await repo.advance_uid(conn, *position, now)

    async def submit(self, inbound_id: UUID) -> Outcome | None:
        """Post the decision; returns its outcome, or None when it is left for a retry."""
        async with self.db.transaction() as conn:
            row = await repo.submission(conn, inbound_id)
        if row is None or row.outcome is not None or row.decision is None:
            return row.outcome if row is not None else None
        return await self.submit_row(row)

    async def submit_row(self, row: AnyRow) -> Outcome | None:
        answer = await self.client.decide(
            row.task_id,
            decision=row.decision,
            comment=row.comment,
            approver_id=row.approver_id,
            key=idempotency_key(row.context_id),
        )
        return await self._finish(row, answer)

    async def _finish(self, row: AnyRow, answer: Answer) -> Outcome | None:
        now = utcnow()
        async with self.db.transaction() as conn:
            if answer.result == "transient" and row.attempts < self.settings.submit_max_attempts:
                delay = (
                    self.settings.submit_retry_seconds * 2 ** (row.attempts - 1) * random.uniform(0.8, 1.2)
                )
                await repo.settle_inbound(
                    conn, row.id, detail=answer.detail, next_attempt_at=now + timedelta(seconds=delay)
                )
                log.warning("decision of inbound mail %s not submitted yet: %s", row.id, answer.detail)
                return None
            outcome: Outcome = _OUTCOME.get(answer.result, "failed")
            if not await repo.finish_inbound(conn, row.id, outcome, answer.detail, now):
                return outcome  # another worker finished it first
            if outcome == "failed":
                # Nothing was recorded: the approver may try again with the same mail's token.
                await repo.release_context(conn, row.context_id)
            elif outcome == "applied":
                decision, comment = recorded_decision(row, answer)
                extra = {
                    "decision": decision,
                    "comment": comment,
                    "request_status": answer.request_status,
                    "language": row.language,
                }
                await queue_notice(
                    conn,
                    self.wakeups,
                    self.settings,
                    "confirmation",
                    row,
                    row.id,
                    in_reply_to=reply_reference(row.message_id),
                    extra=extra,
                )
            elif outcome == "expired":
                await queue_notice(
                    conn,
                    self.wakeups,
                    self.settings,
                    "settled",
                    row,
                    row.id,
                    in_reply_to=reply_reference(row.message_id),
                    reason=answer.detail,
                )
        return outcome

    async def retry_due(self, limit: int = 20) -> int:
        """Submit decisions whose earlier attempt failed or whose process died mid-way."""
        async with self.db.transaction() as conn:
            rows = await repo.due_submissions(conn, utcnow(), SUBMIT_LEASE, limit)
        for row in rows:
            await self.submit(row.id)
        return len(rows)
