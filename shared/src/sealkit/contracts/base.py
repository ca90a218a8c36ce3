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
    """What `POST /v1/events` carries: `{"id", "type", "source", "occurred_at", "data"}`.

    `type` and `source` (the producing service) are inside the signed body, so a receiver can refuse an
    event it does not subscribe to, or one from a service that does not produce that type.
    """

    id: UUID
    type: str
    source: str
    occurred_at: UtcDateTime
    data: dict[str, Any]
