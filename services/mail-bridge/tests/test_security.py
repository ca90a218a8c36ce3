"""Replies that must never be applied: forged sender, tampered token, expired context, reused token,
replayed Message-ID, auto-replies and bounces; and replies to tasks settled on the web."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from sealkit.db import service_database_url
from sealkit.testing import ServiceProcess, auth

from .conftest import Bridge
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
)
from .mailrig import DOMAIN, MailRig

APPROVER = f"approver@{DOMAIN}"
MALLORY = f"mallory@{DOMAIN}"
APPROVER2 = f"approver2@{DOMAIN}"  # its own address: help mails are rate-limited per approver


async def _pending(approval: ServiceProcess, task: dict[str, str]) -> None:
    assert (await task_state(approval.url, task))["status"] == "pending"


async def test_forged_sender_is_refused_and_does_not_use_up_the_token(
    rig: MailRig, bridge: Bridge, approval: ServiceProcess
) -> None:
    task = await open_task(approval.url, APPROVER)
    mail = await task_mail(rig, APPROVER, task["task_id"])
    # a forwarded mail replied to by someone else
    await send(rig, reply_to(mail, MALLORY, "APPROVE"), MALLORY, str(mail["Reply-To"]))
    [forged] = await wait_outcomes(bridge.url, task["task_id"], 1)
    assert forged["outcome"] == "forged" and "not by the task's approver" in forged["detail"]
    await _pending(approval, task)
    # a From header spoofed by name only is still another address
    spoof = reply_to(mail, f'"{APPROVER}" <{MALLORY}>', "APPROVE")
    await send(rig, spoof, MALLORY, str(mail["Reply-To"]))
    await wait_outcomes(bridge.url, task["task_id"], 2)
    await _pending(approval, task)
    # the approver's own reply still works afterwards
    await send(rig, reply_to(mail, APPROVER, "REJECT\nnot this quarter"), APPROVER, str(mail["Reply-To"]))
    outcomes = await wait_outcomes(bridge.url, task["task_id"], 3)
    assert [o["outcome"] for o in outcomes] == ["forged", "forged", "applied"]
    state = await task_state(approval.url, task)
    assert (state["status"], state["comment"]) == ("rejected", "not this quarter")
    assert {m["kind"] for m in await outbound_for(bridge.url, task["task_id"])} == {"task", "confirmation"}


def _tamper(value: str, token: str) -> str:
    flipped = token[:-1] + ("0" if token[-1] != "0" else "1")
    return value.replace(token, flipped)


async def test_tampered_token_is_forged(rig: MailRig, bridge: Bridge, approval: ServiceProcess) -> None:
    task = await open_task(approval.url, APPROVER)
    mail = await task_mail(rig, APPROVER, task["task_id"])
    token = str(mail["Reply-To"]).split("+", 1)[1].split("@", 1)[0]
    to = _tamper(str(mail["Reply-To"]), token)
    reply = reply_to(mail, APPROVER, "APPROVE", to=to, references=_tamper(str(mail["Message-ID"]), token))
    await send(rig, reply, APPROVER, to)
    # the tampered token matches no context, so the mail is not linked to the task: find it by sender
    async with httpx.AsyncClient(base_url=bridge.url) as client:
        for _ in range(150):
            items = (
                await client.get("/v1/mail/inbound", params={"outcome": "forged"}, headers=auth("a", "admin"))
            ).json()["items"]
            mine = [i for i in items if i["message_id"] == str(reply["Message-ID"])]
            if mine:
                break
            await asyncio.sleep(0.1)
    assert mine and mine[0]["outcome"] == "forged" and "matches no mail" in mine[0]["detail"]
    assert await inbound_for(bridge.url, task["task_id"]) == []  # not linked to the task
    await _pending(approval, task)


async def test_reply_without_any_token_is_unknown_task(rig: MailRig, bridge: Bridge) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = APPROVER, f"bridge@{DOMAIN}", "Re: something"
    msg["Message-ID"] = f"<no-token.{id(msg)}@client.example.test>"
    msg.set_content("APPROVE")
    await send(rig, msg, APPROVER, f"bridge@{DOMAIN}")
    async with httpx.AsyncClient(base_url=bridge.url) as client:
        for _ in range(150):
            items = (
                await client.get(
                    "/v1/mail/inbound", params={"outcome": "unknown_task"}, headers=auth("a", "admin")
                )
            ).json()["items"]
            if any(i["message_id"] == msg["Message-ID"] for i in items):
                return
            await asyncio.sleep(0.1)
    raise AssertionError("the mail without a token was not recorded as unknown_task")


async def test_expired_context(rig: MailRig, bridge: Bridge, approval: ServiceProcess) -> None:
    task = await open_task(approval.url, APPROVER)
    mail = await task_mail(rig, APPROVER, task["task_id"])
    engine = create_async_engine(service_database_url(bridge.database_url, "mail-bridge"))
    async with engine.begin() as conn:
        await conn.execute(
            sa.text("UPDATE mail_contexts SET expires_at = now() - interval '1 minute' WHERE task_id = :t"),
            {"t": task["task_id"]},
        )
    await engine.dispose()
    await send(rig, reply_to(mail, APPROVER, "同意"), APPROVER, str(mail["Reply-To"]))
    [inbound] = await wait_outcomes(bridge.url, task["task_id"], 1)
    assert inbound["outcome"] == "expired"
    await _pending(approval, task)


async def test_reused_token_and_replayed_message_id(
    rig: MailRig, bridge: Bridge, approval: ServiceProcess
) -> None:
    task = await open_task(approval.url, APPROVER, approvers=2)  # the request stays pending after one
    mail = await task_mail(rig, APPROVER, task["task_id"])
    first = reply_to(mail, APPROVER, "APPROVE\nfirst")
    await send(rig, first, APPROVER, str(mail["Reply-To"]))
    await wait_outcomes(bridge.url, task["task_id"], 1)
    # the same mail delivered again (a client re-sending, a relay duplicating)
    await send(rig, first, APPROVER, str(mail["Reply-To"]))
    # a second, different reply with the same token (the approver changed their mind)
    await send(rig, reply_to(mail, APPROVER, "REJECT\nsecond thoughts"), APPROVER, str(mail["Reply-To"]))
    outcomes = await wait_outcomes(bridge.url, task["task_id"], 3)
    assert [o["outcome"] for o in outcomes] == ["applied", "reused", "reused"]
    assert "same Message-ID" in outcomes[1]["detail"]
    assert "already used" in outcomes[2]["detail"]
    state = await task_state(approval.url, task)
    assert (state["status"], state["comment"]) == ("approved", "first")


async def test_replayed_message_id_is_answered_once(
    rig: MailRig, bridge: Bridge, approval: ServiceProcess
) -> None:
    task = await open_task(approval.url, APPROVER)
    mail = await task_mail(rig, APPROVER, task["task_id"])
    unreadable = reply_to(mail, APPROVER, "Let me think about it.")
    await send(rig, unreadable, APPROVER, str(mail["Reply-To"]))
    await send(rig, unreadable, APPROVER, str(mail["Reply-To"]))
    outcomes = await wait_outcomes(bridge.url, task["task_id"], 2)
    assert [o["outcome"] for o in outcomes] == ["unparseable", "reused"]
    await _pending(approval, task)


async def test_auto_reply_and_bounce_are_dropped_without_answer(
    rig: MailRig, bridge: Bridge, approval: ServiceProcess
) -> None:
    task = await open_task(approval.url, APPROVER)
    mail = await task_mail(rig, APPROVER, task["task_id"])
    ooo = reply_to(
        mail,
        APPROVER,
        "APPROVE? I am out of office until Monday.",
        headers={"Auto-Submitted": "auto-replied"},
    )
    await send(rig, ooo, APPROVER, str(mail["Reply-To"]))
    subject_only = reply_to(mail, APPROVER, "我正在休假。")
    del subject_only["Subject"]
    subject_only["Subject"] = "自动回复: " + str(mail["Subject"])
    await send(rig, subject_only, APPROVER, str(mail["Reply-To"]))
    await send(rig, _bounce(mail), f"MAILER-DAEMON@{DOMAIN}", str(mail["Reply-To"]))
    outcomes = await wait_outcomes(bridge.url, task["task_id"], 3)
    assert [o["outcome"] for o in outcomes] == ["auto_reply"] * 3
    await _pending(approval, task)
    assert {m["kind"] for m in await outbound_for(bridge.url, task["task_id"])} == {"task"}


def _bounce(original: EmailMessage) -> bytes:
    """A DSN as Postfix sends it: multipart/report from MAILER-DAEMON, quoting our mail's headers."""
    return (
        f"From: Mail Delivery System <MAILER-DAEMON@{DOMAIN}>\r\n"
        f"To: {original['Reply-To']}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <bounce.{id(original)}@{DOMAIN}>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered. APPROVE\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.test\r\n\r\nFinal-Recipient: rfc822; x@example.test\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original['Message-ID']}\r\n"
        "--B--\r\n"
    ).encode()


async def test_unparseable_reply_gets_one_help_mail(
    rig: MailRig, bridge: Bridge, approval: ServiceProcess
) -> None:
    task = await open_task(approval.url, APPROVER2)
    mail = await task_mail(rig, APPROVER2, task["task_id"])
    # Issue 11: these read like a decision to a careless parser; none of them is one.
    for text in (
        "No problem, I will look at it on Monday.",
        "Yes, but who asked for this? Call me first.",
        "好的，我看一下",
    ):
        await send(rig, reply_to(mail, APPROVER2, text), APPROVER2, str(mail["Reply-To"]))
    outcomes = await wait_outcomes(bridge.url, task["task_id"], 3)
    assert [o["outcome"] for o in outcomes] == ["unparseable"] * 3
    await _pending(approval, task)
    helps = await outbound_for(bridge.url, task["task_id"], kind="help")
    assert len(helps) == 1  # rate-limited per approver
    # the help mail carries the token again, so answering it works
    help_mail = (await _wait_kind(rig, task["task_id"], "Please", APPROVER2))[0]
    assert str(help_mail["Reply-To"]) == str(mail["Reply-To"])
    await send(rig, reply_to(help_mail, APPROVER2, "同意"), APPROVER2, str(help_mail["Reply-To"]))
    outcomes = await wait_outcomes(bridge.url, task["task_id"], 4)
    assert outcomes[-1]["outcome"] == "applied"


async def _wait_kind(rig: MailRig, task_id: str, subject: str, user: str = APPROVER) -> list[EmailMessage]:
    return await wait_mail(rig, user, "HEADER", "X-Sealflow-Task", task_id, "SUBJECT", subject)


async def test_task_decided_on_the_web_gets_a_polite_settled_answer(
    rig: MailRig, bridge: Bridge, approval: ServiceProcess
) -> None:
    task = await open_task(approval.url, APPROVER)
    mail = await task_mail(rig, APPROVER, task["task_id"])
    async with httpx.AsyncClient(base_url=approval.url) as client:
        decided = await client.post(
            f"/v1/tasks/{task['task_id']}/decision",
            json={"decision": "reject", "channel": "web"},
            headers=auth(task["approver_id"], "approver"),
        )
    assert decided.status_code == 200, decided.text
    await send(rig, reply_to(mail, APPROVER, "APPROVE"), APPROVER, str(mail["Reply-To"]))
    [inbound] = await wait_outcomes(bridge.url, task["task_id"], 1)
    assert inbound["outcome"] == "expired" and "approval" in inbound["detail"]
    settled = await _wait_kind(rig, task["task_id"], "Settled")
    assert "already settled" in settled[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    state = await task_state(approval.url, task)
    assert (state["status"], state["channel"]) == ("rejected", "web")
