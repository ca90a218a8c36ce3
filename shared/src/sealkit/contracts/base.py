"""The event envelope and the base of every contract."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from sealkit.contracts.types import UtcDateTime


class Contract(BaseModel):
    """Frozen and strict about unknown fields, so drift between services fails loudly."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Event(Contract):
    """What `POST /v1/events` carries: `{"id", "type", "occurred_at", "data"}`."""

    id: UUID
    type: str
    occurred_at: UtcDateTime
    data: dict[str, Any]
