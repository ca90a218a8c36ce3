"""Reading an inbound mail into what the pipeline needs (pure; runs before any transaction)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sealflow_mail.domain import dmarc_passes, plausible_tokens, sender_address, token_hash
from sealflow_mail.parsing import (
    Language,
    header_token_candidates,
    is_auto_reply,
    parse_message,
    read_reply,
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
    language: Language | None = None  # the replier's language (None: both), for the confirmation

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
        reply = read_reply(msg)
        decision, comment, language = reply.decision, reply.comment, reply.language
    except Exception:  # a parser bug must end as "unparseable" plus a help mail, never a stuck mailbox
        log.exception("could not parse a reply's text")
        decision, comment, language = None, None, None
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
        language=language,
    )


def token_hashes(reading: Reading) -> list[str]:
    return [token_hash(t) for t in reading.tokens]
