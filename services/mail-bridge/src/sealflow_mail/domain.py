"""The mail bridge's rules, pure: reply tokens, the verdict on an inbound mail, addresses, keys."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Literal
from uuid import UUID

Outcome = Literal[
    "applied", "forged", "expired", "reused", "unparseable", "auto_reply", "unknown_task", "failed"
]
OUTCOMES: tuple[Outcome, ...] = (
    "applied",
    "forged",
    "expired",
    "reused",
    "unparseable",
    "auto_reply",
    "unknown_task",
    "failed",
)
MailKind = Literal["task", "reminder", "confirmation", "settled", "help"]

# 160 random bits as lowercase hex: survives MTAs and clients that change the case of addresses.
TOKEN_BYTES = 20
_TOKEN = re.compile(r"^[0-9a-f]{40}$")


def new_token() -> str:
    return secrets.token_hex(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What is stored: a plain SHA-256 is enough for a 160-bit random secret (no guessing to slow down)."""
    return hashlib.sha256(token.strip().lower().encode()).hexdigest()


def plausible_tokens(candidates: list[str]) -> list[str]:
    """Candidates of our token's shape, normalised; anything else cannot match and is not looked up."""
    return list(dict.fromkeys(c.lower() for c in candidates if _TOKEN.match(c.lower())))


def plus_address(reply_address: str, token: str) -> str:
    """`local+token@domain` (an existing +tag on the reply address is kept in front)."""
    local, _, domain = reply_address.strip().rpartition("@")
    return f"{local}+{token}@{domain}"


def token_message_id(token: str, mail_id: UUID, domain: str) -> str:
    """`<sealflow.TOKEN.ID@domain>`: a reply's References carries the token when Reply-To is lost.
    Derived from the queued mail's id, so a retried send keeps its Message-ID."""
    return f"<sealflow.{token}.{mail_id.hex[:16]}@{domain}>"


def notice_message_id(mail_id: UUID, domain: str) -> str:
    return f"<sealflow-notice.{mail_id.hex}@{domain}>"


def normalize_address(address: str | None) -> str | None:
    if not address:
        return None
    return address.strip().lower() or None


def sender_address(msg: EmailMessage) -> str | None:
    """The single From address of `msg`, lower-cased; None when there is none or more than one."""
    try:
        values = [str(v) for v in msg.get_all("From", [])]
    except Exception:
        return None
    found = [addr for _, addr in getaddresses(values) if addr and "@" in addr]
    if len(found) != 1:
        return None
    return normalize_address(found[0])


def message_key(message_id: str | None, raw: bytes) -> str:
    """Identity for replay detection: the Message-ID, or the whole mail when it has none."""
    basis = (
        message_id.strip().encode("utf-8", "surrogateescape") if message_id and message_id.strip() else raw
    )
    return hashlib.sha256(basis).hexdigest()


_MSG_ID = re.compile(r"^<[^<>\s]{1,900}>$")


def reply_reference(message_id: str | None) -> str | None:
    """A Message-ID fit for In-Reply-To/References of our answer (anything odd is left out)."""
    return message_id if message_id and _MSG_ID.match(message_id) else None


def storable(text: str | None, limit: int) -> str | None:
    """Text as PostgreSQL takes it: no NUL, no lone surrogates (from undecodable bytes), bounded."""
    if not text:
        return None
    clean = text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")[:limit]
    return clean or None


def idempotency_key(context_id: UUID) -> str:
    """One decision per context: a retried submission replays the first instead of deciding twice."""
    return f"mail-bridge-context-{context_id}"


_AUTHRES_DMARC = re.compile(r"(?:^|;)\s*dmarc\s*=\s*([a-z]+)", re.I)


def dmarc_passes(authentication_results: list[str], trusted_authserv_id: str) -> bool:
    """True when an Authentication-Results header from `trusted_authserv_id` says dmarc=pass.

    Headers from other authserv-ids are ignored (anyone can add one); per RFC 8601 the id is the
    first token of the header value.
    """
    trusted = trusted_authserv_id.strip().lower()
    for value in authentication_results:
        head, _, rest = " ".join(value.split()).partition(";")
        authserv = head.strip().split(" ")[0].lower() if head.strip() else ""
        if authserv != trusted:
            continue
        match = _AUTHRES_DMARC.search(";" + rest)
        if match and match.group(1).lower() == "pass":
            return True
    return False


@dataclass(frozen=True, slots=True)
class ContextView:
    """What the verdict needs to know about the context a token matched."""

    approver_email: str
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome | None  # None: genuine and usable, go on to parse and submit
    detail: str
    notify: bool = False  # answer the (genuine) sender with a short notice


def verdict(
    *,
    auto_reply: str | None,
    has_token: bool,
    context: ContextView | None,
    sender: str | None,
    dmarc_required: bool,
    dmarc_ok: bool,
    now: datetime,
) -> Verdict:
    """Decide what an inbound mail is before its text is looked at. Order matters:
    loops first (never answered), then authenticity (never answered: the sender may be a forger),
    then the context's state (answered, since the approver wrote it)."""
    if auto_reply is not None:
        return Verdict("auto_reply", auto_reply)
    if not has_token:
        return Verdict("unknown_task", "no reply token in Reply-To, To or References")
    if context is None:
        return Verdict("forged", "the reply token matches no mail we sent (tampered or made up)")
    if sender is None or sender != normalize_address(context.approver_email):
        return Verdict("forged", f"sent by {sender or 'no single From address'}, not by the task's approver")
    if dmarc_required and not dmarc_ok:
        return Verdict("forged", "no dmarc=pass from the trusted Authentication-Results server")
    if context.used_at is not None:
        return Verdict("reused", "this mail's token was already used for a decision", notify=True)
    if context.expires_at <= now:
        return Verdict("expired", "the reply token has expired", notify=True)
    return Verdict(None, "genuine")
