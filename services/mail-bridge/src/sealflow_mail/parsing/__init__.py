"""Pure (no I/O) parsing of e-mail replies to approval requests: decision keyword, comment, auto-replies."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from .decision import Decision, FirstLine, Language, parse_decision, read_first_line
from .headers import header_token_candidates, is_auto_reply
from .mime import extract_text, parse_message
from .quotes import strip_quoted

__all__ = [
    "Decision",
    "FirstLine",
    "Language",
    "ParsedReply",
    "extract_text",
    "header_token_candidates",
    "is_auto_reply",
    "parse_decision",
    "parse_message",
    "parse_reply",
    "read_first_line",
    "read_reply",
    "strip_quoted",
]


@dataclass(frozen=True)
class ParsedReply:
    decision: Decision | None  # None = unparseable
    comment: str | None
    text: str  # the new text (quotes/signature removed), for logs and help mails
    language: Language | None = None  # the replier's language, for the confirmation; None: both


def read_reply(msg: EmailMessage) -> ParsedReply:
    """Decision, comment, language and new text of the parsed reply ``msg``; may raise on parser bugs."""
    text = strip_quoted(extract_text(msg))
    first = read_first_line(text)
    return ParsedReply(decision=first.decision, comment=first.comment, text=text, language=first.language)


def parse_reply(raw: bytes) -> ParsedReply:
    """Decision, comment, language and new text of the raw reply ``raw``; never raises."""
    try:
        return read_reply(parse_message(raw))
    except Exception:  # a parser bug must turn into a help mail, not a crashed poller
        return ParsedReply(decision=None, comment=None, text="")
