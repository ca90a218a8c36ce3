"""The confirmation mail tells the approver what was recorded, in the language they replied in."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from sealflow_mail.compose import Headers, confirmation_text, render, subject_for
from sealflow_mail.reading import read_mail
from sealflow_mail.submit import Answer, recorded_decision

from .mailbuild import plain

TITLE = "采购单 PO-2026-1120"


def _payload(**extra: Any) -> dict[str, Any]:
    return {
        "title": TITLE,
        "decision": "reject",
        "comment": "金额超过部门预算",
        "request_status": "rejected",
        **extra,
    }


def test_chinese_reply_is_confirmed_in_chinese_with_the_recorded_comment() -> None:
    text = confirmation_text(_payload(language="zh"))
    assert f"您对「{TITLE}」的审批决定已记录：驳回。" in text
    assert "记录的意见：\n  金额超过部门预算" in text
    assert "申请状态：已驳回" in text
    assert "不能更改" in text
    assert not any(word in text for word in ("Your decision", "REJECTED", "Comment"))


def test_english_reply_is_confirmed_in_english() -> None:
    text = confirmation_text(
        _payload(language="en", decision="approve", comment="fine\nship it", request_status="pending")
    )
    assert f"Your decision on “{TITLE}” was recorded: APPROVED." in text
    assert "Comment recorded:\n  fine\n  ship it" in text
    assert "Request status" not in text  # still pending: nothing to add
    assert "已记录" not in text and "驳回" not in text


def test_no_comment_is_said_so() -> None:
    assert "No comment was recorded." in confirmation_text(_payload(language="en", comment=None))
    assert "未记录意见。" in confirmation_text(_payload(language="zh", comment=None))


def test_unknown_language_gets_both() -> None:
    text = confirmation_text(_payload(language=None))
    assert "已记录：驳回" in text and "was recorded: REJECTED" in text


@pytest.mark.parametrize(
    ("language", "prefix"), [("zh", "[已记录] "), ("en", "[Recorded] "), (None, "[已记录 Recorded] ")]
)
def test_subject_is_in_the_replier_s_language(language: str | None, prefix: str) -> None:
    assert subject_for("confirmation", TITLE, language) == prefix + TITLE


def test_rendered_confirmation_carries_the_text_in_both_parts() -> None:
    headers = Headers(
        mail_from="Sealflow <s@example.com>", to="bob@example.com", message_id="<m@example.com>"
    )
    msg = render("confirmation", _payload(language="en"), subject_for("confirmation", TITLE, "en"), headers)
    plain_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    assert plain_part is not None and html_part is not None
    assert "was recorded: REJECTED" in plain_part.get_content()
    assert "金额超过部门预算" in html_part.get_content()


@pytest.mark.parametrize(
    ("reply", "language"),
    [("驳回：金额超过部门预算\n", "zh"), ("Reject - not this quarter\n", "en"), ("同意 APPROVE\n", None)],
)
def test_the_reading_carries_the_replier_s_language(reply: str, language: str | None) -> None:
    assert read_mail(plain(reply)).language == language


ROW = SimpleNamespace(decision="approve", comment="submitted comment")


def test_the_recorded_decision_and_comment_come_from_approval_s_answer() -> None:
    answer = Answer(
        "applied", "decision recorded", "pending", recorded={"status": "rejected", "comment": "kept"}
    )
    assert recorded_decision(ROW, answer) == ("reject", "kept")  # type: ignore[arg-type]
    empty = Answer(
        "applied", "decision recorded", "pending", recorded={"status": "approved", "comment": None}
    )
    assert recorded_decision(ROW, empty) == ("approve", None)  # type: ignore[arg-type]


def test_without_the_task_in_the_answer_the_submitted_values_are_told() -> None:
    answer = Answer("applied", "decision recorded", "pending")
    assert recorded_decision(ROW, answer) == ("approve", "submitted comment")  # type: ignore[arg-type]
