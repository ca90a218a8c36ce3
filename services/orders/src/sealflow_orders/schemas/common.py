"""What every orders schema module shares."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class In(BaseModel):
    """A request body: unknown fields are a 422, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")
