"""Header checks: automatic replies and bounces, and reply-token candidates from addresses and message ids."""

from __future__ import annotations

import re
import unicodedata
from email.header import decode_header
from email.message import EmailMessage

from .charsets import decode_bytes

_SURROGATE = re.compile(r"[\udc80-\udcff]")
_FOLD = re.compile(r"\r?\n(?=[ \t])")

_URLSAFE_B64 = r"[A-Za-z0-9_-]{16,}"
# "approvals+TOKEN@example.com": the token is the last +tag, right before the @.
_PLUS_TOKEN = re.compile(rf"\+({_URLSAFE_B64})@(?=[A-Za-z0-9\[])")
# "<sealflow.TOKEN.ANYTHING@example.com>" as generated for outgoing Message-IDs.
_MSGID_TOKEN = re.compile(rf"(?<![A-Za-z0-9_.-])sealflow\.({_URLSAFE_B64})\.[^<>@\s]*@[^<>\s]+", re.I)
_ADDRESS_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To")
_MSGID_HEADERS = ("In-Reply-To", "References")

_BOUNCE_SENDER = re.compile(r"(?:^|[<\s\"',;:(])(mailer-daemon|postmaster)@|^\s*mailer-daemon\b", re.I)
_EMPTY_PATH = re.compile(r"^\s*<\s*>\s*$")
_BULK_PRECEDENCE = frozenset({"bulk", "list", "junk", "auto_reply"})
_NEGATIVE = frozenset({"no", "false", "0"})
# Subject prefixes only: "休假" or "out of office" inside a subject is often the request being approved.
_AUTO_SUBJECTS = (
    "out of office",
    "automatic reply",
    "auto:",
    "autoreply",
    "auto-reply",
    "auto reply",
    "自动回复",
    "自动答复",
    "自動回覆",
    "自動回復",
    "abwesenheitsnotiz",
    "休假",
)


def _decode_header_value(raw: str) -> str:
    value = _FOLD.sub("", raw)
    if _SURROGATE.search(value):
        # Raw 8-bit header (common from Chinese clients): the parser kept the bytes as surrogates.
        value = decode_bytes(value.encode("utf-8", "surrogateescape"), None)
    try:
        pieces = decode_header(value)
    except Exception:
        return value
    out: list[str] = []
    for piece, charset in pieces:
        out.append(piece if isinstance(piece, str) else decode_bytes(piece, charset))
    return "".join(out)


def header_values(msg: EmailMessage, name: str) -> list[str]:
    """Decoded values of every ``name`` header; from the raw text, so malformed headers cannot raise."""
    wanted = name.lower()
    try:
        return [_decode_header_value(str(value)) for key, value in msg.raw_items() if key.lower() == wanted]
    except Exception:
        return []


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def header_token_candidates(msg: EmailMessage) -> list[str]:
    """Reply tokens from plus-addresses and Sealflow Message-IDs, in header order, without duplicates."""
    found: list[str] = []
    for name in _ADDRESS_HEADERS:
        for value in header_values(msg, name):
            found.extend(_PLUS_TOKEN.findall(value))
    for name in _MSGID_HEADERS:
        for value in header_values(msg, name):
            found.extend(_MSGID_TOKEN.findall(value))
    return _dedupe(found)


def _first(msg: EmailMessage, name: str) -> str | None:
    values = header_values(msg, name)
    return values[0] if values else None


def _auto_subject(subject: str) -> bool:
    folded = unicodedata.normalize("NFKC", subject).strip().casefold()
    return folded.startswith(_AUTO_SUBJECTS)


def is_auto_reply(msg: EmailMessage) -> str | None:
    """Why ``msg`` is an automatic reply or bounce (not worth answering), or None for a human reply."""
    content_type = _first(msg, "Content-Type") or ""
    if content_type.split(";")[0].strip().lower() == "multipart/report":
        report = re.search(r"report-type\s*=\s*\"?([\w.-]+)", content_type, re.I)
        return f"bounce: multipart/report ({report.group(1).lower() if report else 'unknown'})"
    for sender in header_values(msg, "From"):
        if _BOUNCE_SENDER.search(sender):
            return f"bounce: sent by {sender.strip()}"
    for path in header_values(msg, "Return-Path"):
        if not path.strip() or _EMPTY_PATH.match(path):
            return "bounce: empty Return-Path"
    auto_submitted = _first(msg, "Auto-Submitted")
    if auto_submitted is not None and auto_submitted.split(";")[0].strip().lower() != "no":
        return f"Auto-Submitted: {auto_submitted.strip()}"
    for name in ("X-Autoreply", "X-Autorespond"):
        value = _first(msg, name)
        if value is not None and value.strip().lower() not in _NEGATIVE:
            return f"{name}: {value.strip()}"
    precedence = (_first(msg, "Precedence") or "").strip().lower()
    if precedence in _BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    subject = _first(msg, "Subject") or ""
    if _auto_subject(subject):
        return f"automatic reply subject: {subject.strip()}"
    return None
