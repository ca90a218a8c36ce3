"""Pure (no I/O) parsing of e-mail replies to approval requests: decision keyword, comment, auto-replies."""

from __future__ import annotations

from dataclasses import dataclass

from .decision import Decision, parse_decision
from .headers import header_token_candidates, is_auto_reply
from .mime import extract_text, parse_message
from .quotes import strip_quoted

__all__ = [
    "Decision",
    "ParsedReply",
    "extract_text",
    "header_token_candidates",
    "is_auto_reply",
    "parse_decision",
    "parse_message",
    "parse_reply",
    "strip_quoted",
]


@dataclass(frozen=True)
class ParsedReply:
    decision: Decision | None  # None = unparseable
    comment: str | None
    text: str  # the new text (quotes/signature removed), for logs and help mails


def parse_reply(raw: bytes) -> ParsedReply:
    """Decision, comment and new text of the raw reply ``raw``; never raises."""
    try:
        text = strip_quoted(extract_text(parse_message(raw)))
        decision, comment = parse_decision(text)
    except Exception:  # a parser bug must turn into a help mail, not a crashed poller
        return ParsedReply(decision=None, comment=None, text="")
    return ParsedReply(decision=decision, comment=comment, text=text)
