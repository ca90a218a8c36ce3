"""The suite's own events on NATS JetStream, with real processes: approval publishes
`approval.task.created` to the broker (not to the bridge's URL, which `make run` still lists), the mail
bridge's durable consumer takes it and sends the task mail; the reply decides the request, and
`approval.request.decided` goes to the broker too."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import signal
import smtplib
import subprocess
import sys
import uuid
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import httpx
import nats
from nats.js.errors import NotFoundError

from sealkit.testing import REPO_ROOT, auth, unique
from tests.suite_wait import wait_for
from tests.test_e2e_mail_local import ADMIN

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import suite

NATS_URL = "nats://127.0.0.1:4222"


async def _subjects(stream: str) -> list[str]:
    nc = await nats.connect(NATS_URL)
    js = nc.jetstream()
    try:
        info = await js.stream_info(stream)
        return [
            (await js.get_msg(stream, seq)).subject or "" for seq in range(1, (info.state.last_seq or 0) + 1)
        ]
    finally:
        for name in (stream, f"{stream}_PARKED"):
            with contextlib.suppress(NotFoundError):
                await js.delete_stream(name)
        await nc.close()


def test_approval_to_mail_bridge_over_the_broker(tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:10]
    stream, prefix = f"E2E_{tag}", f"e2e{tag}"
    offset = suite.free_offset()
    services = {s.name: s for s in suite.shifted(offset) if s.exists()}
    approval, bridge = services["approval"].url, services["mail-bridge"].url
    listen_port = suite.MAIL_LISTEN_PORT + offset
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SEALFLOW_DATABASE_URL", "SEALFLOW_SMTP", "SEALFLOW_IMAP"))
    }
    env.update(
        SEALFLOW_SQLITE_DIR=str(tmp_path),
        SEALFLOW_MAIL_LISTEN=f"127.0.0.1:{listen_port}",
        SEALFLOW_MAIL_REPLY_ADDRESS="approvals@sealflow.local",
        SEALFLOW_OUTBOX_POLL_SECONDS="0.2",
        SEALFLOW_EVENT_BROKER=NATS_URL,
        SEALFLOW_EVENT_BROKER_STREAM=stream,
        SEALFLOW_EVENT_BROKER_SUBJECT_PREFIX=prefix,
    )
    proc = subprocess.Popen(
        [sys.executable, "scripts/suite.py", "run", "--port-offset", str(offset)], cwd=REPO_ROOT, env=env
    )
    subjects: list[str] = []
    try:
        for url in (approval, bridge):
            wait_for(
                lambda url=url: httpx.get(f"{url}/readyz", timeout=1).status_code == 200,
                f"{url}/readyz",
                proc,
            )
        applicant, approver = unique("alice"), unique("bob")
        body = {
            "title": "Over the broker",
            "groups": [
                {
                    "name": "g",
                    "mode": "all",
                    "approvers": [{"id": approver, "email": "bob@corp.example", "email_approval": True}],
                }
            ],
        }
        created = httpx.post(
            f"{approval}/v1/approval-requests", json=body, headers=auth(applicant), timeout=10
        )
        assert created.status_code == 201, created.text
        request_id, task_id = created.json()["id"], created.json()["groups"][0]["tasks"][0]["id"]

        def sent_task_mail() -> dict[str, Any] | None:
            items = httpx.get(
                f"{bridge}/v1/mail/outbound",
                params={"task_id": task_id, "kind": "task"},
                headers=ADMIN,
                timeout=5,
            ).json()["items"]
            return next((m for m in items if m["status"] == "sent"), None)

        mail = email.message_from_string(
            wait_for(sent_task_mail, "the task mail", proc)["raw"], policy=email.policy.default
        )
        reply = EmailMessage()
        reply["From"], reply["To"] = "Bob <bob@corp.example>", str(mail["Reply-To"])
        reply["Subject"], reply["Message-ID"] = "Re: " + str(mail["Subject"]), make_msgid()
        reply["In-Reply-To"] = reply["References"] = str(mail["Message-ID"])
        reply.set_content("approve\n")
        with smtplib.SMTP("127.0.0.1", listen_port, timeout=10) as smtp:
            smtp.send_message(reply)

        def decided() -> bool:
            view = httpx.get(
                f"{approval}/v1/approval-requests/{request_id}", headers=auth(applicant), timeout=5
            )
            return bool(view.json()["status"] == "approved")

        wait_for(decided, "the decision in approval", proc)
        for url in (approval, bridge):
            assert httpx.get(f"{url}/readyz", timeout=5).json().get("broker") == "connected"
        wait_for(
            lambda: asyncio.run(_has(stream, f"{prefix}.approval.request.decided")),
            "request.decided on the broker",
            proc,
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        subjects = asyncio.run(_subjects(stream))
    assert f"{prefix}.approval.task.created" in subjects
    assert f"{prefix}.approval.request.decided" in subjects


async def _has(stream: str, subject: str) -> bool:
    nc = await nats.connect(NATS_URL)
    try:
        info = await nc.jetstream().stream_info(stream, subjects_filter=subject)
        return bool(info.state.messages)
    finally:
        await nc.close()
