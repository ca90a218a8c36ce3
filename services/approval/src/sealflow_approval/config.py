"""Approval settings: the suite-wide SEALFLOW_* ones plus APPROVAL_* of its own."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sealkit.settings import ServiceSettings


class ApprovalSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="APPROVAL_", extra="ignore", populate_by_name=True, frozen=True
    )

    reminder_interval_minutes: int = Field(1440, ge=0, description="0 turns reminders off")
    timer_interval_seconds: float = Field(1.0, gt=0)
    timer_batch: int = Field(100, ge=1)
