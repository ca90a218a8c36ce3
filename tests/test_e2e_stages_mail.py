"""A request in two stages end to end, the suite as `make run` starts it (SQLite, no mail servers): the first
stage's approver decides on the web; the second stage opens, its approver (from a directory role, with
e-mail approval) gets the task mail in the bridge's local sink and decides by replying to it."""

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


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_the_second_stage_decides_by_mail(tmp_path: Path) -> None:
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
                timeout=180,  # four services start on SQLite; a loaded machine takes its time
            )
        applicant, manager, finance = unique("alice"), unique("manager"), unique("finance")
        role = unique("finance-team")
        members = {"members": [{"id": finance, "email": "fin@corp.example", "email_approval": True}]}
        _ok(httpx.put(f"{approval}/v1/directory/roles/{role}", json=members, headers=ADMIN, timeout=10))
        key = unique("purchase").lower()
        definition = {
            "key": key,
            "name": "Purchase",
            "form_schema": {
                "type": "object",
                "properties": {"amount": {"type": "number"}},
                "required": ["amount"],
            },
            "stages": [
                {
                    "name": "manager",
                    "groups": [{"name": "manager", "mode": "all", "approvers": [{"user": manager}]}],
                },
                {
                    "name": "finance",
                    "groups": [
                        {
                            "name": "finance",
                            "mode": "any",
                            "approvers": [{"role": role}],
                            "when": {"field": "amount", "op": ">=", "value": 10000},
                        }
                    ],
                },
            ],
        }
        _ok(
            httpx.post(f"{approval}/v1/approval-definitions", json=definition, headers=ADMIN, timeout=10), 201
        )
        body = {"definition": key, "title": "两级审批 Two stages", "form": {"amount": 25000}}
        created = _ok(
            httpx.post(f"{approval}/v1/approval-requests", json=body, headers=auth(applicant), timeout=10),
            201,
        )
        request_id = created["id"]
        first_task = created["stages"][0]["groups"][0]["tasks"][0]["id"]
        decided = httpx.post(f"{approval}/v1/tasks/{first_task}/decision", json={"decision": "approve"},
                             headers=auth(manager), timeout=10)  # fmt: skip
        assert _ok(decided)["request_status"] == "pending"
        view = _ok(
            httpx.get(f"{approval}/v1/approval-requests/{request_id}", headers=auth(applicant), timeout=5)
        )
        assert view["current_stage"] == 1
        second_task = view["stages"][1]["groups"][0]["tasks"][0]["id"]

        def sent_task_mail() -> dict[str, Any] | None:
            items = httpx.get(f"{bridge}/v1/mail/outbound", params={"task_id": second_task, "kind": "task"},
                              headers=ADMIN, timeout=5).json()["items"]  # fmt: skip
            return next((m for m in items if m["status"] == "sent"), None)

        sent = wait_for(sent_task_mail, "the second stage's task mail in the local sink", proc)
        mail = email.message_from_string(sent["raw"], policy=email.policy.default)
        assert "fin@corp.example" in str(mail["To"])
        reply = EmailMessage()
        reply["From"], reply["To"] = "Fin <fin@corp.example>", str(mail["Reply-To"])
        reply["Subject"], reply["Message-ID"] = "Re: " + str(mail["Subject"]), make_msgid()
        reply["In-Reply-To"] = reply["References"] = str(mail["Message-ID"])
        reply.set_content("同意\n")
        with smtplib.SMTP("127.0.0.1", listen_port, timeout=10) as smtp:
            smtp.send_message(reply)

        def approved() -> dict[str, Any] | None:
            found = httpx.get(
                f"{approval}/v1/approval-requests/{request_id}", headers=auth(applicant), timeout=5
            )
            return found.json() if found.json()["status"] != "pending" else None

        final = wait_for(approved, "the second stage's decision in approval", proc)
        assert final["status"] == "approved"
        task = final["stages"][1]["groups"][0]["tasks"][0]
        assert (task["approver_id"], task["status"], task["channel"]) == (finance, "approved", "email")
        assert [s["status"] for s in final["stages"]] == ["approved", "approved"]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
