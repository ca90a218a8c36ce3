"""Mail-bridge settings: the suite-wide SEALFLOW_* ones (mail URLs from docs/api.md) plus MAIL_* of its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import SettingsConfigDict

from sealkit.settings import ServiceSettings

_TRUE = frozenset({"1", "true", "yes", "on"})


def _suite(name: str, *more: str) -> Any:
    """Read SEALFLOW_<NAME> (the suite-wide name docs/api.md fixes), then MAIL_<MORE…>, then the field name."""
    return AliasChoices(f"SEALFLOW_{name}", *more, name.lower())


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool  # implicit TLS (smtps://)
    start_tls: bool  # upgrade a plain connection (?starttls=true)


@dataclass(frozen=True, slots=True)
class ImapConfig:
    host: str
    port: int
    username: str
    password: str
    use_tls: bool
    mailbox: str


def _credentials(netloc_user: str | None, netloc_password: str | None) -> tuple[str | None, str | None]:
    user = unquote(netloc_user) if netloc_user else None
    password = unquote(netloc_password) if netloc_password else None
    return user, password


def parse_smtp_url(url: str) -> SmtpConfig:
    """`smtp://user:pass@host:port[?starttls=true]` or `smtps://…` (implicit TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"SEALFLOW_SMTP_URL must look like smtp://user:pass@host:port, not {url!r}")
    query = {k.lower(): v[-1].lower() for k, v in parse_qs(parts.query).items()}
    use_tls = parts.scheme == "smtps"
    start_tls = not use_tls and query.get("starttls", "false") in _TRUE
    user, password = _credentials(parts.username, parts.password)
    return SmtpConfig(
        host=parts.hostname,
        port=parts.port or (465 if use_tls else 587 if start_tls else 25),
        username=user,
        password=password,
        use_tls=use_tls,
        start_tls=start_tls,
    )


def parse_imap_url(url: str) -> ImapConfig:
    """`imap://user:pass@host:port/INBOX` or `imaps://…`; the path names the mailbox (INBOX by default)."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ValueError(f"SEALFLOW_IMAP_URL must look like imap://user:pass@host:port/INBOX, not {url!r}")
    user, password = _credentials(parts.username, parts.password)
    if not user or password is None:
        raise ValueError("SEALFLOW_IMAP_URL needs a user and a password")
    use_tls = parts.scheme == "imaps"
    return ImapConfig(
        host=parts.hostname,
        port=parts.port or (993 if use_tls else 143),
        username=user,
        password=password,
        use_tls=use_tls,
        mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
    )


def split_address(address: str) -> tuple[str, str]:
    local, sep, domain = address.strip().rpartition("@")
    if not sep or not local or not domain:
        raise ValueError(f"not an e-mail address: {address!r}")
    return local, domain


class MailSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MAIL_", extra="ignore", populate_by_name=True, frozen=True)

    smtp_url: str | None = Field(None, validation_alias=_suite("SMTP_URL"))
    imap_url: str | None = Field(None, validation_alias=_suite("IMAP_URL"))
    mail_from: str = Field("Sealflow <sealflow@localhost>", validation_alias=_suite("MAIL_FROM"))
    reply_address: str = Field(
        "approvals@localhost", validation_alias=_suite("MAIL_REPLY_ADDRESS", "MAIL_REPLY_ADDRESS")
    )
    listen: str = Field("127.0.0.1:8025", validation_alias=_suite("MAIL_LISTEN", "MAIL_LISTEN"))
    approval_url: str = Field(
        "http://127.0.0.1:8001", validation_alias=_suite("APPROVAL_URL", "MAIL_APPROVAL_URL")
    )
    public_url: str | None = Field(None, description="link to the web inbox in mails, when set")

    context_ttl_hours: float = Field(72.0, gt=0)
    # IMAP: IDLE is re-issued and the mailbox re-scanned this often even without a push (safety net).
    imap_rescan_seconds: float = Field(30.0, gt=0)
    imap_reconnect_max_seconds: float = Field(60.0, gt=0)
    imap_timeout_seconds: float = Field(20.0, gt=0)
    # Processed mail is moved here when set (created if missing); otherwise it is flagged \Seen.
    processed_folder: str | None = None
    # Require an Authentication-Results header with dmarc=pass from this authserv-id (others are ignored).
    trusted_authserv_id: str | None = None
    help_interval_minutes: float = Field(
        60.0, ge=0, description="at most one help mail per approver per interval"
    )
    # Outgoing mail queue.
    sender_poll_seconds: float = Field(1.0, gt=0)
    sender_max_attempts: int = Field(10, ge=1)
    sender_backoff_seconds: float = Field(2.0, gt=0)
    sender_batch: int = Field(50, ge=1)
    smtp_timeout_seconds: float = Field(30.0, gt=0)
    # Decisions whose submission to approval failed are retried this often, this many times.
    submit_retry_seconds: float = Field(5.0, gt=0)
    submit_max_attempts: int = Field(8, ge=1)
    local_listener: bool | None = Field(
        None, description="SMTP listener for replies; default: on in local mode"
    )

    @field_validator("smtp_url", "imap_url", "trusted_authserv_id", "processed_folder", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def local_mode(self) -> bool:
        """No external mail servers: outbound goes to the local sink, replies to the local listener."""
        return not self.smtp_url

    @property
    def smtp(self) -> SmtpConfig | None:
        return parse_smtp_url(self.smtp_url) if self.smtp_url else None

    @property
    def imap(self) -> ImapConfig | None:
        return parse_imap_url(self.imap_url) if self.imap_url else None

    @property
    def listen_address(self) -> tuple[str, int]:
        host, sep, port = self.listen.rpartition(":")
        if not sep or not port.isdigit():
            raise ValueError(f"SEALFLOW_MAIL_LISTEN must be host:port, not {self.listen!r}")
        return host.strip("[]") or "127.0.0.1", int(port)

    @property
    def run_listener(self) -> bool:
        """Replies come in over the local SMTP listener when no IMAP mailbox is configured."""
        return self.imap_url is None if self.local_listener is None else self.local_listener

    def check(self) -> None:
        """Fail at startup, not at the first mail, on malformed URLs and addresses."""
        _ = self.smtp, self.imap, self.listen_address
        split_address(self.reply_address)
