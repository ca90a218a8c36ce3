"""The first line decides only when it is unambiguously a decision (issue 11): explicit keyword alone or
followed by a separator and a reason; conversational words only as the whole line; anything else is
unparseable. A decision taken by mistake cannot be taken back, so these are property tests."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sealflow_mail.parsing import Decision, parse_decision, parse_reply, read_first_line

from .mailbuild import message, part, plain

EXPLICIT: list[tuple[str, Decision]] = [
    *((w, "approve") for w in ("同意", "批准", "通过", "通過", "APPROVE", "APPROVED")),
    *((w, "reject") for w in ("驳回", "駁回", "拒绝", "拒絕", "不同意", "REJECT", "REJECTED")),
]
CONVERSATIONAL: list[tuple[str, Decision]] = [
    ("YES", "approve"),
    ("OK", "approve"),
    ("OKAY", "approve"),
    ("好", "approve"),
    ("可以", "approve"),
    ("NO", "reject"),
]
ALL_WORDS = {w for w, _ in EXPLICIT + CONVERSATIONAL}


@st.composite
def typed(draw: st.DrawFn, words: list[tuple[str, Decision]]) -> tuple[str, str, Decision]:
    """A keyword as a person types it (any case, maybe full-width), the plain keyword, its decision."""
    word, decision = draw(st.sampled_from(words))
    shown = word
    if word.isascii():
        shown = "".join(ch.lower() if draw(st.booleans()) else ch for ch in word)
        if draw(st.booleans()):
            shown = "".join(chr(ord(ch) + 0xFEE0) for ch in shown)
    return shown, word, decision


LATIN_WORD = st.text(st.characters(min_codepoint=ord("a"), max_codepoint=ord("z")), min_size=1, max_size=9)
CJK_WORD = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=6)
TAIL = st.lists(st.one_of(LATIN_WORD, CJK_WORD), max_size=5).map(" ".join)
NEXT_LINES = st.one_of(st.just(""), st.lists(st.one_of(LATIN_WORD, CJK_WORD), max_size=4).map("\n".join))


def _not_a_keyword(word: str) -> bool:
    upper = word.upper()
    return not any(upper.startswith(k) for k in ALL_WORDS)


# Quotes and emphasis around the keyword do not separate it from the words after it.
EMPHASIS = st.sampled_from(
    [("", ""), ("*", "*"), ("**", "**"), ('"', '"'), ("'", "'"), ("“", "”"), ("(", ")"), ("_", "_")]
)


@settings(max_examples=400)
@given(typed(EXPLICIT + CONVERSATIONAL), EMPHASIS, LATIN_WORD, TAIL, NEXT_LINES)
def test_keyword_then_ordinary_words_decides_nothing(
    keyword: tuple[str, str, Decision], emphasis: tuple[str, str], word: str, tail: str, below: str
) -> None:
    """'Approve whatever you like', 'No problem, I will look at it on Monday', '"Approve" is not what I'd say'."""
    shown, _, _ = keyword
    assume(_not_a_keyword(word))
    left, right = emphasis
    line = f"{left}{shown}{right} {word} {tail}".rstrip()
    assert parse_decision(line + ("\n" + below if below else "")) == (None, None)


@settings(max_examples=300)
@given(typed(EXPLICIT + CONVERSATIONAL), CJK_WORD, TAIL)
def test_keyword_glued_to_chinese_words_decides_nothing(
    keyword: tuple[str, str, Decision], word: str, tail: str
) -> None:
    """'同意这个方案吗', '通过邮件发送', '不同意见', '好的', '可以吗'."""
    shown, _, _ = keyword
    assume(_not_a_keyword(word))
    assert parse_decision(f"{shown}{word} {tail}".rstrip()) == (None, None)


SEPARATED = st.sampled_from([", ", "，", "。", "! ", "！", ": ", "：", " - ", " — ", "、", "; "])


@settings(max_examples=400)
@given(typed(CONVERSATIONAL), SEPARATED, st.one_of(LATIN_WORD, CJK_WORD), TAIL)
def test_conversational_word_with_anything_after_it_decides_nothing(
    keyword: tuple[str, str, Decision], sep: str, word: str, tail: str
) -> None:
    """'Yes, but who asked for this? Call me first.', 'No, I will look at it on Monday.', 'OK: later'."""
    shown, _, _ = keyword
    assert parse_decision(f"{shown}{sep}{word} {tail}".rstrip()) == (None, None)


@settings(max_examples=300)
@given(
    typed(EXPLICIT + CONVERSATIONAL),
    st.sampled_from(["", ".", "!", "。", "！", "~", " ", "\u3000"]),
    NEXT_LINES,
)
def test_keyword_alone_decides_and_the_lines_below_are_the_comment(
    keyword: tuple[str, str, Decision], end: str, below: str
) -> None:
    shown, _, decision = keyword
    assert parse_decision(shown + end + ("\n" + below if below else "")) == (decision, below.strip() or None)


@settings(max_examples=400)
@given(typed(EXPLICIT), SEPARATED, st.one_of(LATIN_WORD, CJK_WORD), TAIL)
def test_explicit_keyword_separator_and_reason_decides(
    keyword: tuple[str, str, Decision], sep: str, word: str, tail: str
) -> None:
    """'驳回：金额超过部门预算', 'Reject - not this quarter', '同意，没问题'."""
    shown, _, decision = keyword
    assume(_not_a_keyword(word))  # "驳回, 批准" contradicts itself (tested below)
    reason = f"{word} {tail}".rstrip()
    assert parse_decision(f"{shown}{sep}{reason}") == (decision, reason)


@settings(max_examples=200)
@given(typed(EXPLICIT), st.sampled_from(["?", "？", "...", "…", "?!"]), TAIL)
def test_a_question_or_a_hesitation_decides_nothing(
    keyword: tuple[str, str, Decision], mark: str, tail: str
) -> None:
    shown, _, _ = keyword
    assert parse_decision(f"{shown}{mark} {tail}".rstrip()) == (None, None)


@settings(max_examples=200)
@given(typed(EXPLICIT), typed(EXPLICIT), st.sampled_from([" ", " / ", "/", "　"]))
def test_both_languages_of_one_decision_decide_and_of_two_decisions_do_not(
    first: tuple[str, str, Decision], second: tuple[str, str, Decision], between: str
) -> None:
    """The task mail's buttons start the reply with '同意 APPROVE'; '同意 REJECT' contradicts itself."""
    (a, _, a_decision), (b, _, b_decision) = first, second
    got = parse_decision(f"{a}{between}{b}")
    assert got == ((a_decision, None) if a_decision == b_decision else (None, None))


ISSUE_CASES = [
    ("No problem, I will look at it on Monday.", None, None),
    ("Yes, but who asked for this? Call me first.", None, None),
    ("驳回：金额超过部门预算", "reject", "金额超过部门预算"),
    ("Reject - not this quarter", "reject", "not this quarter"),
    ("同意 APPROVE\n预算已确认", "approve", "预算已确认"),
    ("驳回 / REJECT", "reject", None),
    ("拒绝 没有预算", "reject", "没有预算"),
    ("同意👍", "approve", "👍"),
    ("好", "approve", None),
    ("好的", None, None),
    ("可以", "approve", None),
    ("可以吗？", None, None),
    ("ok", "approve", None),
    ("OK, later", None, None),
    ("No.", "reject", None),
    ("Approve?", None, None),
    ("Approve whatever you like", None, None),
    ("不同意见很多", None, None),
    ("通过邮件发送", None, None),
    ("APPROVE 驳回", None, None),
    ("Approve: no.", None, None),
    ('"Approve" is not what I would say', None, None),
    ("*Approve* them all", None, None),
    ("同意（APPROVE）", "approve", None),
    ("[APPROVE] fine", "approve", "fine"),
    ("【驳回】资质不全", "reject", "资质不全"),
    ("Approve - no problem at all", "approve", "no problem at all"),
    ("Reject: yes, really", "reject", "yes, really"),
]


@pytest.mark.parametrize(("line", "decision", "comment"), ISSUE_CASES)
def test_issue_cases_through_a_whole_mail(line: str, decision: Decision | None, comment: str | None) -> None:
    parsed = parse_reply(plain(line + "\n"))
    assert (parsed.decision, parsed.comment) == (decision, comment)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("同意", "zh"),
        ("APPROVE", "en"),
        ("同意 APPROVE", None),
        ("同意 APPROVE\n预算已确认", "zh"),
        ("同意 APPROVE\nbudget confirmed", "en"),
        ("Approve: 预算已确认", "zh"),
        ("驳回：too expensive", "en"),
        ("Yes", "en"),
        ("好", "zh"),
    ],
)
def test_the_replier_s_language(text: str, language: str | None) -> None:
    assert read_first_line(text).language == language


@settings(max_examples=100, deadline=None)
@given(typed(EXPLICIT + CONVERSATIONAL), LATIN_WORD, TAIL, st.booleans())
def test_through_html_a_keyword_then_words_decides_nothing(
    keyword: tuple[str, str, Decision], word: str, tail: str, bold: bool
) -> None:
    """The same rule on an HTML-only reply (Outlook web, QQ, NetEase), bold keyword or not."""
    shown, _, _ = keyword
    assume(_not_a_keyword(word))
    first = f"<b>{shown}</b>" if bold else shown
    html = f"<html><body><div>{first} {word} {tail}</div><div>second line</div></body></html>"
    assert parse_reply(message(part(html, ctype="text/html"))).decision is None


@settings(max_examples=100, deadline=None)
@given(typed(EXPLICIT), SEPARATED, st.one_of(LATIN_WORD, CJK_WORD))
def test_through_html_an_explicit_keyword_and_reason_decides(
    keyword: tuple[str, str, Decision], sep: str, word: str
) -> None:
    shown, _, decision = keyword
    assume(_not_a_keyword(word))
    html = f"<html><body><div>{shown}{sep}{word}</div></body></html>"
    parsed = parse_reply(message(part(html, ctype="text/html")))
    assert (parsed.decision, parsed.comment) == (decision, word)
