"""Cutting quoted history and signatures off the plain text of a reply, for the common mail clients.

The approver's own text is everything above the first history marker (an attribution, a header block, a
divider, a quote card), minus "> " quotes and the signature. Bottom-posting (mutt, Thunderbird: the
attribution and its quote first, the reply below) is kept. Markers are ours (`markers.py`) plus the
reply headers mail-parser-reply knows (`library.py`).
"""

from __future__ import annotations

import unicodedata

from . import library
from .markers import (
    HEADER_LOOKAHEAD,
    has_time_or_address,
    is_attribution,
    is_card_title,
    is_divider,
    is_from_address_line,
    is_from_line,
    is_header_line,
    is_lone_date_header,
    is_quote_line,
    is_rule,
    is_strong_header_line,
    may_start_attribution,
    normalize_line,
)
from .signatures import ends_new_text, trim_sign_off

__all__ = ["is_quote_line", "normalize_line", "strip_quoted"]

# An attribution wrapped by the client ("On Nov 21, 2014,\nat 10:18,\nJohn Doe <a@b> wrote:").
_MAX_ATTRIBUTION_LINES = 3
# QQ quotes only the first line of a wrapped paragraph; the lines right below a quoted line this wide
# (display columns), or one cut mid-sentence, are the rest of that paragraph.
_WRAPPED_QUOTE = 60
_CUT_QUOTE = 30
_SENTENCE_END = frozenset(".!?。！？:：;；")


class _Norms:
    """The lines' normalised forms, made on first use: most of a long reply is history below the cut."""

    __slots__ = ("_done", "_lines")

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._done: list[str | None] = [None] * len(lines)

    def __len__(self) -> int:
        return len(self._lines)

    def __getitem__(self, index: int) -> str:
        value = self._done[index]
        if value is None:
            value = self._done[index] = normalize_line(self._lines[index])
        return value


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _wraps_on(quote: str) -> bool:
    """Whether the quoted line ``quote`` continues on the unquoted line below it (QQ's wrapping)."""
    content = normalize_line(quote.lstrip().lstrip(">"))
    width = _width(content)
    return width >= _WRAPPED_QUOTE or (width >= _CUT_QUOTE and content[-1:] not in _SENTENCE_END)


def _filled_after(norms: _Norms, index: int, count: int) -> list[int]:
    return [i for i in range(index + 1, min(len(norms), index + 1 + 2 * count)) if norms[i]][:count]


def _starts_header_block(norms: _Norms, index: int) -> bool:
    norm = norms[index]
    if is_lone_date_header(norm):
        return True
    if not is_header_line(norm):
        return False
    following = _filled_after(norms, index, HEADER_LOOKAHEAD)
    if is_from_line(norm):
        return is_from_address_line(norm) or any(is_header_line(norms[i]) for i in following)
    # A block that does not start with From ("Date: …\nSubject: …", Hotmail): two label lines in a row,
    # one of them strong and one with a time or an address ("时间：下周一\n主题：采购" is a comment).
    if not following or not is_header_line(norms[following[0]]):
        return False
    pair = (norm, norms[following[0]])
    return any(is_strong_header_line(n) for n in pair) and any(has_time_or_address(n) for n in pair)


def _starts_quote_card(norms: _Norms, index: int) -> bool:
    """QQ's quote card: a title line ("Original", "原始邮件") above From:/发件人: lines."""
    return is_card_title(norms[index]) and any(
        is_header_line(norms[i]) for i in _filled_after(norms, index, 3)
    )


def _attribution_end(lines: list[str], norms: _Norms, index: int) -> int | None:
    """Last line of the attribution starting at ``index`` (maybe wrapped over a few lines), if it is one."""
    joined = norms[index]
    if is_attribution(joined):
        return index
    if not may_start_attribution(joined):
        return None
    end = index
    for _ in range(_MAX_ATTRIBUTION_LINES - 1):
        end += 1
        if end >= len(lines) or not norms[end] or is_quote_line(lines[end]):
            break
        # "… Name <\naddr>:" and "… <addr\n>:" were split inside the address.
        glued = joined.endswith("<") or norms[end].startswith(">")
        joined = joined + norms[end] if glued else f"{joined} {norms[end]}"
        if is_attribution(joined):
            return end
    return _polymail_attribution(norms, index)


def _polymail_attribution(norms: _Norms, index: int) -> int | None:
    """Polymail: "On <date> Name", a blank line, "<", "mailto:Name <addr>", "> wrote:"."""
    if not (norms[index].casefold().startswith("on ") and any(ch.isdigit() for ch in norms[index])):
        return None
    following = _filled_after(norms, index, 2)
    if (
        len(following) == 2
        and norms[following[0]] == "<"
        and norms[following[1]].casefold().startswith("mailto:")
    ):
        return following[1]
    return None


def _is_marker(norms: _Norms, index: int) -> bool:
    norm = norms[index]
    return (
        ends_new_text(norm)
        or is_divider(norm)
        or _starts_header_block(norms, index)
        or _starts_quote_card(norms, index)
    )


def _quote_follows(lines: list[str], norms: _Norms, index: int) -> bool:
    for after in range(index + 1, len(lines)):
        if norms[after]:
            return is_quote_line(lines[after])
    return False


def _drop_rules_above(kept: list[int], norms: _Norms) -> None:
    """Clients draw a rule above the header block ("______", "-----", "===="); it is history too."""
    while kept and (not norms[kept[-1]] or is_rule(norms[kept[-1]])):
        kept.pop()


def _new_text_lines(lines: list[str], norms: _Norms) -> list[int]:
    """Indices of the lines written by the replier: before the first history marker, minus quotes."""
    kept: list[int] = []
    first_text: int | None = None
    index = 0
    while index < len(lines):
        line, norm = lines[index], norms[index]
        if is_quote_line(line):
            # QQ's wrapped quote: the unquoted lines right below belong to it.
            if _wraps_on(line):
                while index + 1 < len(lines) and norms[index + 1] and not is_quote_line(lines[index + 1]):
                    if _is_marker(norms, index + 1) or _attribution_end(lines, norms, index + 1) is not None:
                        break
                    index += 1
            index += 1
            continue
        if not norm:
            kept.append(index)
            index += 1
            continue
        if _is_marker(norms, index):
            break
        end = _attribution_end(lines, norms, index)
        if end is not None:
            if first_text is not None or not _quote_follows(lines, norms, end):
                break
            # Bottom-posting: the attribution and its "> " quote come first and the reply follows.
            index = end + 1
            continue
        kept.append(index)
        if first_text is None:
            first_text = index
        index += 1
    _drop_rules_above(kept, norms)
    return _cut_at_library_headers(lines, kept, first_text, norms)


def _cut_at_library_headers(
    lines: list[str], kept: list[int], first_text: int | None, norms: _Norms
) -> list[int]:
    """Cut ``kept`` where mail-parser-reply sees a reply header below the first line of new text."""
    if first_text is None or not kept:
        return kept
    wanted = set(kept)
    # Only the kept lines are searched: a header inside a "> " quote is the quote's business.
    visible = [lines[i] if i in wanted else "" for i in range(kept[-1] + 1)]
    for start in library.header_lines(visible):
        if start > first_text and start in wanted:
            cut = [i for i in kept if i < start]
            _drop_rules_above(cut, norms)
            return cut
    return kept


def strip_quoted(text: str) -> str:
    """Drop quoted history (attributions, header blocks, dividers, quote cards, "> " lines) and signatures."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    norms = _Norms(lines)
    kept = _new_text_lines(lines, norms)
    kept = kept[: trim_sign_off([lines[i] for i in kept], [norms[i] for i in kept])]
    out: list[str] = []
    for index in kept:
        line = lines[index].rstrip()
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
