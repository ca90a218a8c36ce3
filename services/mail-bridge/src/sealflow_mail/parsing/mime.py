"""Parsing raw messages and picking the best human-written text body out of any MIME shape."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from email.message import EmailMessage, Message
from typing import Any

from .charsets import decode_bytes
from .htmltext import html_to_text

# Deeper nesting than this is not a real mail client's doing; stop instead of recursing further.
_MAX_DEPTH = 64

# Invisible characters that HTML editors and Outlook sprinkle into bodies; they would stop a keyword
# from being found at the start of a line while being invisible to the person reading it.
_INVISIBLE = str.maketrans("", "", "\ufeff\u200b\u200c\u2060\u00ad")

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)


def parse_message(raw: bytes) -> EmailMessage:
    """Parse ``raw`` with the modern e-mail policy; garbage yields an (almost) empty message."""
    try:
        return email.message_from_bytes(raw, policy=email.policy.default)
    except Exception:  # e.g. RecursionError on absurdly nested multiparts, TypeError on non-bytes
        return EmailMessage(policy=email.policy.default)


def extract_text(msg: EmailMessage) -> str:
    """Best text body: the first non-blank text/plain part, else the first non-blank HTML part as text."""
    try:
        parts = list(_body_parts(msg, 0))
    except Exception:
        return ""
    for wanted in ("text/plain", "text/html"):
        for part, ctype in parts:
            if ctype != wanted:
                continue
            text = _safe_part_text(part, html=ctype == "text/html")
            if text.strip():
                return text
    return ""


def _content_type(part: Message[Any, Any]) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _is_attachment(part: Message[Any, Any]) -> bool:
    try:
        return part.get_content_disposition() == "attachment" or bool(part.get_filename())
    except Exception:
        return True


def _body_parts(part: Message[Any, Any], depth: int) -> Iterator[tuple[Message[Any, Any], str]]:
    if depth > _MAX_DEPTH:
        return
    ctype = _content_type(part)
    if part.is_multipart():
        # An attached or forwarded message (message/rfc822) and bounce reports are history, not the
        # reply; only multipart containers are searched.
        if not ctype.startswith("multipart/"):
            return
        payload = part.get_payload()
        if isinstance(payload, list):
            for sub in payload:
                if isinstance(sub, Message):
                    yield from _body_parts(sub, depth + 1)
        return
    if ctype not in ("text/plain", "text/html"):
        return
    # The top-level part is the body whatever its disposition says; deeper named parts are files.
    if depth > 0 and _is_attachment(part):
        return
    yield part, ctype


def _param(part: Message[Any, Any], name: str) -> str:
    try:
        value = part.get_param(name)
    except Exception:
        return ""
    if isinstance(value, tuple):  # RFC 2231 (charset, language, value)
        value = value[2]
    return value.strip().lower() if isinstance(value, str) else ""


def _safe_part_text(part: Message[Any, Any], *, html: bool) -> str:
    try:
        return _part_text(part, html=html)
    except Exception:  # one broken part must not hide a readable alternative
        return ""


def _part_text(part: Message[Any, Any], *, html: bool) -> str:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if not isinstance(data, bytes):
        try:
            raw = part.get_payload()
        except Exception:
            raw = None
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    charset = _param(part, "charset") or None
    if html and charset is None:
        # HTML-only mail without a MIME charset usually names it in a <meta> tag instead.
        match = _META_CHARSET.search(data[:4096])
        if match:
            charset = match.group(1).decode("ascii", "replace")
    text = decode_bytes(data, charset).translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if html:
        return html_to_text(text)
    if _param(part, "format") == "flowed":
        text = unflow(text, delsp=_param(part, "delsp") == "yes")
    return text


def unflow(text: str, *, delsp: bool = False) -> str:
    """Join RFC 3676 format=flowed soft line breaks so wrapped lines read as they were typed."""
    out: list[str] = []
    pending: str | None = None
    pending_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):  # space-stuffing (or the space after quote marks)
            content = content[1:]
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delsp:
            content = content[:-1]
        if pending is not None and depth == pending_depth:
            pending += content
        else:
            if pending is not None:
                out.append(_requote(pending, pending_depth))
            pending, pending_depth = content, depth
        if not flowed:
            out.append(_requote(pending, pending_depth))
            pending = None
    if pending is not None:
        out.append(_requote(pending, pending_depth))
    return "\n".join(out)


def _requote(content: str, depth: int) -> str:
    return ">" * depth + " " + content if depth else content
