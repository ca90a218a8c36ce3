"""The whole round trip against real Dovecot, a real SMTP entry point and approval as a real process."""

from __future__ import annotations

import re

import httpx

from sealkit.testing import ServiceProcess, auth

from .conftest import BRIDGE_USER, Bridge
from .helpers import (
    inbound_for,
    open_task,
    outbound_for,
    reply_to,
    send,
    task_mail,
    task_state,
    wait_mail,
    wait_outcomes,
    wait_task_decided,
)
from .mailrig import DOMAIN, MailRig

APPROVER = f"approver@{DOMAIN}"


async def test_task_mail_reply_decision_confirmation(
    rig: MailRig, bridge: Bridge, approval: ServiceProcess
) -> None:
    task = await open_task(approval.url, APPROVER)
    mail = await task_mail(rig, APPROVER, task["task_id"])

    # what the approver gets: text and HTML, instructions in both languages, a token in Reply-To and Message-ID
    reply_address = str(mail["Reply-To"])
    token = re.fullmatch(r"bridge\+([0-9a-f]{40})@example\.test", reply_address)
    assert token is not None, reply_address
    assert str(mail["Message-ID"]).startswith(f"<sealflow.{token.group(1)}.")
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for needed in ("同意", "APPROVE", "驳回", "REJECT", "金额 amount", "8999", task["title"]):
        assert needed in text and needed in html, needed
    assert f"mailto:{reply_address}?subject=" in html
    assert mail["Auto-Submitted"] == "auto-generated"

    reply = reply_to(mail, APPROVER, "同意\n预算已确认。\n\n在 2026-11-21 写道：\n> 原文\n")
    await send(rig, reply, APPROVER, reply_address)

    state = await wait_task_decided(approval.url, task)
    assert (state["status"], state["channel"], state["comment"]) == ("approved", "email", "预算已确认。")
    [inbound] = await wait_outcomes(bridge.url, task["task_id"], 1)
    assert inbound["outcome"] == "applied"
    assert inbound["from_address"] == APPROVER
    confirmation = await wait_mail(rig, APPROVER, "HEADER", "In-Reply-To", str(reply["Message-ID"]))
    assert "已记录" in str(confirmation[0]["Subject"])
    # What was recorded, in the language the approver replied in (Chinese here), and nothing else.
    body = confirmation[0].get_body(preferencelist=("plain",))
    assert body is not None
    told = body.get_content()
    assert "已记录：同意" in told and "预算已确认。" in told
    assert "Your decision" not in told and "原文" not in told
    assert confirmation[0]["Auto-Submitted"] == "auto-replied"
    sent = await outbound_for(bridge.url, task["task_id"])
    assert {m["kind"] for m in sent} == {"task", "confirmation"}
    assert all(m["status"] == "sent" and m["raw"] is None for m in sent)  # no token kept once sent


async def test_admin_lists_need_admin(bridge: Bridge) -> None:
    async with httpx.AsyncClient(base_url=bridge.url) as client:
        assert (await client.get("/v1/mail/inbound")).status_code == 401
        assert (await client.get("/v1/mail/outbound", headers=auth("u1", "approver"))).status_code == 403
        ok = await client.get("/v1/mail/outbound", headers=auth("a1", "admin"))
        assert ok.status_code == 200 and "items" in ok.json()


async def test_no_mail_without_email_approval(bridge: Bridge, approval: ServiceProcess) -> None:
    task = await open_task(approval.url, APPROVER, email_approval=False)
    other = await open_task(approval.url, APPROVER)  # events are delivered in order: wait for this one
    await _wait_queued(bridge, other["task_id"])
    assert await outbound_for(bridge.url, task["task_id"]) == []
    assert await inbound_for(bridge.url, task["task_id"]) == []
    assert (await task_state(approval.url, task))["status"] == "pending"


async def _wait_queued(bridge: Bridge, task_id: str) -> None:
    import asyncio

    for _ in range(150):
        if await outbound_for(bridge.url, task_id):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("no mail queued")


__all__ = ["BRIDGE_USER"]
