"""What an uploaded file is: its type sniffed from the bytes, and whether the client's claims agree."""

from __future__ import annotations

import mimetypes

import puremagic

GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
# the same type under other names, as clients and libraries spell it
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "application/x-pdf": "application/pdf",
    "image/x-png": "image/png",
}


def canonical(content_type: str | None) -> str:
    base = (content_type or "").split(";", 1)[0].strip().lower()
    return ALIASES.get(base, base)


def sniff(head: bytes) -> str:
    """The type the bytes are: a magic-number match, else text when they are clean UTF-8, else binary."""
    if head:
        try:
            found = canonical(puremagic.from_string(head, mime=True))
        except (puremagic.PureError, ValueError):
            found = ""
        if found:
            return found
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # the head may end inside a multi-byte character; a text file still decodes once that is cut off
        try:
            text = head[:-3].decode("utf-8") if len(head) > 3 else ""
        except UnicodeDecodeError:
            return "application/octet-stream"
    if head and "\x00" not in text:
        return "text/plain"
    return "application/octet-stream"


def extension_type(filename: str) -> str | None:
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    return canonical(guessed) if guessed else None


def disagreement(*, sniffed: str, declared: str | None, filename: str) -> str | None:
    """Why the declared type or the file name's extension contradicts the bytes, or None.

    A generic declared type (application/octet-stream, or none) claims nothing; so does a name without a
    known extension. Text may be declared as any text/* type."""
    claimed = canonical(declared)
    if claimed not in GENERIC_TYPES and not _same(claimed, sniffed):
        return f"the file was declared as {claimed} but its content is {sniffed}"
    by_name = extension_type(filename)
    if by_name is not None and not _same(by_name, sniffed):
        return f"the file name says {by_name} but its content is {sniffed}"
    return None


def _same(claimed: str, sniffed: str) -> bool:
    return claimed == sniffed or (sniffed == "text/plain" and claimed.startswith("text/"))
