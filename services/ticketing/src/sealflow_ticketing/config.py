"""Ticketing settings: the suite-wide SEALFLOW_* ones plus TICKETING_* of its own."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sealkit.settings import ServiceSettings


class TicketingSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="TICKETING_", extra="ignore", populate_by_name=True, frozen=True
    )

    timer_interval_seconds: float = Field(1.0, gt=0, description="overdue and lock-expiry timers")
    timer_batch: int = Field(100, ge=1)
    dispatch_enabled: bool = Field(True, description="assign queued tickets to available agents")
    dispatch_interval_seconds: float = Field(1.0, gt=0)
    dispatch_batch: int = Field(100, ge=1)
