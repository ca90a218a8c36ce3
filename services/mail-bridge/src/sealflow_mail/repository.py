"""Every mail-bridge query (SQLAlchemy Core on the request's or worker's connection)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_mail.models import contexts, imap_state, inbound, notice_limits, outbound, seen_messages
from sealkit.pagination import newest_first
from sealkit.sql import AnyRow, AnySelect, Rows, for_update, insert_ignoring_conflicts


async def insert_context(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    """False when the task already has a context for this purpose (a repeated or re-sent event)."""
    done = await conn.execute(insert_ignoring_conflicts(conn, contexts, values).returning(contexts.c.id))
    return done.first() is not None


async def queue_mail(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(sa.insert(outbound).values(**values))


async def contexts_by_hashes(conn: AsyncConnection, hashes: list[str]) -> Rows:
    if not hashes:
        return []
    stmt = sa.select(contexts).where(contexts.c.token_hash.in_(hashes))
    return (await conn.execute(for_update(stmt))).all()


async def claim_context(conn: AsyncConnection, context_id: UUID, inbound_id: UUID, now: datetime) -> bool:
    """Single use, decided in the database: only one mail can take an unused context."""
    done = await conn.execute(
        sa.update(contexts)
        .where(contexts.c.id == context_id, contexts.c.used_at.is_(None))
        .values(used_at=now, used_by=inbound_id)
        .returning(contexts.c.id)
    )
    return done.first() is not None


async def mark_seen(conn: AsyncConnection, key: str, inbound_id: UUID, now: datetime) -> UUID | None:
    """Record a Message-ID; returns the inbound mail that had it first, or None when it is new."""
    done = await conn.execute(
        insert_ignoring_conflicts(
            conn, seen_messages, {"message_key": key, "inbound_id": inbound_id, "seen_at": now}
        ).returning(seen_messages.c.message_key)
    )
    if done.first() is not None:
        return None
    first = await conn.execute(
        sa.select(seen_messages.c.inbound_id).where(seen_messages.c.message_key == key)
    )
    inbound_id_first: UUID = first.scalar_one()
    return inbound_id_first


async def insert_inbound(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(sa.insert(inbound).values(**values))


async def settle_inbound(conn: AsyncConnection, inbound_id: UUID, **values: Any) -> None:
    await conn.execute(sa.update(inbound).where(inbound.c.id == inbound_id).values(**values))


async def finish_inbound(
    conn: AsyncConnection, inbound_id: UUID, outcome: str, detail: str, now: datetime
) -> bool:
    done = await conn.execute(
        sa.update(inbound)
        .where(inbound.c.id == inbound_id, inbound.c.outcome.is_(None))
        .values(outcome=outcome, detail=detail, next_attempt_at=None, processed_at=now)
        .returning(inbound.c.id)
    )
    return done.first() is not None


async def due_submissions(conn: AsyncConnection, now: datetime, lease: timedelta, limit: int) -> Rows:
    """Decisions not yet accepted by approval whose lease ran out; leased again for this worker."""
    stmt = (
        sa.select(inbound.c.id)
        .where(inbound.c.outcome.is_(None), inbound.c.next_attempt_at <= now)
        .order_by(inbound.c.next_attempt_at)
        .limit(limit)
    )
    ids = [r.id for r in (await conn.execute(for_update(stmt, skip_locked=True))).all()]
    if not ids:
        return []
    leased: Rows = (
        await conn.execute(
            sa.update(inbound)
            .where(inbound.c.id.in_(ids))
            .values(next_attempt_at=now + lease, attempts=inbound.c.attempts + 1)
            .returning(inbound)
        )
    ).all()
    return leased


async def submission(conn: AsyncConnection, inbound_id: UUID) -> AnyRow | None:
    stmt = (
        sa.select(
            inbound,
            contexts.c.approver_id,
            contexts.c.approver_email,
            contexts.c.title,
            contexts.c.request_id,
        )
        .join(contexts, contexts.c.id == inbound.c.context_id)
        .where(inbound.c.id == inbound_id)
    )
    return (await conn.execute(stmt)).first()


async def release_context(conn: AsyncConnection, context_id: UUID) -> None:
    await conn.execute(
        sa.update(contexts).where(contexts.c.id == context_id).values(used_at=None, used_by=None)
    )


async def mark_context_sent(conn: AsyncConnection, context_id: UUID, now: datetime) -> None:
    await conn.execute(sa.update(contexts).where(contexts.c.id == context_id).values(sent_at=now))


async def take_notice_slot(
    conn: AsyncConnection, address: str, kind: str, now: datetime, interval: timedelta
) -> bool:
    """True when no notice of `kind` went to `address` within `interval` (and books this one)."""
    booked = await conn.execute(
        insert_ignoring_conflicts(
            conn, notice_limits, {"address": address, "kind": kind, "last_sent_at": now}
        ).returning(notice_limits.c.address)
    )
    if booked.first() is not None:
        return True
    updated = await conn.execute(
        sa.update(notice_limits)
        .where(
            notice_limits.c.address == address,
            notice_limits.c.kind == kind,
            notice_limits.c.last_sent_at <= now - interval,
        )
        .values(last_sent_at=now)
        .returning(notice_limits.c.address)
    )
    return updated.first() is not None


# --- outgoing queue -------------------------------------------------------------------------------


async def due_mail(conn: AsyncConnection, now: datetime, lease: timedelta, limit: int) -> Rows:
    stmt = (
        sa.select(outbound.c.id)
        .where(outbound.c.status == "pending", outbound.c.next_attempt_at <= now)
        .order_by(outbound.c.next_attempt_at)
        .limit(limit)
    )
    ids = [r.id for r in (await conn.execute(for_update(stmt, skip_locked=True))).all()]
    if not ids:
        return []
    leased: Rows = (
        await conn.execute(
            sa.update(outbound)
            .where(outbound.c.id.in_(ids))
            .values(next_attempt_at=now + lease)
            .returning(outbound)
        )
    ).all()
    return leased


async def record_mail_result(conn: AsyncConnection, mail_id: UUID, values: dict[str, Any]) -> None:
    await conn.execute(sa.update(outbound).where(outbound.c.id == mail_id).values(**values))


# --- IMAP high-water mark -------------------------------------------------------------------------


async def last_uid(conn: AsyncConnection, mailbox: str, uidvalidity: int) -> int:
    found = await conn.execute(
        sa.select(imap_state.c.last_uid).where(
            imap_state.c.mailbox == mailbox, imap_state.c.uidvalidity == uidvalidity
        )
    )
    value = found.scalar_one_or_none()
    return int(value) if value is not None else 0


async def advance_uid(conn: AsyncConnection, mailbox: str, uidvalidity: int, uid: int, now: datetime) -> None:
    values = {"mailbox": mailbox, "uidvalidity": uidvalidity, "last_uid": uid, "updated_at": now}
    if not await _insert_imap_state(conn, values):
        await conn.execute(
            sa.update(imap_state)
            .where(
                imap_state.c.mailbox == mailbox,
                imap_state.c.uidvalidity == uidvalidity,
                imap_state.c.last_uid < uid,
            )
            .values(last_uid=uid, updated_at=now)
        )


async def _insert_imap_state(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    done = await conn.execute(
        insert_ignoring_conflicts(conn, imap_state, values).returning(imap_state.c.last_uid)
    )
    return done.first() is not None


# --- admin lists ----------------------------------------------------------------------------------


async def list_outbound(
    conn: AsyncConnection,
    *,
    task_id: UUID | None,
    to: str | None,
    kind: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> Rows:
    stmt: AnySelect = sa.select(outbound)
    if task_id:
        stmt = stmt.where(outbound.c.task_id == task_id)
    if to:
        stmt = stmt.where(outbound.c.to_address == to.strip().lower())
    if kind:
        stmt = stmt.where(outbound.c.kind == kind)
    if status:
        stmt = stmt.where(outbound.c.status == status)
    stmt = newest_first(stmt, outbound.c.created_at, outbound.c.id, cursor=cursor, limit=limit)
    return (await conn.execute(stmt)).all()


async def get_outbound(conn: AsyncConnection, mail_id: UUID) -> AnyRow | None:
    return (await conn.execute(sa.select(outbound).where(outbound.c.id == mail_id))).first()


async def list_inbound(
    conn: AsyncConnection,
    *,
    task_id: UUID | None,
    outcome: str | None,
    sender: str | None,
    cursor: str | None,
    limit: int,
) -> Rows:
    stmt: AnySelect = sa.select(inbound)
    if task_id:
        stmt = stmt.where(inbound.c.task_id == task_id)
    if outcome:
        stmt = stmt.where(inbound.c.outcome == outcome)
    if sender:
        stmt = stmt.where(inbound.c.from_address == sender.strip().lower())
    stmt = newest_first(stmt, inbound.c.received_at, inbound.c.id, cursor=cursor, limit=limit)
    return (await conn.execute(stmt)).all()
