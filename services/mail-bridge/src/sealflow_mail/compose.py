"""Outgoing mails, pure: text + HTML bodies that read well on a phone, bilingual instructions, mailto links."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import quote

from sealflow_mail.domain import MailKind

APPROVE_WORD = "同意 / APPROVE"
REJECT_WORD = "驳回 / REJECT"
INSTRUCTIONS_ZH = (
    "请直接回复本邮件：第一行只写「同意」或「驳回」，或在其后加冒号写明理由（如「驳回：金额超过部门预算」）；"
    "下面各行将作为审批意见。"
)
INSTRUCTIONS_EN = (
    "Reply to this mail with APPROVE or REJECT alone on the first line, or followed by a colon and your "
    "reason (e.g. “REJECT: not this quarter”); the lines below it are your comment."
)
_MAX_FIELD = 500


@dataclass(frozen=True, slots=True)
class Headers:
    mail_from: str
    to: str
    message_id: str
    task_id: str | None = None
    reply_to: str | None = None
    in_reply_to: str | None = None
    references: str | None = None


def subject_for(kind: MailKind, title: str, language: str | None = None) -> str:
    if kind == "confirmation" and language in _CONFIRMATION:
        return f"[{_CONFIRMATION[language]['subject']}] {title}"
    return {
        "task": f"[审批 Approval] {title}",
        "reminder": f"[提醒 Reminder] {title}",
        "confirmation": f"[已记录 Recorded] {title}",
        "settled": f"[已处理 Settled] {title}",
        "help": f"[请重新回复 Please reply again] {title}",
    }[kind]


def _mailto(address: str, subject: str, first_line: str) -> str:
    body = f"{first_line}\n\n"
    return f"mailto:{address}?subject={quote('Re: ' + subject)}&body={quote(body)}"


def _field_value(value: Any) -> str:
    text = value if isinstance(value, str) else "—" if value is None else str(value)
    return text if len(text) <= _MAX_FIELD else text[: _MAX_FIELD - 1] + "…"


def _form_lines(form: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(str(key), _field_value(value)) for key, value in form.items()]


def _text_task(payload: Mapping[str, Any], reply_to: str, subject: str) -> str:
    lines = [payload["title"], ""]
    if payload.get("reminder_number"):
        lines += [
            f"提醒 Reminder #{payload['reminder_number']}: 此审批仍在等待您 / this is still waiting for you.",
            "",
        ]
    lines += [
        f"审批组 Group: {payload.get('group_name', '')}",
        f"申请人 Applicant: {payload.get('applicant_id', '')}",
    ]
    if payload.get("deadline_at"):
        lines.append(f"截止 Deadline: {payload['deadline_at']}")
    lines.append("")
    for key, value in _form_lines(payload.get("form") or {}):
        lines.append(f"  {key}: {value}")
    lines += [
        "",
        INSTRUCTIONS_ZH,
        INSTRUCTIONS_EN,
        "",
        f"  {APPROVE_WORD}: {_mailto(reply_to, subject, '同意 APPROVE')}",
        f"  {REJECT_WORD}: {_mailto(reply_to, subject, '驳回 REJECT')}",
        "",
        f"此邮件的回复链接在 {payload.get('expires_at', '')} 前有效，且只能使用一次。",
        f"The reply works once, until {payload.get('expires_at', '')}. Only replies from this address count.",
    ]
    return "\n".join(lines) + "\n"


_BUTTON = (
    "display:inline-block;padding:12px 20px;margin:4px 8px 4px 0;border-radius:6px;"
    "color:#ffffff;text-decoration:none;font-weight:bold;font-size:16px;background:{bg}"
)


def _html_task(payload: Mapping[str, Any], reply_to: str, subject: str) -> str:
    esc = html.escape
    rows = "".join(
        f'<tr><td style="padding:6px 8px;color:#555;vertical-align:top;white-space:nowrap">{esc(k)}</td>'
        f'<td style="padding:6px 8px;word-break:break-word">{esc(v)}</td></tr>'
        for k, v in _form_lines(payload.get("form") or {})
    )
    reminder = (
        f'<p style="color:#b45309">提醒 Reminder #{int(payload["reminder_number"])}: '
        "此审批仍在等待您 / this is still waiting for you.</p>"
        if payload.get("reminder_number")
        else ""
    )
    deadline = f"<br>截止 Deadline: {esc(str(payload['deadline_at']))}" if payload.get("deadline_at") else ""
    approve = _mailto(reply_to, subject, "同意 APPROVE")
    reject = _mailto(reply_to, subject, "驳回 REJECT")
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body style="margin:0;padding:0;background:#f5f5f5">
<div style="max-width:600px;margin:0 auto;padding:16px;background:#ffffff;font-family:-apple-system,Segoe UI,PingFang SC,Microsoft YaHei,sans-serif;font-size:15px;line-height:1.5;color:#222">
<h2 style="font-size:20px;margin:0 0 8px">{esc(payload["title"])}</h2>
{reminder}
<p style="color:#555;margin:0 0 12px">审批组 Group: {esc(str(payload.get("group_name", "")))}<br>
申请人 Applicant: {esc(str(payload.get("applicant_id", "")))}{deadline}</p>
<table style="width:100%;border-collapse:collapse;border:1px solid #eee;margin-bottom:16px">{rows}</table>
<p style="margin:0 0 4px">{esc(INSTRUCTIONS_ZH)}</p>
<p style="margin:0 0 12px">{esc(INSTRUCTIONS_EN)}</p>
<p><a href="{esc(approve)}" style="{_BUTTON.format(bg="#15803d")}">{esc(APPROVE_WORD)}</a>
<a href="{esc(reject)}" style="{_BUTTON.format(bg="#b91c1c")}">{esc(REJECT_WORD)}</a></p>
<p style="color:#888;font-size:13px">此邮件的回复在 {esc(str(payload.get("expires_at", "")))} 前有效，且只能使用一次。<br>
The reply works once, until {esc(str(payload.get("expires_at", "")))}. Only replies from this address count.</p>
</div></body></html>
"""


# The confirmation, in the language the approver replied in, so that a misreading shows at once.
_CONFIRMATION: dict[str, dict[str, str]] = {
    "zh": {
        "subject": "已记录",
        "recorded": "您对「{title}」的审批决定已记录：{decision}。",
        "approve": "同意",
        "reject": "驳回",
        "comment": "记录的意见：",
        "no_comment": "未记录意见。",
        "status": "申请状态：{status}",
        "approved": "已通过",
        "rejected": "已驳回",
        "withdrawn": "已撤回",
        "final": "审批决定一经记录便不能更改；如这不是您的本意，请立即联系申请人或管理员。",
    },
    "en": {
        "subject": "Recorded",
        "recorded": "Your decision on “{title}” was recorded: {decision}.",
        "approve": "APPROVED",
        "reject": "REJECTED",
        "comment": "Comment recorded:",
        "no_comment": "No comment was recorded.",
        "status": "Request status: {status}",
        "approved": "approved",
        "rejected": "rejected",
        "withdrawn": "withdrawn",
        "final": "A recorded decision cannot be changed; if this is not what you meant, contact the "
        "applicant or an administrator now.",
    },
}


def _confirmation_lines(language: str, payload: Mapping[str, Any]) -> list[str]:
    words = _CONFIRMATION[language]
    decision = words["approve"] if payload.get("decision") == "approve" else words["reject"]
    lines = [words["recorded"].format(title=payload.get("title", ""), decision=decision), ""]
    comment = payload.get("comment")
    if comment:
        lines += [words["comment"], *(f"  {line}" for line in str(comment).splitlines()), ""]
    else:
        lines += [words["no_comment"], ""]
    status = payload.get("request_status")
    if status and status != "pending":
        lines += [words["status"].format(status=words.get(status, status)), ""]
    return [*lines, words["final"]]


def confirmation_text(payload: Mapping[str, Any]) -> str:
    """What was recorded: the decision and the comment, in the replier's language (both when unknown)."""
    language = payload.get("language")
    if language in _CONFIRMATION:
        return "\n".join(_confirmation_lines(language, payload)) + "\n"
    return (
        "\n".join([*_confirmation_lines("zh", payload), "", "—", "", *_confirmation_lines("en", payload)])
        + "\n"
    )


def _notice_text(kind: MailKind, payload: Mapping[str, Any]) -> str:
    title = payload.get("title", "")
    if kind == "confirmation":
        return confirmation_text(payload)
    if kind == "settled":
        return (
            f"「{title}」已处理完毕，无需再回复；您的这封回复未被采用。\n"
            f"“{title}” is already settled, so your reply was not applied. No further action is needed.\n"
            + (f"\n({payload['reason']})\n" if payload.get("reason") else "")
        )
    # help
    return (
        f"我们未能识别您对「{title}」的回复。\n"
        "We could not read a decision in your reply.\n\n"
        f"{INSTRUCTIONS_ZH}\n{INSTRUCTIONS_EN}\n\n"
        "例如 For example:\n\n  同意 APPROVE\n  预算已确认 / budget confirmed\n\n"
        "或 or:\n\n  驳回：金额超过部门预算 / REJECT: over the department budget\n\n"
        "审批仍在等待您的决定 / The task is still waiting for your decision.\n"
    )


def _notice_html(text: str) -> str:
    body = html.escape(text).replace("\n", "<br>\n")
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1"></head>'
        '<body style="font-family:-apple-system,Segoe UI,PingFang SC,Microsoft YaHei,sans-serif;'
        f'font-size:15px;line-height:1.5;color:#222;max-width:600px;margin:0 auto;padding:16px">{body}</body></html>\n'
    )


def _address(value: str) -> str:
    return str(Address(addr_spec=value)) if "<" not in value else value


def render(kind: MailKind, payload: Mapping[str, Any], subject: str, headers: Headers) -> EmailMessage:
    """The complete message for `kind`; `headers.reply_to` is the token address of task and help mails."""
    msg = EmailMessage()
    msg["From"] = headers.mail_from
    msg["To"] = _address(headers.to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = headers.message_id or make_msgid()
    if headers.task_id:
        msg["X-Sealflow-Task"] = headers.task_id  # lets clients and tests filter; not a secret
    if headers.reply_to:
        msg["Reply-To"] = headers.reply_to
    if headers.in_reply_to:
        msg["In-Reply-To"] = headers.in_reply_to
    if headers.references:
        msg["References"] = headers.references
    # RFC 3834: out-of-office responders must not answer us, which keeps replies loop-free.
    msg["Auto-Submitted"] = "auto-generated" if kind in ("task", "reminder") else "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    if kind in ("task", "reminder"):
        reply_to = headers.reply_to or headers.mail_from
        text = _text_task(payload, reply_to, subject)
        html_body = _html_task(payload, reply_to, subject)
    else:
        text = _notice_text(kind, payload)
        html_body = _notice_html(text)
    msg.set_content(text, charset="utf-8")
    msg.add_alternative(html_body, subtype="html", charset="utf-8")
    return msg
