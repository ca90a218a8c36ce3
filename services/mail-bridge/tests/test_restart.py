"""A restarted bridge resumes at its IMAP high-water mark: nothing is processed twice, nothing is lost."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sealflow_mail.main import create_app
from sealkit.testing import ServiceProcess, create_test_database, drop_database, live_server

from .conftest import make_settings
from .helpers import (
    find_mails,
    imap_login,
    inbound_for,
    open_task,
    post_event,
    reply_to,
    send,
    task_created_body,
    task_mail,
    wait_outcomes,
    wait_task_decided,
)
from .mailrig import DOMAIN, MailRig

APPROVER = f"approver@{DOMAIN}"
BRIDGE2 = f"bridge2@{DOMAIN}"


@asynccontextmanager
async def second_bridge(
    rig: MailRig, approval: ServiceProcess, database_url: str, **overrides: object
) -> AsyncIterator[str]:
    """A bridge with its own database and mailbox (bridge2@), so the session's bridge never sees its mail."""
    settings = make_settings(
        smtp_url=rig.smtp_url,
        imap_url=rig.imap_url(BRIDGE2),
        reply_address=BRIDGE2,
        mail_from=f"Sealflow <{BRIDGE2}>",
        approval_url=approval.url,
        **overrides,
    )
    async with live_server(create_app(settings, database_url=database_url)) as url:
        yield url


async def test_restart_resumes_without_reprocessing(rig: MailRig, approval: ServiceProcess) -> None:
    database_url = await create_test_database("mail-bridge")
    try:
        task = await open_task(approval.url, APPROVER, email_approval=False)  # the session bridge stays out
        async with second_bridge(rig, approval, database_url) as url:
            assert (
                await post_event(url, "approval.task.created", task_created_body(task, APPROVER))
            ).is_success
            mail = await task_mail(rig, APPROVER, task["task_id"])
            assert str(mail["Reply-To"]).startswith("bridge2+")
            await send(rig, reply_to(mail, APPROVER, "同意\n第一封"), APPROVER, str(mail["Reply-To"]))
            [first] = await wait_outcomes(url, task["task_id"], 1)
            assert first["outcome"] == "applied"
        # while the bridge is down, another reply arrives
        await send(rig, reply_to(mail, APPROVER, "驳回\n第二封"), APPROVER, str(mail["Reply-To"]))
        async with second_bridge(rig, approval, database_url) as url:
            # UIDs are processed in order: had the first mail been taken again, it would show up first
            outcomes = await wait_outcomes(url, task["task_id"], 2)
            assert [(o["outcome"], o["comment"]) for o in outcomes] == [
                ("applied", "第一封"),
                ("reused", "第二封"),
            ]
            assert len(await inbound_for(url, task["task_id"])) == 2
        state = await wait_task_decided(approval.url, task)
        assert (state["status"], state["comment"]) == ("approved", "第一封")
        # processed mail is flagged for the people who read the mailbox too
        client = await imap_login(rig, BRIDGE2)
        try:
            unseen = await client.search("UNSEEN", charset=None)
            assert [p for p in unseen.lines[0].split() if p.isdigit()] == []
        finally:
            await client.logout()
        assert len(await find_mails(rig, BRIDGE2, "SEEN")) >= 2
    finally:
        await drop_database(database_url)


async def test_two_replicas_on_one_mailbox_process_each_mail_once(
    rig: MailRig, approval: ServiceProcess
) -> None:
    database_url = await create_test_database("mail-bridge")
    try:
        task = await open_task(approval.url, APPROVER, email_approval=False, approvers=2)
        async with (
            second_bridge(rig, approval, database_url) as one,
            second_bridge(rig, approval, database_url) as two,
        ):
            assert (
                await post_event(one, "approval.task.created", task_created_body(task, APPROVER))
            ).is_success
            mail = await task_mail(rig, APPROVER, task["task_id"])
            for n in range(3):
                await send(rig, reply_to(mail, APPROVER, f"同意\n第{n}封"), APPROVER, str(mail["Reply-To"]))
            outcomes = await wait_outcomes(two, task["task_id"], 3)
            # the replica holding the mailbox's lock read all three; the other stood by
            assert [o["outcome"] for o in outcomes] == ["applied", "reused", "reused"]
            assert all("same Message-ID" not in (o["detail"] or "") for o in outcomes)
            assert len(await inbound_for(one, task["task_id"])) == 3
    finally:
        await drop_database(database_url)


async def test_listener_reconnects_after_the_server_drops_it(rig: MailRig, approval: ServiceProcess) -> None:
    database_url = await create_test_database("mail-bridge")
    try:
        task = await open_task(approval.url, APPROVER, email_approval=False)
        async with second_bridge(rig, approval, database_url) as url:
            assert (
                await post_event(url, "approval.task.created", task_created_body(task, APPROVER))
            ).is_success
            mail = await task_mail(rig, APPROVER, task["task_id"])
            # the server throws the bridge's IMAP session out (as on a server restart or idle timeout)
            kicked = subprocess.run(
                ["doveadm", "-c", str(rig.root / "dovecot.conf"), "kick", BRIDGE2],
                capture_output=True,
                text=True,
                check=False,
            )
            assert kicked.returncode == 0, kicked.stderr
            await send(
                rig, reply_to(mail, APPROVER, "APPROVE\nafter the drop"), APPROVER, str(mail["Reply-To"])
            )
            [inbound] = await wait_outcomes(url, task["task_id"], 1, timeout=30)
            assert inbound["outcome"] == "applied"
        state = await wait_task_decided(approval.url, task)
        assert state["comment"] == "after the drop"
    finally:
        await drop_database(database_url)


async def test_processed_mail_moves_to_the_configured_folder(rig: MailRig, approval: ServiceProcess) -> None:
    database_url = await create_test_database("mail-bridge")
    try:
        task = await open_task(approval.url, APPROVER, email_approval=False)
        async with second_bridge(rig, approval, database_url, processed_folder="Processed") as url:
            assert (
                await post_event(url, "approval.task.created", task_created_body(task, APPROVER))
            ).is_success
            mail = await task_mail(rig, APPROVER, task["task_id"])
            reply = reply_to(mail, APPROVER, "同意")
            await send(rig, reply, APPROVER, str(mail["Reply-To"]))
            [inbound] = await wait_outcomes(url, task["task_id"], 1)
            assert inbound["outcome"] == "applied"
        client = await imap_login(rig, BRIDGE2)
        try:
            inbox = await client.search("HEADER", "Message-ID", str(reply["Message-ID"]), charset=None)
            assert [p for p in inbox.lines[0].split() if p.isdigit()] == []
            assert (await client.select("Processed")).result == "OK"
            done = await client.search("HEADER", "Message-ID", str(reply["Message-ID"]), charset=None)
            assert len([p for p in done.lines[0].split() if p.isdigit()]) == 1
        finally:
            await client.logout()
    finally:
        await drop_database(database_url)
