"""File bodies (docs/api.md "Files")."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel


class FileOut(BaseModel):
    id: UUID
    sha256: str
    size: int
    content_type: str  # what the bytes are (sniffed), not what the client said
    filename: str
    declared_type: str | None
    created_at: datetime
