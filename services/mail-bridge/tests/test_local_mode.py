"""Local mode (no mail servers): outbound kept in the sink that GET /v1/mail/outbound shows, replies taken
by the bridge's own SMTP listener; plus the event intake's signature and once-only rules."""

from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import httpx
import pytest

from sealflow_mail.main import create_app
from sealkit.jsonutil import dumps
from sealkit.signing import HEADER, sign
from sealkit.testing import (
    TEST_EVENT_SECRET,
    ServiceProcess,
    create_test_database,
    drop_database,
    free_port,
    live_server,
)

from .conftest import make_settings
from .helpers import (
    ADMIN,
    inbound_for,
    open_task,
    outbound_for,
    reply_to,
    task_created_body,
    wait_outcomes,
    wait_task_decided,
)

APPROVER = "someone@corp.example"


@pytest.fixture(scope="module")
async def local_bridge(approval: ServiceProcess) -> AsyncIterator[tuple[str, int]]:
    database_url = await create_test_database("mail-bridge")
    port = free_port()
    settings = make_settings(
        reply_address="approvals@sealflow.local",
        mail_from="Sealflow <noreply@sealflow.local>",
        listen=f"127.0.0.1:{port}",
        local_listener=None,  # the default: on, since no IMAP URL is set
        approval_url=approval.url,
    )
    assert settings.local_mode and settings.run_listener
    async with live_server(create_app(settings, database_url=database_url)) as url:
        yield url, port
    await drop_database(database_url)


def _event(event_type: str, data: dict[str, Any], event_id: str | None = None) -> bytes:
    return dumps(
        {
            "id": event_id or str(uuid.uuid4()),
            "type": event_type,
            "source": "approval",
            "occurred_at": "2026-11-21T10:00:00Z",
            "data": data,
        }
    )


async def _post(url: str, raw: bytes, secret: str = TEST_EVENT_SECRET) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url) as client:
        return await client.post("/v1/events", content=raw, headers={HEADER: sign(raw, secret)})


async def test_local_round_trip(local_bridge: tuple[str, int], approval: ServiceProcess) -> None:
    url, port = local_bridge
    task = await open_task(approval.url, APPROVER, email_approval=False)
    raw_event = _event("approval.task.created", task_created_body(task, APPROVER))
    assert (await _post(url, raw_event)).json()["status"] == "processed"
    assert (await _post(url, raw_event)).json()["status"] == "duplicate"  # the same event id: no second mail

    sent = await _wait_sent(url, task["task_id"], "task")
    assert sent["to_address"] == APPROVER and sent["raw"]
    mail = email.message_from_string(sent["raw"], policy=email.policy.default)
    assert isinstance(mail, EmailMessage)
    assert str(mail["Reply-To"]).startswith("approvals+")

    reply = reply_to(mail, APPROVER, "APPROVE\nlooks right")
    answer = await aiosmtplib.send(
        reply,
        sender=APPROVER,
        recipients=[str(mail["Reply-To"])],
        hostname="127.0.0.1",
        port=port,
        start_tls=False,
    )
    assert "applied" in answer[1]  # the listener answers once the decision is recorded
    state = await wait_task_decided(approval.url, task)
    assert (state["status"], state["channel"], state["comment"]) == ("approved", "email", "looks right")
    confirmation = await _wait_sent(url, task["task_id"], "confirmation")
    assert confirmation["in_reply_to"] == reply["Message-ID"]
    # An English reply is confirmed in English: the decision and the comment approval recorded.
    told = email.message_from_string(confirmation["raw"], policy=email.policy.default)
    assert isinstance(told, EmailMessage)
    assert str(told["Subject"]).startswith("[Recorded]")
    body = told.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "was recorded: APPROVED" in text and "  looks right" in text and "已记录" not in text


async def _wait_sent(url: str, task_id: str, kind: str) -> dict[str, Any]:
    import asyncio

    for _ in range(150):
        items = [m for m in await outbound_for(url, task_id, kind) if m["status"] == "sent"]
        if items:
            return items[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {kind} mail sent for {task_id}")


async def test_events_need_a_valid_signature_and_email_approval(local_bridge: tuple[str, int]) -> None:
    url, _ = local_bridge
    task = {
        "task_id": str(uuid.uuid4()),
        "request_id": str(uuid.uuid4()),
        "title": "t",
        "applicant": "a",
        "approver_id": "b",
    }
    raw = _event("approval.task.created", task_created_body(task, APPROVER))
    assert (await _post(url, raw, secret="wrong")).status_code == 401
    off = _event("approval.task.created", {**task_created_body(task, APPROVER), "email_approval": False})
    assert (await _post(url, off)).status_code == 200
    assert await outbound_for(url, task["task_id"]) == []
    bad = _event("approval.task.created", {"task_id": "not-a-uuid"})
    assert (await _post(url, bad)).status_code == 422


async def test_reminder_sends_a_fresh_token(local_bridge: tuple[str, int]) -> None:
    url, _ = local_bridge
    task = {
        "task_id": str(uuid.uuid4()),
        "request_id": str(uuid.uuid4()),
        "title": "t",
        "applicant": "a",
        "approver_id": "b",
    }
    assert (await _post(url, _event("approval.task.created", task_created_body(task, APPROVER)))).is_success
    reminder = {
        "task_id": task["task_id"],
        "request_id": task["request_id"],
        "title": "t",
        "approver_id": "b",
        "approver_email": APPROVER,
        "email_approval": True,
        "pending_since": "2026-11-20T10:00:00Z",
        "reminder_number": 1,
    }
    assert (await _post(url, _event("approval.task.reminder", reminder))).is_success
    first = await _wait_sent(url, task["task_id"], "task")
    again = await _wait_sent(url, task["task_id"], "reminder")
    reply_first = email.message_from_string(first["raw"], policy=email.policy.default)["Reply-To"]
    reply_again = email.message_from_string(again["raw"], policy=email.policy.default)["Reply-To"]
    assert reply_first != reply_again
    async with httpx.AsyncClient(base_url=url) as client:
        page = await client.get("/v1/mail/outbound", params={"limit": 1}, headers=ADMIN)
    assert page.status_code == 200 and len(page.json()["items"]) == 1 and page.json()["next_cursor"]


async def test_decision_waits_for_approval_to_come_back(suite_base: str, approval: ServiceProcess) -> None:
    """Approval down when the reply arrives: the decision is kept and submitted once approval answers."""
    database_url = await create_test_database("mail-bridge")
    approval_port, listen_port = free_port(), free_port()
    settings = make_settings(
        listen=f"127.0.0.1:{listen_port}",
        local_listener=True,
        approval_url=f"http://127.0.0.1:{approval_port}",  # nothing listens there yet
        submit_retry_seconds=0.2,
    )
    second_approval: ServiceProcess | None = None
    try:
        async with live_server(create_app(settings, database_url=database_url)) as url:
            task = await open_task(approval.url, APPROVER, email_approval=False)
            assert (
                await _post(url, _event("approval.task.created", task_created_body(task, APPROVER)))
            ).is_success
            mail = email.message_from_string(
                (await _wait_sent(url, task["task_id"], "task"))["raw"], policy=email.policy.default
            )
            assert isinstance(mail, EmailMessage)
            reply = reply_to(mail, APPROVER, "同意\n等一等")
            answer = await aiosmtplib.send(
                reply,
                sender=APPROVER,
                recipients=[str(mail["Reply-To"])],
                hostname="127.0.0.1",
                port=listen_port,
                start_tls=False,
            )
            assert "queued" in answer[1]  # accepted and kept, not applied yet
            [pending] = await inbound_for(url, task["task_id"])
            assert pending["outcome"] is None and "unreachable" in pending["detail"]
            second_approval = ServiceProcess(
                "sealflow_approval.main:create_app",
                port=approval_port,
                env={"SEALFLOW_ENV": "test", "SEALFLOW_DATABASE_URL": suite_base},
            ).start()
            [applied] = await wait_outcomes(url, task["task_id"], 1)
            assert applied["outcome"] == "applied"
            state = await wait_task_decided(approval.url, task)
            assert (state["status"], state["comment"]) == ("approved", "等一等")
    finally:
        if second_approval is not None:
            second_approval.stop()
        await drop_database(database_url)


async def test_hostile_bytes_are_stored_cleanly(
    local_bridge: tuple[str, int], approval: ServiceProcess
) -> None:
    """NUL bytes, undecodable 8-bit headers and a junk Message-ID must not make a mail unstorable."""
    url, port = local_bridge
    task = await open_task(approval.url, APPROVER, email_approval=False)
    assert (await _post(url, _event("approval.task.created", task_created_body(task, APPROVER)))).is_success
    mail = email.message_from_string(
        (await _wait_sent(url, task["task_id"], "task"))["raw"], policy=email.policy.default
    )
    raw = (
        f"From: \xff\xfe <{APPROVER}>\r\n".encode("latin-1")
        + f"To: {mail['Reply-To']}\r\n".encode()
        + b"Subject: Re: nul\x00here \xc3\x28\r\n"
        + b"Message-ID: <junk id with spaces>\r\n"
        + b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + "同意\r\n好的\x00，没问题\r\n".encode()
    )
    answer = await aiosmtplib.send(
        raw,
        sender=APPROVER,
        recipients=[str(mail["Reply-To"])],
        hostname="127.0.0.1",
        port=port,
        start_tls=False,
    )
    assert "applied" in answer[1]
    [inbound] = await inbound_for(url, task["task_id"])
    assert inbound["outcome"] == "applied" and "\x00" not in inbound["subject"]
    assert inbound["comment"] == "好的，没问题"
    confirmation = await _wait_sent(url, task["task_id"], "confirmation")
    assert confirmation["in_reply_to"] is None  # a junk Message-ID is not echoed into headers


async def test_dmarc_pass_from_the_trusted_server_is_required_when_configured(
    approval: ServiceProcess,
) -> None:
    database_url = await create_test_database("mail-bridge")
    port = free_port()
    settings = make_settings(
        listen=f"127.0.0.1:{port}",
        local_listener=True,
        approval_url=approval.url,
        trusted_authserv_id="mx.corp.example",
    )
    try:
        async with live_server(create_app(settings, database_url=database_url)) as url:
            task = await open_task(approval.url, APPROVER, email_approval=False)
            assert (
                await _post(url, _event("approval.task.created", task_created_body(task, APPROVER)))
            ).is_success
            raw = (await _wait_sent(url, task["task_id"], "task"))["raw"]
            mail = email.message_from_string(raw, policy=email.policy.default)
            assert isinstance(mail, EmailMessage)
            to = str(mail["Reply-To"])

            async def reply(auth_results: list[str], text: str) -> str:
                msg = reply_to(mail, APPROVER, text)
                for value in auth_results:
                    msg["Authentication-Results"] = value
                answer = await aiosmtplib.send(
                    msg, sender=APPROVER, recipients=[to], hostname="127.0.0.1", port=port, start_tls=False
                )
                return answer[1]

            assert "forged" in await reply([], "APPROVE")
            assert "forged" in await reply(["evil.example; dmarc=pass header.from=corp.example"], "APPROVE")
            assert "forged" in await reply(
                ["mx.corp.example; dmarc=fail header.from=corp.example"], "APPROVE"
            )
            assert "applied" in await reply(
                ["mx.corp.example; spf=pass; dkim=pass; dmarc=pass"], "APPROVE\nsigned"
            )
            state = await wait_task_decided(approval.url, task)
            assert (state["status"], state["comment"]) == ("approved", "signed")
    finally:
        await drop_database(database_url)
