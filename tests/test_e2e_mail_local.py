"""`make run`'s local mail flow end to end: the suite on SQLite with no mail servers; the task mail lands
in the bridge's local sink, the reply goes to the bridge's own SMTP listener, approval records it."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import smtplib
import subprocess
import sys
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import httpx

from sealkit.testing import REPO_ROOT, auth, unique

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import suite

from .suite_wait import wait_for

ADMIN = auth("admin-e2e", "admin")


def test_local_mode_round_trip(tmp_path: Path) -> None:
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
    )
    proc = subprocess.Popen(
        [sys.executable, "scripts/suite.py", "run", "--port-offset", str(offset)], cwd=REPO_ROOT, env=env
    )
    try:
        for url in (approval, bridge):
            wait_for(
                lambda url=url: httpx.get(f"{url}/readyz", timeout=1).status_code == 200,
                f"{url}/readyz",
                proc,
            )
        applicant, approver = unique("alice"), unique("bob")
        body = {
            "title": "本地模式 Local mode",
            "form": {"amount": 42},
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
        request_id = created.json()["id"]
        task_id = created.json()["groups"][0]["tasks"][0]["id"]

        def sent_task_mail() -> dict[str, Any] | None:
            items = httpx.get(
                f"{bridge}/v1/mail/outbound",
                params={"task_id": task_id, "kind": "task"},
                headers=ADMIN,
                timeout=5,
            ).json()["items"]
            return next((m for m in items if m["status"] == "sent"), None)

        sent = wait_for(sent_task_mail, "the task mail in the local sink", proc)
        mail = email.message_from_string(sent["raw"], policy=email.policy.default)
        reply = EmailMessage()
        reply["From"], reply["To"] = "Bob <bob@corp.example>", str(mail["Reply-To"])
        reply["Subject"], reply["Message-ID"] = "Re: " + str(mail["Subject"]), make_msgid()
        reply["In-Reply-To"] = reply["References"] = str(mail["Message-ID"])
        reply.set_content("驳回\n请补充报价单\n")
        with smtplib.SMTP("127.0.0.1", listen_port, timeout=10) as smtp:
            smtp.send_message(reply)

        def decided() -> dict[str, Any] | None:
            view = httpx.get(
                f"{approval}/v1/approval-requests/{request_id}", headers=auth(applicant), timeout=5
            )
            task = view.json()["groups"][0]["tasks"][0]
            return task if task["status"] != "pending" else None

        task = wait_for(decided, "the decision in approval", proc)
        assert (task["status"], task["channel"], task["comment"]) == ("rejected", "email", "请补充报价单")
        inbound = httpx.get(
            f"{bridge}/v1/mail/inbound", params={"task_id": task_id}, headers=ADMIN, timeout=5
        )
        assert [i["outcome"] for i in inbound.json()["items"]] == ["applied"]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
