"""Reading an inbound mail into what the pipeline needs (pure; runs before any transaction)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sealflow_mail.domain import dmarc_passes, plausible_tokens, sender_address, token_hash
from sealflow_mail.parsing import (
    extract_text,
    header_token_candidates,
    is_auto_reply,
    parse_decision,
    parse_message,
    strip_quoted,
)
from sealflow_mail.parsing.headers import header_values

log = logging.getLogger("sealflow_mail.reading")


@dataclass(frozen=True, slots=True)
class Reading:
    raw: bytes
    message_id: str | None
    sender: str | None
    subject: str | None
    tokens: list[str]
    auto_reply: str | None
    decision: str | None
    comment: str | None
    dmarc_ok: bool

    def matched_token(self, hashes: list[str], wanted: str) -> str | None:
        for token, digest in zip(self.tokens, hashes, strict=True):
            if digest == wanted:
                return token
        return None


def read_mail(raw: bytes, *, trusted_authserv_id: str | None = None) -> Reading:
    """Headers, token candidates, loop markers, decision and comment of `raw`; never raises."""
    msg = parse_message(raw)
    message_ids = header_values(msg, "Message-ID")
    subjects = header_values(msg, "Subject")
    try:
        decision, comment = parse_decision(strip_quoted(extract_text(msg)))
    except Exception:  # a parser bug must end as "unparseable" plus a help mail, never a stuck mailbox
        log.exception("could not parse a reply's text")
        decision, comment = None, None
    return Reading(
        raw=raw,
        message_id=message_ids[0].strip() if message_ids else None,
        sender=sender_address(msg),
        subject=subjects[0].strip() if subjects else None,
        tokens=plausible_tokens(header_token_candidates(msg)),
        auto_reply=is_auto_reply(msg),
        decision=decision,
        comment=comment,
        dmarc_ok=bool(trusted_authserv_id)
        and dmarc_passes(header_values(msg, "Authentication-Results"), trusted_authserv_id or ""),
    )


def token_hashes(reading: Reading) -> list[str]:
    return [token_hash(t) for t in reading.tokens]
