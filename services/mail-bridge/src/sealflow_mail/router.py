"""Mail-bridge admin API: what was sent and what was received, with each inbound mail's outcome."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from sealflow_mail import access
from sealflow_mail import repository as repo
from sealflow_mail.domain import Outcome
from sealflow_mail.schemas import InboundMail, OutboundMail
from sealkit.auth import current_user
from sealkit.db import DbConn
from sealkit.pagination import Page, clamp_limit, page_of
from sealkit.problems import NotFound

# Authenticate before anything else, as every service's router does; then every route is the admin's.
router = APIRouter(prefix="/v1/mail", tags=["mail"], dependencies=[Depends(current_user), access.admin_only])


@router.get("/outbound", response_model=Page[OutboundMail], summary="Mails sent (or queued), newest first")
async def list_outbound(
    conn: DbConn,
    task_id: UUID | None = None,
    to: Annotated[str | None, Query(max_length=320)] = None,
    kind: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[OutboundMail]:
    limit = clamp_limit(limit)
    rows = await repo.list_outbound(
        conn, task_id=task_id, to=to, kind=kind, status=status, cursor=cursor, limit=limit
    )
    return page_of(rows, limit, OutboundMail.model_validate, lambda m: (m.created_at, m.id))


@router.get("/outbound/{mail_id}", response_model=OutboundMail, summary="One outgoing mail")
async def get_outbound(mail_id: UUID, conn: DbConn) -> OutboundMail:
    row = await repo.get_outbound(conn, mail_id)
    if row is None:
        raise NotFound("no outgoing mail with this id")
    return OutboundMail.model_validate(row)


@router.get("/inbound", response_model=Page[InboundMail], summary="Mails received and their outcome")
async def list_inbound(
    conn: DbConn,
    task_id: UUID | None = None,
    outcome: Outcome | None = None,
    sender: Annotated[str | None, Query(alias="from", max_length=320)] = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[InboundMail]:
    limit = clamp_limit(limit)
    rows = await repo.list_inbound(
        conn, task_id=task_id, outcome=outcome, sender=sender, cursor=cursor, limit=limit
    )
    return page_of(rows, limit, InboundMail.model_validate, lambda m: (m.received_at, m.id))
