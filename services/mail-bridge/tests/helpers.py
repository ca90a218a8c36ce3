"""Builders and waits shared by the mail-bridge tests: approval requests, mailboxes, replies."""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import aioimaplib
import aiosmtplib
import httpx

from sealkit.jsonutil import dumps
from sealkit.signing import HEADER, sign
from sealkit.testing import TEST_EVENT_SECRET, auth, unique

from .mailrig import MailRig

ADMIN = auth("admin-1", "admin")


async def open_task(
    approval_url: str, approver_email: str | None, *, email_approval: bool = True, approvers: int = 1
) -> dict[str, Any]:
    """An approval request with one group; returns ids of the request, its first task and the applicant."""
    applicant = unique("applicant")
    people = [unique("approver") for _ in range(approvers)]
    body = {
        "title": f"采购笔记本电脑 Laptop {uuid.uuid4().hex[:6]}",
        "form": {"金额 amount": 8999, "理由 reason": "开发用 for development", "vendor": "ACME"},
        "combine": "all",
        "groups": [
            {
                "name": "财务 finance",
                "mode": "all",
                "approvers": [
                    {"id": p, "email": approver_email, "email_approval": email_approval} for p in people
                ],
            }
        ],
    }
    async with httpx.AsyncClient(base_url=approval_url) as client:
        response = await client.post("/v1/approval-requests", json=body, headers=auth(applicant, "applicant"))
    assert response.status_code == 201, response.text
    created = response.json()
    tasks = created["groups"][0]["tasks"]
    return {
        "request_id": created["id"],
        "task_id": tasks[0]["id"],
        "approver_id": tasks[0]["approver_id"],
        "applicant": applicant,
        "title": created["title"],
    }


async def task_state(approval_url: str, task: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=approval_url) as client:
        response = await client.get(
            f"/v1/approval-requests/{task['request_id']}", headers=auth(task["applicant"], "applicant")
        )
    assert response.status_code == 200, response.text
    for t in response.json()["groups"][0]["tasks"]:
        if t["id"] == task["task_id"]:
            found: dict[str, Any] = t
            return found
    raise AssertionError("task not in its request")


async def wait_task_decided(approval_url: str, task: dict[str, Any], timeout: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = await task_state(approval_url, task)
        if state["status"] != "pending" or time.monotonic() > deadline:
            return state
        await asyncio.sleep(0.1)


async def inbound_for(bridge_url: str, task_id: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=bridge_url) as client:
        response = await client.get("/v1/mail/inbound", params={"task_id": task_id}, headers=ADMIN)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def wait_outcomes(
    bridge_url: str, task_id: str, count: int, timeout: float = 15.0
) -> list[dict[str, Any]]:
    """The task's inbound mails, oldest first, once `count` of them have an outcome."""
    deadline = time.monotonic() + timeout
    while True:
        items = await inbound_for(bridge_url, task_id)
        done = [i for i in items if i["outcome"] is not None]
        if len(done) >= count:
            return list(reversed(items))
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(done)} of {count} inbound outcomes for {task_id}: {items}")
        await asyncio.sleep(0.1)


async def outbound_for(bridge_url: str, task_id: str, kind: str | None = None) -> list[dict[str, Any]]:
    params = {"task_id": task_id, **({"kind": kind} if kind else {})}
    async with httpx.AsyncClient(base_url=bridge_url) as client:
        response = await client.get("/v1/mail/outbound", params=params, headers=ADMIN)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def imap_login(rig: MailRig, user: str) -> aioimaplib.IMAP4:
    client = aioimaplib.IMAP4("127.0.0.1", rig.imap_port, timeout=10)
    await client.wait_hello_from_server()
    assert (await client.login(user, rig.users[user])).result == "OK"
    assert (await client.select("INBOX")).result == "OK"
    return client


async def find_mails(rig: MailRig, user: str, *criteria: str) -> list[EmailMessage]:
    client = await imap_login(rig, user)
    try:
        found = await client.search(*criteria, charset=None)
        ids = [p for line in found.lines[:1] for p in line.split() if p.isdigit()]
        out = []
        for seq in ids:
            fetched = await client.fetch(seq.decode(), "(BODY.PEEK[])")
            body = next(bytes(x) for x in fetched.lines if isinstance(x, bytearray))
            out.append(email.message_from_bytes(body, policy=email.policy.default))
        return out
    finally:
        await client.logout()


async def wait_mail(
    rig: MailRig, user: str, *criteria: str, count: int = 1, timeout: float = 15.0
) -> list[EmailMessage]:
    deadline = time.monotonic() + timeout
    while True:
        found = await find_mails(rig, user, *criteria)
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(found)} of {count} mails for {user} matching {criteria}")
        await asyncio.sleep(0.1)


async def task_mail(rig: MailRig, user: str, task_id: str) -> EmailMessage:
    mails = await wait_mail(rig, user, "HEADER", "X-Sealflow-Task", task_id, "SUBJECT", "Approval")
    return mails[0]


def reply_to(original: EmailMessage, sender: str, text: str | None = None, **options: Any) -> EmailMessage:
    """A reply to `original` as a mail client writes it: To its Reply-To, In-Reply-To/References its id."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = options.pop("to", None) or str(original["Reply-To"])
    msg["Subject"] = "Re: " + str(original["Subject"])
    msg["Message-ID"] = options.pop("message_id", None) or make_msgid(domain="client.example.test")
    references = options.pop("references", str(original["Message-ID"]))
    if references:
        msg["In-Reply-To"] = references
        msg["References"] = references
    for name, value in options.pop("headers", {}).items():
        msg[name] = value
    html = options.pop("html", None)
    charset = options.pop("charset", "utf-8")
    if text is not None:
        msg.set_content(text, charset=charset, cte=options.pop("cte", None))
    if html is not None:
        if text is None:
            msg.set_content(html, subtype="html", charset=charset)
        else:
            msg.add_alternative(html, subtype="html", charset=charset)
    assert not options, options
    return msg


async def send(rig: MailRig, msg: EmailMessage | bytes, sender: str, rcpt: str) -> None:
    await aiosmtplib.send(
        msg,
        sender=sender,
        recipients=[rcpt],
        hostname="127.0.0.1",
        port=rig.smtp_port,
        start_tls=False,
    )


async def post_event(bridge_url: str, event_type: str, data: dict[str, Any]) -> httpx.Response:
    """Deliver a signed event as approval's dispatcher would."""
    event = {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "source": "approval",
        "occurred_at": datetime.now(UTC),
    }
    raw = dumps({**event, "data": data})
    async with httpx.AsyncClient(base_url=bridge_url) as client:
        return await client.post(
            "/v1/events",
            content=raw,
            headers={"Content-Type": "application/json", HEADER: sign(raw, TEST_EVENT_SECRET)},
        )


def task_created_body(task: dict[str, Any], approver_email: str) -> dict[str, Any]:
    return {
        "task_id": task["task_id"],
        "request_id": task["request_id"],
        "group_id": str(uuid.uuid4()),
        "group_name": "财务 finance",
        "title": task["title"],
        "form": {"金额 amount": 8999},
        "applicant_id": task["applicant"],
        "approver_id": task["approver_id"],
        "approver_email": approver_email,
        "email_approval": True,
    }
