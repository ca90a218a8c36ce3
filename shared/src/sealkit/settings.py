"""Settings base: the suite-wide SEALFLOW_* variables every service reads, plus each service's own prefix."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-secret-change-me"  # noqa: S105 - the documented dev default, refused in production
DEV_EVENT_SECRET = "dev-event-secret-change-me"  # noqa: S105 - the documented dev default, refused in production


def _suite(name: str) -> Any:
    """A field read from the suite-wide variable SEALFLOW_<NAME>, whatever the service's own prefix."""
    return AliasChoices(f"SEALFLOW_{name}", name.lower())


class ServiceSettings(BaseSettings):
    """Suite-wide settings; a service subclasses this and sets its own env_prefix for its own fields."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    env: Literal["development", "test", "production"] = Field("development", validation_alias=_suite("ENV"))
    database_url: str | None = Field(None, validation_alias=_suite("DATABASE_URL"))
    sqlite_dir: str = Field("var", validation_alias=_suite("SQLITE_DIR"))
    # A fixed pool: a request waits for a pooled connection rather than opening one (a new PostgreSQL
    # connection costs far more than the wait); size x workers x replicas must fit max_connections.
    db_pool_size: int = Field(10, ge=1, validation_alias=_suite("DB_POOL_SIZE"))
    db_max_overflow: int = Field(0, ge=0, validation_alias=_suite("DB_MAX_OVERFLOW"))
    # a database that hangs must cost a request seconds, not the outage (sealkit.db.Timeouts)
    db_connect_timeout_seconds: float = Field(
        5.0, gt=0, validation_alias=_suite("DB_CONNECT_TIMEOUT_SECONDS")
    )
    db_command_timeout_seconds: float = Field(
        10.0, gt=0, validation_alias=_suite("DB_COMMAND_TIMEOUT_SECONDS")
    )
    db_acquire_timeout_seconds: float = Field(
        5.0, gt=0, validation_alias=_suite("DB_ACQUIRE_TIMEOUT_SECONDS")
    )
    jwt_secret: str = Field(DEV_JWT_SECRET, validation_alias=_suite("JWT_SECRET"))
    jwt_public_key: str | None = Field(None, validation_alias=_suite("JWT_PUBLIC_KEY"))
    jwt_algorithms: tuple[str, ...] = Field(("HS256",), validation_alias=_suite("JWT_ALGORITHMS"))
    event_secret: str = Field(DEV_EVENT_SECRET, validation_alias=_suite("EVENT_SECRET"))
    max_body_bytes: int = Field(1_048_576, validation_alias=_suite("MAX_BODY_BYTES"))
    log_level: str = Field("INFO", validation_alias=_suite("LOG_LEVEL"))
    access_log: bool = Field(False, validation_alias=_suite("ACCESS_LOG"))
    run_workers: bool = Field(True, validation_alias=_suite("RUN_WORKERS"))
    # "type=url,type=url" or "*=url": where this service's events go (make run wires the suite)
    subscribers: str = Field("", validation_alias=_suite("SUBSCRIBERS"))
    outbox_poll_seconds: float = Field(0.5, validation_alias=_suite("OUTBOX_POLL_SECONDS"))
    outbox_max_attempts: int = Field(8, validation_alias=_suite("OUTBOX_MAX_ATTEMPTS"))
    outbox_backoff_seconds: float = Field(1.0, validation_alias=_suite("OUTBOX_BACKOFF_SECONDS"))
    outbox_timeout_seconds: float = Field(10.0, validation_alias=_suite("OUTBOX_TIMEOUT_SECONDS"))
    service_token: str | None = Field(None, validation_alias=_suite("SERVICE_TOKEN"))
    # caller-given URLs may reach these loopback/private addresses, networks or host names (sealkit.outbound)
    outbound_allow: str = Field("", validation_alias=_suite("OUTBOUND_ALLOW"))
    # set (nats://host:4222): the services' own events go through this broker instead of SUBSCRIBERS
    event_broker: str | None = Field(None, validation_alias=_suite("EVENT_BROKER"))
    event_broker_stream: str = Field("SEALFLOW", validation_alias=_suite("EVENT_BROKER_STREAM"))
    event_broker_subject_prefix: str = Field(
        "sealflow", validation_alias=_suite("EVENT_BROKER_SUBJECT_PREFIX")
    )
    event_broker_max_deliveries: int = Field(5, ge=1, validation_alias=_suite("EVENT_BROKER_MAX_DELIVERIES"))
    event_broker_ack_wait_seconds: float = Field(
        30.0, gt=0, validation_alias=_suite("EVENT_BROKER_ACK_WAIT_SECONDS")
    )
    # browser origins allowed to call the API (comma-separated; "" allows none): the web console's
    cors_origins: str = Field(
        "http://127.0.0.1:8000,http://localhost:8000", validation_alias=_suite("CORS_ORIGINS")
    )

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> ServiceSettings:
        if self.env == "production":
            if self.jwt_secret == DEV_JWT_SECRET and not self.jwt_public_key:
                raise ValueError("SEALFLOW_JWT_SECRET is the dev default; set a real secret or a public key")
            if len(self.jwt_secret) < 32 and not self.jwt_public_key:
                raise ValueError("SEALFLOW_JWT_SECRET must be at least 32 bytes in production")
            if self.event_secret == DEV_EVENT_SECRET:
                raise ValueError("SEALFLOW_EVENT_SECRET is the dev default; set a real secret in production")
        return self

    def cors_origin_list(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]

    def subscriptions(self) -> list[tuple[str, str]]:
        """Parse `subscribers` into (event type or '*', url) pairs."""
        pairs: list[tuple[str, str]] = []
        for item in filter(None, (part.strip() for part in self.subscribers.split(","))):
            event_type, sep, url = item.partition("=")
            if not sep or not url.startswith(("http://", "https://")):
                raise ValueError(f"bad subscriber {item!r}: expected 'event.type=http://host/v1/events'")
            pairs.append((event_type.strip(), url.strip()))
        return pairs
