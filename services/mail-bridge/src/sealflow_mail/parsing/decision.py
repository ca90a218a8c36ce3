"""The approve/reject decision on the first non-empty line of a reply, and the comment after it.

A decision taken by mistake cannot be taken back (a decided request never changes), so the first line
decides only when it is unambiguously a decision:

- an explicit keyword (同意 / APPROVE …) alone, or followed by a separator and a reason:
  "驳回：金额超过部门预算", "Reject - not this quarter", "同意，没问题", "APPROVE! ship it";
- the same decision in both languages, as the task mail's buttons write it: "同意 APPROVE", "驳回 / REJECT";
- a word that is also conversation ("yes", "no", "ok", "好", "可以") only when it is the whole line.

Anything else ("No problem, I will look at it on Monday.", "Yes, but who asked for this?", "同意这个方案吗",
"Approve whatever you like", "Approve?") is unparseable: nothing is decided and the approver is told how
to reply.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

Decision = Literal["approve", "reject"]
Language = Literal["zh", "en"]

# 通過 / 駁回 / 拒絕 are the Traditional forms that Big5 (Taiwan, Hong Kong) repliers type.
_EXPLICIT: dict[str, Decision] = {
    **dict.fromkeys(("同意", "批准", "通过", "通過", "APPROVE", "APPROVED"), "approve"),
    **dict.fromkeys(("驳回", "駁回", "拒绝", "拒絕", "不同意", "REJECT", "REJECTED"), "reject"),
}
# Also everyday conversation ("No problem, …", "Yes, but …", "好的"): a decision only on a line of their own.
_CONVERSATIONAL: dict[str, Decision] = {
    **dict.fromkeys(("YES", "OK", "OKAY", "好", "可以"), "approve"),
    "NO": "reject",
}
# Longest first, so that 不同意 wins over 同意 and APPROVED over APPROVE.
_KEYWORDS: tuple[tuple[str, Decision, bool], ...] = tuple(
    sorted(
        [(w, d, True) for w, d in _EXPLICIT.items()] + [(w, d, False) for w, d in _CONVERSATIONAL.items()],
        key=lambda item: -len(item[0]),
    )
)

# Decoration people put around the keyword: "*APPROVE*" (Gmail's plain text of bold), "【同意】", "[YES]".
_OPENERS = frozenset("*_~([{【「『《〈“‘\"'")
_CLOSERS = frozenset("*_~)]}】」』》〉”’\"'")
_TAG_CLOSERS = frozenset("]】」』》〉")
# What may end a keyword that stands alone: "同意。", "APPROVE!", "同意~", "Yes."
_TERMINAL = frozenset(".!。！~*_")
_ENDINGS = _TERMINAL | _CLOSERS
# What may stand between an explicit keyword and its reason: "驳回：…", "Reject - …", "同意，…".
# Not "?" ("Approve? Why?" asks) and not "…" / ".." (a hesitation, not a decision).
_SEPARATORS = frozenset(":：,，、;；.。!！-—–")
_BETWEEN_PAIR = frozenset(" \t\u3000/／|｜")
# "no-brainer" and "yes'm" are words of their own, not the keyword.
_WORD_JOINERS = frozenset("-'’")

# Keywords sit at the very start, so only a prefix needs normalising (first lines can be huge).
_PREFIX = 96
# The first characters of a comment tell its language well enough.
_LANGUAGE_SAMPLE = 400


@dataclass(frozen=True, slots=True)
class FirstLine:
    """What the first line of a reply says: the decision, the comment after it, the replier's language."""

    decision: Decision | None
    comment: str | None
    language: Language | None  # None: not telling (a bilingual "同意 APPROVE" with no comment)


_UNPARSEABLE = FirstLine(None, None, None)


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


def _is_word_char(char: str) -> bool:
    # CJK right after a Latin keyword ("APPROVE同意") ends the word; Latin letters and digits do not.
    return (char.isalnum() or char == "_") and unicodedata.east_asian_width(char) not in ("W", "F")


def _keyword_at(norm: str, pos: int) -> tuple[str, Decision, bool] | None:
    for word, decision, explicit in _KEYWORDS:
        candidate = norm[pos : pos + len(word)]
        if not word.isascii():
            if candidate == word:
                return word, decision, explicit
            continue
        if not (candidate.isascii() and candidate.upper() == word):
            continue
        after = norm[pos + len(word) : pos + len(word) + 2]
        if after and _is_word_char(after[0]):
            continue
        if after[:1] and after[0] in _WORD_JOINERS and len(after) > 1 and _is_word_char(after[1]):
            continue
        return word, decision, explicit
    return None


def _typed_as_is(source_end: list[int], start: int, end: int) -> bool:
    """Each keyword character comes from one typed character: "№" (NFKC "No") is not a "NO"."""
    return source_end[end - 1] - (source_end[start - 1] if start else 0) == end - start


def _skip(norm: str, pos: int, allowed: frozenset[str]) -> int:
    while pos < len(norm) and (norm[pos] in allowed or _invisible(norm[pos])):
        pos += 1
    return pos


def _paired_keyword(norm: str, pos: int, decision: Decision, source_end: list[int]) -> tuple[str, int] | None:
    """A second explicit keyword of the same decision after ``pos`` ("同意 APPROVE") and its end, if any."""
    start = _skip(norm, pos, _BETWEEN_PAIR | _OPENERS | _CLOSERS)
    found = _keyword_at(norm, start)
    if found is None or not found[2] or found[1] != decision:
        return None
    end = start + len(found[0])
    return (found[0], end) if _typed_as_is(source_end, start, end) else None


def _language(keywords: list[str], comment: str | None) -> Language | None:
    """The replier's language: the comment's script when it has letters, else the keywords' one."""
    text = (comment or "")[:_LANGUAGE_SAMPLE]
    if any(unicodedata.east_asian_width(ch) == "W" and ch.isalpha() for ch in text):
        return "zh"
    if any(ch.isascii() and ch.isalpha() for ch in text):
        return "en"
    latin = {word.isascii() for word in keywords}
    if len(latin) > 1:  # both on the line and nothing else (the task mail's own "同意 APPROVE")
        return None
    return "en" if latin.pop() else "zh"


def _is_alone(tail: str) -> bool:
    """Nothing but closing punctuation follows a keyword (``tail`` is NFKC-normalised)."""
    tail = tail.strip()
    return len(tail) <= _PREFIX and ".." not in tail and all(ch in _ENDINGS or _invisible(ch) for ch in tail)


def _match_line(line: str) -> tuple[Decision, str, list[str]] | None:
    """Decision, the reason on the line and the keywords typed, when ``line`` is a decision."""
    norm, source_end = _normalized(line[:_PREFIX])
    pos = _skip(norm, 0, _OPENERS)
    decorated = any(ch in _OPENERS for ch in norm[:pos])
    # Past this point the prefix might end inside a keyword, its pair or its lookahead.
    found = _keyword_at(norm, pos) if pos <= _PREFIX - 40 else None
    if found is None or not _typed_as_is(source_end, pos, pos + len(found[0])):
        return None
    word, decision, explicit = found
    keywords = [word]
    end = pos + len(word)
    if explicit:
        paired = _paired_keyword(norm, end, decision, source_end)
        if paired is not None:
            keywords.append(paired[0])
            end = paired[1]
    after = end
    while after < len(norm) and norm[after] in _CLOSERS:
        after += 1
    rest = line[source_end[after - 1] :]
    if len(rest) <= _PREFIX and _is_alone(unicodedata.normalize("NFKC", rest)):
        return decision, "", keywords  # the keyword alone
    if not explicit:
        return None  # "No problem, …", "Yes, but …", "好的": conversation, not a decision
    # A tag ("【驳回】资质不全", "[APPROVE] fine") is closed off from its reason; a quote or emphasis
    # ('"Approve" is not what I would say', "*Approve* them all") is not.
    tagged = decorated and any(ch in _TAG_CLOSERS for ch in norm[end:after])
    return _reason(rest, tagged, decision, keywords)


def _reason(
    rest: str, closed: bool, decision: Decision, keywords: list[str]
) -> tuple[Decision, str, list[str]] | None:
    """The reason after an explicit keyword, when a separator (or a closing bracket) comes first.

    Chinese writes words without spaces, so after 同意/驳回 a space is a separator ("拒绝 没有预算");
    in English it only joins words ("Approve whatever you like")."""
    index = 0
    spaced = False
    while index < len(rest) and _invisible(rest[index]):
        index += 1
        spaced = True
    separators = ""
    while index < len(rest):
        folded = unicodedata.normalize("NFKC", rest[index])
        if folded in _SEPARATORS or _invisible(rest[index]):
            separators += folded.strip()
            index += 1
            continue
        break
    reason = rest[index:]
    if ".." in separators or reason[:1] in ("?", "？", "…"):
        return None  # "Approve? Why?", "Approve... maybe"
    # A symbol is no word: "同意👍", "Approved ✅".
    pictograph = bool(reason) and unicodedata.category(reason[0]) == "So"
    cjk_space = (
        spaced and not keywords[-1].isascii() and unicodedata.east_asian_width(reason[:1] or "a") == "W"
    )
    if not (separators or closed or pictograph or cjk_space):
        return None  # "Approve whatever you like", "同意这个方案吗"
    head = unicodedata.normalize("NFKC", reason[:_PREFIX])
    other = _keyword_at(head, 0)
    if other is not None and other[1] != decision and (other[2] or _is_alone(head[len(other[0]) :])):
        return None  # "同意 驳回", "Approve: reject", "Approve: no": the approver contradicts themself
    return decision, reason, keywords


def read_first_line(text: str) -> FirstLine:
    """The decision on the first non-empty line of the new text of a reply, its comment and language."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for index, line in enumerate(lines):
        if all(_invisible(char) for char in line):
            continue
        matched = _match_line(line)
        if matched is None:
            return _UNPARSEABLE
        decision, rest, keywords = matched
        comment = "\n".join([rest, *lines[index + 1 :]]).strip() or None
        return FirstLine(decision, comment, _language(keywords, comment))
    return _UNPARSEABLE


def parse_decision(text: str) -> tuple[Decision | None, str | None]:
    """``(decision, comment)`` from the new text of a reply; ``(None, None)`` when unparseable."""
    first = read_first_line(text)
    return first.decision, first.comment
