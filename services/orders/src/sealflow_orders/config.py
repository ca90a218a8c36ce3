"""Orders settings: the suite-wide SEALFLOW_* ones plus ORDERS_* of its own."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import SettingsConfigDict

from sealkit.settings import ServiceSettings


def _suite(name: str) -> Any:
    return AliasChoices(f"SEALFLOW_{name}", name.lower())


class OrdersSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ORDERS_", extra="ignore", populate_by_name=True, frozen=True
    )

    # where the peers are (make run sets them) and where they reach us back (callbacks, provider updates)
    approval_url: str | None = Field(None, validation_alias=_suite("APPROVAL_URL"))
    ticketing_url: str | None = Field(None, validation_alias=_suite("TICKETING_URL"))
    public_url: str = Field("http://127.0.0.1:8003", validation_alias=_suite("ORDERS_URL"))
    # uploads are streamed against this cap (413 as soon as it is passed), separate from the JSON body cap
    max_file_bytes: int = Field(10 * 1024 * 1024, ge=1)
    timer_interval_seconds: float = Field(1.0, gt=0)
    timer_batch: int = Field(100, ge=1)
    # appointments: numbers are unique within a slot's day in this zone; reminded this long before
    # unless the item's `reminders` say otherwise
    appointment_zone: str = Field("UTC", min_length=1)
    appointment_reminder_hours: float = Field(24.0, ge=0)

    @field_validator("appointment_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        # refused at start-up rather than on the first booking
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {name!r}") from exc
        return name
