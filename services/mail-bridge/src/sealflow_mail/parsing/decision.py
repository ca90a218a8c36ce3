"""The approve/reject keyword on the first non-empty line of a reply, and the comment after it."""

from __future__ import annotations

import unicodedata
from typing import Literal

Decision = Literal["approve", "reject"]

# 通過 / 駁回 / 拒絕 are the Traditional forms that Big5 (Taiwan, Hong Kong) repliers type.
_APPROVE = ("同意", "批准", "通过", "通過", "APPROVE", "APPROVED", "YES")
_REJECT = ("驳回", "駁回", "拒绝", "拒絕", "不同意", "REJECT", "REJECTED", "NO")
# Longest first, so that 不同意 wins over 同意 and APPROVED over APPROVE.
_KEYWORDS: tuple[tuple[str, Decision], ...] = tuple(
    sorted(
        [(word, "approve") for word in _APPROVE] + [(word, "reject") for word in _REJECT],
        key=lambda item: -len(item[0]),
    )
)

# Decoration people put around the keyword: "*APPROVE*" (Gmail's plain text of bold), "【同意】", "[YES]".
_OPENERS = frozenset("*_~([{【「『《〈“‘\"'")
_CLOSERS = frozenset(")]}】」』》〉”’\"'")
# Punctuation between the keyword and the comment: "同意。", "APPROVE!", "Yes, fine", "REJECT - too much".
_SEPARATORS = frozenset(".,!?;:…。、，！？：；·~*_-—–")
# "no-brainer" and "yes'm" are words of their own, not the keyword.
_WORD_JOINERS = frozenset("-'’")


_PREFIX = 64


def _invisible(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) == "Cf"


def _normalized(line: str) -> tuple[str, list[int]]:
    """NFKC form of ``line`` plus, per normalised character, the index just past its source character."""
    chars: list[str] = []
    source_end: list[int] = []
    for index, char in enumerate(line):
        folded = unicodedata.normalize("NFKC", char)
        chars.append(folded)
        source_end.extend([index + 1] * len(folded))
    return "".join(chars), source_end


def _all_in(chars: str, allowed: frozenset[str]) -> bool:
    return bool(chars) and all(char in allowed for char in chars)


def _is_word_char(char: str) -> bool:
    # CJK right after a Latin keyword ("YES好的") still ends the word; Latin letters and digits do not.
    return (char.isalnum() or char == "_") and unicodedata.east_asian_width(char) not in ("W", "F")


def _keyword_at(norm: str, pos: int) -> tuple[str, Decision] | None:
    for word, decision in _KEYWORDS:
        candidate = norm[pos : pos + len(word)]
        if not word.isascii():
            if candidate == word:
                return word, decision
            continue
        if not (candidate.isascii() and candidate.upper() == word):
            continue
        after = norm[pos + len(word) : pos + len(word) + 2]
        if after and _is_word_char(after[0]):
            continue
        if after[:1] and after[0] in _WORD_JOINERS and len(after) > 1 and _is_word_char(after[1]):
            continue
        return word, decision
    return None


def _match_line(line: str) -> tuple[Decision, str] | None:
    """Decision and the rest of the line when ``line`` starts with a keyword."""
    # Keywords sit at the very start, so only a prefix needs normalising (first lines can be huge).
    norm, source_end = _normalized(line[:_PREFIX])
    pos = 0
    decorated = False
    while pos < len(norm) and (_invisible(norm[pos]) or norm[pos] in _OPENERS):
        decorated = decorated or norm[pos] in _OPENERS
        pos += 1
    # Past this point the prefix might end inside a keyword or its lookahead.
    found = _keyword_at(norm, pos) if pos <= _PREFIX - 16 else None
    if found is None:
        return None
    word, decision = found
    end = pos + len(word)
    # Each keyword character must come from one typed character: "№" (NFKC "No") is not a "NO".
    if source_end[end - 1] - (source_end[pos - 1] if pos else 0) != len(word):
        return None
    rest = line[source_end[end - 1] :]
    skip = 0
    for char in rest:
        folded = unicodedata.normalize("NFKC", char)
        if _invisible(char) or _all_in(folded, _SEPARATORS) or (decorated and _all_in(folded, _CLOSERS)):
            skip += 1
            continue
        break
    return decision, rest[skip:]


def parse_decision(text: str) -> tuple[Decision | None, str | None]:
    """``(decision, comment)`` from the new text of a reply; ``(None, None)`` when unparseable."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for index, line in enumerate(lines):
        if all(_invisible(char) for char in line):
            continue
        matched = _match_line(line)
        if matched is None:
            return None, None
        decision, rest = matched
        comment = "\n".join([rest, *lines[index + 1 :]]).strip()
        return decision, comment or None
    return None, None
