"""Real-shaped replies through the whole path: HTML-only, GBK Chinese, Outlook-CN and Foxmail history."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from sealkit.testing import ServiceProcess

from .conftest import Bridge
from .helpers import open_task, reply_to, send, task_mail, wait_outcomes, wait_task_decided
from .mailrig import DOMAIN, MailRig

APPROVER = f"approver@{DOMAIN}"


async def _round_trip(
    rig: MailRig, bridge: Bridge, approval: ServiceProcess, build: object
) -> tuple[dict[str, str], dict[str, object]]:
    task = await open_task(approval.url, APPROVER)
    mail = await task_mail(rig, APPROVER, task["task_id"])
    reply = build(mail)  # type: ignore[operator]  # a builder below
    await send(rig, reply, APPROVER, str(mail["Reply-To"]))
    [inbound] = await wait_outcomes(bridge.url, task["task_id"], 1)
    state = await wait_task_decided(approval.url, task)
    return inbound, state


def _html_only(mail: EmailMessage) -> EmailMessage:
    html = (
        '<div dir="ltr"><div>APPROVE</div><div>Budget is fine &amp; the vendor is known.</div></div><br>'
        '<div class="gmail_quote"><div class="gmail_attr">On Sat, Nov 21, 2026 Sealflow wrote:</div>'
        "<blockquote>REJECT old text</blockquote></div>"
    )
    return reply_to(mail, APPROVER, html=html)


def _gbk(mail: EmailMessage) -> EmailMessage:
    return reply_to(mail, APPROVER, "驳回\r\n预算超支，请重新报价。\r\n", charset="gbk", cte="base64")


def _outlook_cn(mail: EmailMessage) -> EmailMessage:
    text = (
        "同意，请尽快采购。\r\n\r\n"
        "发件人: Sealflow <bridge@example.test>\r\n"
        "发送时间: 2026年11月21日 10:00\r\n"
        "收件人: approver@example.test\r\n"
        f"主题: {mail['Subject']}\r\n\r\n"
        "驳回 / REJECT（原邮件里的说明）\r\n"
    )
    html = (
        "<html><body><p>同意，请尽快采购。</p>"
        '<div id="divRplyFwdMsg"><b>发件人:</b> Sealflow<br><b>主题:</b> x</div>'
        "<div>驳回 / REJECT</div></body></html>"
    )
    return reply_to(mail, APPROVER, text, html=html, charset="gb2312")


def _foxmail(mail: EmailMessage) -> EmailMessage:
    text = (
        "同意\r\n辛苦了\r\n\r\n"
        "------------------ 原始邮件 ------------------\r\n"
        '发件人: "Sealflow"<bridge@example.test>;\r\n'
        "发送时间: 2026年11月21日(星期六) 上午10:00\r\n"
        '收件人: "approver"<approver@example.test>;\r\n'
        f"主题: {mail['Subject']}\r\n\r\n"
        "请直接回复本邮件：第一行写「同意」或「驳回」\r\n"
    )
    return reply_to(mail, APPROVER, text, charset="gb18030", cte="quoted-printable")


@pytest.mark.parametrize(
    ("build", "status", "comment"),
    [
        (_html_only, "approved", "Budget is fine & the vendor is known."),
        (_gbk, "rejected", "预算超支，请重新报价。"),
        (_outlook_cn, "approved", "请尽快采购。"),
        (_foxmail, "approved", "辛苦了"),
    ],
    ids=["html-only", "gbk", "outlook-cn", "foxmail"],
)
async def test_reply_formats(
    rig: MailRig, bridge: Bridge, approval: ServiceProcess, build: object, status: str, comment: str
) -> None:
    inbound, state = await _round_trip(rig, bridge, approval, build)
    assert inbound["outcome"] == "applied", inbound
    assert (state["status"], state["channel"], state["comment"]) == (status, "email", comment)
