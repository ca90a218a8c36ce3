"""Mail-bridge benchmark: reply latency (approver's SMTP send → decision recorded in approval) and parse
throughput.

    uv run python bench/mail_bridge.py                    # 200 replies, 5 per second
    uv run python bench/mail_bridge.py --replies 50 --rate 2

Each run starts, on loopback: the test suite's mail rig (Dovecot IMAP+LMTP from a temp-dir config and an
aiosmtpd SMTP front that delivers over LMTP; see services/mail-bridge/tests/mailrig.py), the approval
service and the mail bridge as real processes on fresh PostgreSQL databases (dropped at the end), the
bridge reading bridge@example.test over IMAP IDLE. It then
  1. opens --replies approval requests (one approver each, e-mail approval on, spread over 20 mailboxes)
     and waits for every task mail to land in its approver's mailbox;
  2. answers each from the approver's address through the SMTP front, paced at --rate per second,
     noting the wall-clock time just before each SMTP send;
  3. reads every task's `decided_at` from approval: latency = decided_at − send time (same host clock).
Dovecot itself waits 0.5 s before it reports new mail to an IDLE client, so ~0.5–1 s is the floor
of this design; a polling design would show its polling interval instead. Target: p95 ≤ 1.5 s.
Parse throughput: the full inbound read (headers, token candidates, auto-reply checks, text extraction,
quote stripping, decision) over the parsing test corpus plus the bench's own replies, single core.
Results: bench/results/mail_bridge.json. Not a test: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email
import email.policy
import importlib.util
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from types import ModuleType
from typing import Any

import aioimaplib
import aiosmtplib
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: `bench.common`

from bench.common import machine, write_results

from sealflow_mail.parsing import parse_reply
from sealflow_mail.reading import read_mail
from sealkit.testing import (
    ServiceProcess,
    auth,
    create_suite_databases,
    drop_suite_databases,
    free_port,
)

SERVICE_DIR = Path(__file__).resolve().parents[1] / "services" / "mail-bridge"
BENCH_USERS = 20


def _load_rig() -> ModuleType:
    """The tests' rig module, loaded by path (every service's tests/ is a package named `tests`)."""
    spec = importlib.util.spec_from_file_location("mailrig", SERVICE_DIR / "tests" / "mailrig.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mailrig"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


@contextlib.contextmanager
def services(rig: Any, base_url: str) -> Iterator[tuple[ServiceProcess, ServiceProcess]]:
    bridge_port, approval_port = free_port(), free_port()
    events = f"http://127.0.0.1:{bridge_port}/v1/events"
    common = {"SEALFLOW_ENV": "test", "SEALFLOW_DATABASE_URL": base_url, "SEALFLOW_LOG_LEVEL": "WARNING"}
    approval = ServiceProcess(
        "sealflow_approval.main:create_app",
        port=approval_port,
        env={
            **common,
            "SEALFLOW_SUBSCRIBERS": f"approval.task.created={events}",
            "SEALFLOW_OUTBOX_POLL_SECONDS": "0.2",
            "APPROVAL_REMINDER_INTERVAL_MINUTES": "0",
        },
    )
    bridge = ServiceProcess(
        "sealflow_mail.main:create_app",
        port=bridge_port,
        env={
            **common,
            "SEALFLOW_SMTP_URL": rig.smtp_url,
            "SEALFLOW_IMAP_URL": rig.imap_url("bridge@example.test"),
            "SEALFLOW_MAIL_FROM": "Sealflow <bridge@example.test>",
            "SEALFLOW_MAIL_REPLY_ADDRESS": "bridge@example.test",
            "SEALFLOW_APPROVAL_URL": approval.url,
            "MAIL_IMAP_RESCAN_SECONDS": "30",
        },
    )
    approval.start()
    try:
        bridge.start()
        try:
            yield approval, bridge
        finally:
            bridge.stop()
    finally:
        approval.stop()


async def open_requests(approval_url: str, count: int) -> list[dict[str, str]]:
    applicant = f"bench-applicant-{uuid.uuid4().hex[:6]}"
    headers = auth(applicant, "applicant")
    sem = asyncio.Semaphore(16)

    async def one(i: int, client: httpx.AsyncClient) -> dict[str, str]:
        mailbox = f"bench{i % BENCH_USERS}@example.test"
        body = {
            "title": f"Bench purchase {i}",
            "form": {"amount": 100 + i, "reason": "benchmark"},
            "combine": "all",
            "groups": [
                {
                    "name": "g",
                    "mode": "all",
                    "approvers": [{"id": f"bench-{i}", "email": mailbox, "email_approval": True}],
                }
            ],
        }
        async with sem:
            response = await client.post("/v1/approval-requests", json=body, headers=headers)
        response.raise_for_status()
        data = response.json()
        return {"request_id": data["id"], "task_id": data["groups"][0]["tasks"][0]["id"], "mailbox": mailbox}

    async with httpx.AsyncClient(base_url=approval_url, timeout=30) as client:
        return list(await asyncio.gather(*(one(i, client) for i in range(count))))


async def collect_task_mails(
    rig: Any, tasks: list[dict[str, str]], timeout: float = 120.0
) -> dict[str, EmailMessage]:
    """task id → its mail, read from every approver mailbox once all have arrived."""
    wanted = {t["task_id"] for t in tasks}
    found: dict[str, EmailMessage] = {}
    deadline = time.monotonic() + timeout
    while len(found) < len(wanted):
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(found)} of {len(wanted)} task mails arrived")
        for i in range(BENCH_USERS):
            user = f"bench{i}@example.test"
            client = aioimaplib.IMAP4("127.0.0.1", rig.imap_port, timeout=30)
            await client.wait_hello_from_server()
            await client.login(user, rig.users[user])
            await client.select("INBOX")
            result = await client.search("ALL", charset=None)
            seqs = [p.decode() for p in result.lines[0].split() if p.isdigit()]
            for seq in seqs:
                fetched = await client.fetch(seq, "(BODY.PEEK[])")
                raw = next((bytes(x) for x in fetched.lines if isinstance(x, bytearray)), None)
                if raw is None:
                    continue
                msg = email.message_from_bytes(raw, policy=email.policy.default)
                task_id = str(msg.get("X-Sealflow-Task", ""))
                if task_id in wanted and "Approval" in str(msg["Subject"]):
                    found[task_id] = msg
            await client.logout()
        if len(found) < len(wanted):
            await asyncio.sleep(0.5)
    return found


def make_reply(mail: EmailMessage, sender: str, i: int) -> EmailMessage:
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = str(mail["Reply-To"])
    reply["Subject"] = "Re: " + str(mail["Subject"])
    reply["Message-ID"] = make_msgid(domain="client.example.test")
    reply["In-Reply-To"] = reply["References"] = str(mail["Message-ID"])
    quoted = "\n".join("> " + line for line in mail.get_body(("plain",)).get_content().splitlines())  # type: ignore[union-attr]
    reply.set_content(
        f"{'同意' if i % 2 else 'APPROVE'}\nbench reply {i}\n\nOn Sat, Sealflow wrote:\n{quoted}\n"
    )
    return reply


async def send_replies(
    rig: Any, tasks: list[dict[str, str]], mails: dict[str, EmailMessage], rate: float
) -> tuple[dict[str, float], list[bytes]]:
    sent_at: dict[str, float] = {}
    raws: list[bytes] = []
    start = time.monotonic()
    pending: set[asyncio.Task[None]] = set()

    async def one(task: dict[str, str], reply: EmailMessage) -> None:
        sent_at[task["task_id"]] = time.time()
        await aiosmtplib.send(
            reply,
            sender=task["mailbox"],
            recipients=[str(reply["To"])],
            hostname="127.0.0.1",
            port=rig.smtp_port,
            start_tls=False,
        )

    for i, task in enumerate(tasks):
        reply = make_reply(mails[task["task_id"]], task["mailbox"], i)
        raws.append(reply.as_bytes())
        await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
        job = asyncio.create_task(one(task, reply))
        pending.add(job)
        job.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    return sent_at, raws


async def decision_times(
    approval_url: str, tasks: list[dict[str, str]], timeout: float = 120.0
) -> dict[str, float]:
    decided: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    headers = auth("bench-monitor", "monitor")
    async with httpx.AsyncClient(base_url=approval_url, timeout=30) as client:
        while len(decided) < len(tasks) and time.monotonic() < deadline:
            for task in tasks:
                if task["task_id"] in decided:
                    continue
                data = (
                    await client.get(f"/v1/approval-requests/{task['request_id']}", headers=headers)
                ).json()
                t = data["groups"][0]["tasks"][0]
                if t["decided_at"]:
                    assert t["channel"] == "email" and t["status"] == "approved", t
                    decided[task["task_id"]] = datetime.fromisoformat(t["decided_at"]).timestamp()
            if len(decided) < len(tasks):
                await asyncio.sleep(0.5)
    return decided


async def outcome_counts(bridge_url: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    cursor = None
    async with httpx.AsyncClient(base_url=bridge_url, timeout=30) as client:
        while True:
            params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            page = (
                await client.get("/v1/mail/inbound", params=params, headers=auth("bench-admin", "admin"))
            ).json()
            for item in page["items"]:
                counts[str(item["outcome"])] = counts.get(str(item["outcome"]), 0) + 1
            cursor = page["next_cursor"]
            if not cursor:
                return counts


def parse_throughput(raws: list[bytes], seconds: float = 3.0) -> dict[str, float]:
    corpus = [p.read_bytes() for p in sorted((SERVICE_DIR / "tests" / "mails").glob("*.eml"))] + raws
    figures: dict[str, float] = {"corpus_mails": float(len(corpus))}
    for name, fn in (("read_mail", read_mail), ("parse_reply", parse_reply)):
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            for raw in corpus:
                fn(raw)
            done += len(corpus)
        figures[f"{name}_per_second"] = done / (time.perf_counter() - started)
    return figures


async def run(args: argparse.Namespace) -> dict[str, Any]:
    rig_module = _load_rig()
    base_url = await create_suite_databases("approval", "mail-bridge")
    root = Path(tempfile.mkdtemp(prefix="sfbench-", dir="/tmp"))
    try:
        with rig_module.mail_rig(root) as rig, services(rig, base_url) as (approval, bridge):
            t0 = time.monotonic()
            tasks = await open_requests(approval.url, args.replies)
            mails = await collect_task_mails(rig, tasks)
            print(f"{len(tasks)} requests opened and their mails delivered in {time.monotonic() - t0:.1f} s")
            sent_at, raws = await send_replies(rig, tasks, mails, args.rate)
            decided = await decision_times(approval.url, tasks)
            latencies = [decided[t] - sent_at[t] for t in sent_at if t in decided]
            outcomes = await outcome_counts(bridge.url)
    finally:
        import shutil

        shutil.rmtree(root, ignore_errors=True)
        await drop_suite_databases(base_url, "approval", "mail-bridge")
    parsing = parse_throughput(raws)
    return {
        "replies": args.replies,
        "rate_per_second": args.rate,
        "decided": len(latencies),
        "outcomes": outcomes,
        "latency_seconds": {
            "p50": statistics.median(latencies),
            "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99),
            "min": min(latencies),
            "max": max(latencies),
            "mean": statistics.fmean(latencies),
        },
        "parsing": parsing,
        "target_p95_seconds": 1.5,
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--rate", type=float, default=5.0, help="replies sent per second")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    lat, parsing = result["latency_seconds"], result["parsing"]
    print(
        f"\nMail bridge — {result['decided']}/{result['replies']} replies decided, outcomes {result['outcomes']}"
    )
    print(
        f"  send → decision recorded:  p50 {lat['p50']:.3f} s   p95 {lat['p95']:.3f} s   p99 {lat['p99']:.3f} s"
        f"   (min {lat['min']:.3f}, max {lat['max']:.3f}; target p95 ≤ 1.5 s: "
        f"{'met' if lat['p95'] <= 1.5 else 'MISSED'})"
    )
    print(
        f"  parse throughput ({int(parsing['corpus_mails'])} mails): read_mail {parsing['read_mail_per_second']:,.0f}/s,"
        f" parse_reply {parsing['parse_reply_per_second']:,.0f}/s (one core)"
    )
    print(f"  results: {write_results('mail_bridge', result)}")
    if result["decided"] < result["replies"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
