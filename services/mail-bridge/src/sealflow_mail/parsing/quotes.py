"""Cutting quoted history and signatures off the plain text of a reply, for the common mail clients."""

from __future__ import annotations

import re
import unicodedata

# Attribution lines ("On <date>, <name> wrote:", "<date> <name> 写道：", "在 <date>, <name> 写道:").
_ATTRIB_VERBS = ("wrote", "写道", "寫道", "schrieb", "a écrit", "escribió")
_ATTRIB_START = re.compile(r"^(on|am|le|el)\s|^在", re.I)
# Attributions longer than this are prose; the cap also keeps pathological input cheap.
_MAX_ATTRIB = 400

# Divider lines such as "-----Original Message-----" or QQ's "------------------ 原始邮件 ------------------".
_DIVIDER_LABELS = frozenset(
    {
        "original message",
        "original",
        "原始邮件",
        "原始郵件",
        "邮件原件",
        "郵件原件",
        "forwarded message",
        "转发邮件信息",
        "ursprüngliche nachricht",
        "message d'origine",
        "mensaje original",
    }
)
_OUTLOOK_RULE = re.compile(r"^_{16,}$")
_FORWARD_INTRO = re.compile(r"^begin forwarded message:$", re.I)

# Outlook-style header blocks: a From line followed closely by Sent/To/Subject lines (any language
# Outlook, Foxmail and QQ use). Gmail's plain text renders the bold labels as *From:*.
_FROM = re.compile(r"^\**\s*(from|发件人|寄件者|寄件人)\s*\**\s*:", re.I)
_HEADER = re.compile(
    r"^\**\s*(sent|date|to|cc|subject"
    r"|发送时间|时间|日期|收件人|抄送|主题"
    r"|寄件日期|傳送時間|收件者|副本|主旨)\s*\**\s*:",
    re.I,
)
_HEADER_LOOKAHEAD = 6

# Mobile and webmail signatures, matched against whole (short) lines.
_MOBILE_SIGNATURE = re.compile(
    r"^(sent from my\s.*"
    r"|sent from (outlook|mail for windows|yahoo mail)\b.*"
    r"|get outlook for (ios|android)\b.*"
    r"|发自我的.*"
    r"|从我的.{0,20}发送"
    r"|(发|来)自网易邮箱.*"
    r"|(发|来)自.{0,12}(手机|iphone|ipad)"
    r"|von meinem .{0,30} gesendet"
    r"|envoyé de mon .*)$",
    re.I,
)
_MAX_SIGNATURE = 80


def normalize_line(line: str) -> str:
    """Comparable form of a line: NFKC (full-width to ASCII), no &nbsp; leftovers, trimmed."""
    # QQ's plain-text part contains literal "&nbsp;" copied from its HTML.
    return unicodedata.normalize("NFKC", line.replace("&nbsp;", " ")).strip()


def is_quote_line(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_divider(norm: str) -> bool:
    if not (norm.startswith("--") and norm.endswith("--")):
        return False
    label = " ".join(norm.strip("-= ").split()).casefold()
    return label in _DIVIDER_LABELS


def _is_signature(line: str, norm: str) -> bool:
    if line.rstrip("\n") in ("-- ", "--"):
        return True
    return len(norm) <= _MAX_SIGNATURE and _MOBILE_SIGNATURE.match(norm) is not None


def _ends_attribution(norm: str) -> bool:
    if not norm.endswith(":") or len(norm) > _MAX_ATTRIB:
        return False
    folded = norm[:-1].rstrip().casefold()
    # German puts the name after the verb: "Am 20.11.2026 um 10:00 schrieb Zhang San <a@b>:".
    return folded.endswith(_ATTRIB_VERBS) or (folded.startswith("am ") and " schrieb " in folded)


def _attribution_start(lines: list[str], norms: list[str], end: int) -> int | None:
    """Index where the attribution ending at ``end`` begins, or None if that line is not one."""
    if not _ends_attribution(norms[end]):
        return None
    start = end
    # Clients wrap long attributions ("...<a@b.com>\nwrote:"); walk back over the wrapped pieces.
    for _ in range(2):
        if _ATTRIB_START.match(norms[start]):
            break
        prev = start - 1
        if prev < 0 or not norms[prev] or is_quote_line(lines[prev]) or len(norms[prev]) > _MAX_ATTRIB:
            break
        bare_verb = start == end and norms[end][:-1].rstrip().casefold() in _ATTRIB_VERBS
        if not (bare_verb or "@" in norms[prev] or _ATTRIB_START.match(norms[prev])):
            break
        start = prev
    joined = " ".join(norms[start : end + 1])
    if _ATTRIB_START.match(joined) or "@" in joined or any(ch.isdigit() for ch in joined):
        return start
    return None


def _starts_header_block(norms: list[str], index: int) -> bool:
    if not _FROM.match(norms[index]):
        return False
    following = [n for n in norms[index + 1 : index + 1 + 2 * _HEADER_LOOKAHEAD] if n][:_HEADER_LOOKAHEAD]
    return any(_HEADER.match(n) for n in following)


def _quote_follows(lines: list[str], norms: list[str], index: int) -> bool:
    for after in range(index + 1, len(lines)):
        if norms[after]:
            return is_quote_line(lines[after])
    return False


def _new_text_lines(lines: list[str], norms: list[str]) -> list[int]:
    """Indices of the lines written by the replier: before the first history marker, minus quotes."""
    kept: list[int] = []
    first_text: int | None = None
    for index, (line, norm) in enumerate(zip(lines, norms, strict=True)):
        if is_quote_line(line):
            continue
        if not norm:
            kept.append(index)
            continue
        if (
            _is_signature(line, norm)
            or _is_divider(norm)
            or _OUTLOOK_RULE.match(norm)
            or _FORWARD_INTRO.match(norm)
            or _starts_header_block(norms, index)
        ):
            break
        start = _attribution_start(lines, norms, index)
        if start is not None:
            while kept and kept[-1] >= start:  # the wrapped first lines of the attribution
                kept.pop()
            if (first_text is not None and first_text < start) or not _quote_follows(lines, norms, index):
                break
            # Bottom-posting (mutt, Thunderbird): the attribution and its "> " quote come first and
            # the reply follows, so skip over them instead of cutting.
            first_text = None
            continue
        kept.append(index)
        if first_text is None:
            first_text = index
    return kept


def strip_quoted(text: str) -> str:
    """Drop quoted history (attributions, Outlook header blocks, dividers, "> " lines) and signatures."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    norms = [normalize_line(line) for line in lines]
    out: list[str] = []
    for index in _new_text_lines(lines, norms):
        line = lines[index].rstrip()
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
