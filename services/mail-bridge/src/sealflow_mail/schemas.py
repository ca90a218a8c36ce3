"""Wire models of the mail bridge's admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from sealflow_mail.domain import Outcome


class OutboundMail(BaseModel):
    """A mail the bridge sent or will send. `raw` (the whole message) is kept only in local mode, where
    this list is the mailbox you reply from."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    kind: str
    to_address: str
    subject: str
    task_id: UUID | None
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    in_reply_to: str | None
    payload: dict[str, Any]
    raw: str | None = None


class InboundMail(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    received_at: datetime
    source: str
    message_id: str | None
    from_address: str | None
    subject: str | None
    task_id: UUID | None
    outcome: Outcome | None  # null while the decision is being submitted
    detail: str | None
    decision: str | None
    comment: str | None
    processed_at: datetime | None
