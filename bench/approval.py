"""Approval benchmark: request creation and decisions per second, as ratios of the same-run ceiling C.

    uv run python bench/approval.py                      # 1 run, 2 workers, 15 s per figure after 3 s warm-up
    uv run python bench/approval.py --runs 3             # medians of 3 runs (what the README cites)
    uv run python bench/approval.py --workers 1 --duration 10 --warmup 2
    uv run python bench/approval.py --only decisions     # skip the creation figure
    uv run python bench/approval.py --no-events          # no outbox rows (no subscribers configured)
    uv run python bench/approval.py --only stages        # two-stage definitions only (bench/approval_stages.py)

Each run, in fresh throwaway PostgreSQL databases dropped at the end:
  1. C: bench/ceiling_app.py (FastAPI + raw asyncpg, one INSERT … RETURNING), same workers and load;
  2. the approval service (uvicorn --factory sealflow_approval.main:create_app, uvloop, httptools,
     --workers N) on a migrated database, driven by wrk at 64 connections:
     - creation: POST /v1/approval-requests, 2 groups × 3 approvers (mode all), one applicant;
     - decisions: POST /v1/tasks/{id}/decision "approve", each request a different pending task, sent by
       that task's approver (a pool of --approvers users, one token each); the tasks are real requests,
       groups and tasks (2 groups × 3 approvers, mode all, combine all) inserted with one
       INSERT … SELECT generate_series per table, so 2 decisions in 3 leave the group pending, 1 in 3
       closes it and 1 in 6 settles the request (cancel cascade, request.decided event);
  3. C again; the run's C is the mean of the two.
By default a subscriber is configured, so the outbox rows real deployments write are written (the
dispatcher and timers are off: SEALFLOW_RUN_WORKERS=false, nothing is delivered during the run).
Targets (docs/performance.md): decisions ≥ 0.40 × C, creation ≥ 0.25 × C. Results: bench/results/approval.json.
Not a test: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: `bench.common`

from bench import approval_stages
from bench.common import (
    REPO_ROOT,
    Figure,
    Server,
    body_file,
    machine,
    measure_ceiling,
    median,
    print_table,
    run_sql,
    run_wrk,
    service_on_throwaway_database,
    warm_and_run,
    write_results,
)

from sealkit.auth import mint_token
from sealkit.settings import DEV_JWT_SECRET

SERVICE = "approval"
CREATE_TARGET = 0.25
DECIDE_TARGET = 0.40


@dataclass(frozen=True)
class Options:
    workers: int
    connections: int
    threads: int
    duration: float
    warmup: float
    runs: int
    only: str
    approvers: int
    events: bool
    name: str


def parse_args(argv: list[str] | None = None) -> Options:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers for the service and for C")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--duration", type=float, default=15.0, help="seconds measured per figure")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of discarded warm-up per figure")
    p.add_argument("--runs", type=int, default=1, help="repeat everything; medians are reported")
    p.add_argument("--only", choices=["all", "creation", "decisions", "stages"], default="all")
    p.add_argument("--approvers", type=int, default=1000, help="distinct deciding users (tokens)")
    p.add_argument("--no-events", dest="events", action="store_false", help="configure no subscribers")
    p.add_argument("--name", default=SERVICE, help="results file bench/results/<name>.json")
    a = p.parse_args(argv)
    return Options(
        workers=a.workers,
        connections=a.connections,
        threads=a.threads,
        duration=a.duration,
        warmup=a.warmup,
        runs=a.runs,
        only=a.only,
        approvers=max(6, a.approvers),
        events=a.events,
        name=a.name,
    )


# ---------------------------------------------------------------- the service under test


def approval_service(opts: Options) -> contextlib.AbstractContextManager[tuple[Server, str]]:
    """A migrated throwaway database and the service on it; yields (server, database name)."""
    subscribers = "*=http://127.0.0.1:9/v1/events" if opts.events else ""
    return service_on_throwaway_database(
        SERVICE, "sealflow_approval.main:create_app", workers=opts.workers, subscribers=subscribers
    )


def creation_body() -> dict[str, Any]:
    return {
        "title": "Laptop purchase, 2 400 EUR",
        "form": {"amount": 2400, "currency": "EUR", "cost_center": "R&D-7", "items": ["laptop", "dock"]},
        "combine": "all",
        "groups": [
            {
                "name": name,
                "mode": "all",
                "approvers": [
                    {"id": f"bench-{name}-{i}", "email": f"bench-{name}-{i}@example.com"} for i in range(3)
                ],
            }
            for name in ("managers", "finance")
        ],
    }


def seed_pending_tasks(database: str, requests: int, approvers: int) -> None:
    """`requests` pending requests of 2 groups × 3 approvers (mode all, combine all), one statement per table."""
    run_sql(
        database,
        (
            """INSERT INTO approval_requests (id, title, form, applicant_id, status, combine, remind_every_minutes,
                group_count, approved_groups, rejected_groups, created_at)
            SELECT md5('r' || n)::uuid, 'bench seed ' || n, '{"amount": 2400, "currency": "EUR"}'::jsonb,
                'bench-applicant', 'pending', 'all', 1440, 2, 0, 0, now()
            FROM generate_series(1, $1::int) AS n""",
            (requests,),
        ),
        (
            """INSERT INTO approval_groups (id, request_id, position, name, mode, status, task_count,
                approved_count, rejected_count)
            SELECT md5('g' || n || '-' || g)::uuid, md5('r' || n)::uuid, g, 'group ' || g, 'all', 'pending', 3, 0, 0
            FROM generate_series(1, $1::int) AS n, generate_series(0, 1) AS g""",
            (requests,),
        ),
        (
            """INSERT INTO approval_tasks (id, request_id, group_id, approver_id, approver_email, email_approval,
                status, created_at, reminders_sent, next_remind_at)
            SELECT md5('t' || n || '-' || g || '-' || a)::uuid, md5('r' || n)::uuid,
                md5('g' || n || '-' || g)::uuid, 'bench-approver-' || ((n * 6 + g * 3 + a) % $2::int),
                'bench-approver-' || ((n * 6 + g * 3 + a) % $2::int) || '@example.com', false,
                'pending', now(), 0, now() + interval '1 day'
            FROM generate_series(1, $1::int) AS n, generate_series(0, 1) AS g, generate_series(0, 2) AS a""",
            (requests, approvers),
        ),
        "ANALYZE approval_requests",
        "ANALYZE approval_groups",
        "ANALYZE approval_tasks",
    )


def write_decision_list(database: str, tokens: dict[str, str], threads: int) -> tuple[Path, int]:
    """The seeded tasks still pending, as "<path> <token>" lines for walk_list.lua (thread t sends lines
    t, t + threads, …). Each wrk thread gets its own requests, in blocks of 256: the first task of each,
    then the second… so all six tasks of a request are decided within a run (2 in 3 decisions leave the
    group pending, 1 in 3 closes it, 1 in 6 settles the request) while no two in-flight decisions wait
    on the same request's row lock."""
    rows = run_sql(
        database,
        """SELECT t.id, t.approver_id, t.request_id FROM approval_tasks t
           JOIN approval_requests r ON r.id = t.request_id
           WHERE t.status = 'pending' AND r.title LIKE 'bench seed %'
           ORDER BY r.title, t.group_id, t.approver_id""",
    )
    by_request: dict[Any, list[tuple[Any, str]]] = {}
    for row in rows:
        by_request.setdefault(row["request_id"], []).append((row["id"], row["approver_id"]))
    requests = list(by_request.values())
    per_thread: list[list[str]] = []
    for t in range(threads):
        mine = requests[t::threads]
        lines: list[str] = []
        for start in range(0, len(mine), 256):
            block = mine[start : start + 256]
            for k in range(6):
                for tasks in block:
                    if k < len(tasks):
                        task_id, approver = tasks[k]
                        lines.append(f"/v1/tasks/{task_id}/decision {tokens[approver]}\n")
        per_thread.append(lines)
    with tempfile.NamedTemporaryFile("w", prefix="bench-decisions-", suffix=".txt", delete=False) as f:
        for i in range(max(len(lines) for lines in per_thread)):
            for lines in per_thread:  # line n goes to thread n % threads; a short thread repeats its last
                f.write(lines[min(i, len(lines) - 1)])
        return Path(f.name), len(rows)


def wait_until_quiet(database: str) -> None:
    """Requests wrk left in flight when it stopped still commit: wait until the pending count settles."""
    last = -1
    for _ in range(100):
        count = run_sql(database, "SELECT count(*) FROM approval_tasks WHERE status = 'pending'")[0][0]
        if count == last:
            return
        last = count
        time.sleep(0.5)


# ---------------------------------------------------------------- one run


def one_run(opts: Options, index: int) -> dict[str, Any]:
    load = {"connections": opts.connections, "threads": opts.threads}
    print(f"\n== run {index + 1}/{opts.runs}: measuring C ({opts.workers} workers)…", flush=True)
    c_before = measure_ceiling(workers=opts.workers, warmup=opts.warmup, duration=opts.duration, **load)
    print(f"   C before: {c_before.rps:,.0f}/s", flush=True)
    figures: list[Figure] = []
    with approval_service(opts) as (server, database):
        if opts.only in ("all", "creation"):
            body = body_file(creation_body())
            token = mint_token("bench-applicant", ["applicant"], secret=DEV_JWT_SECRET)
            try:
                created = warm_and_run(
                    server.url + "/v1/approval-requests",
                    "post_json.lua",
                    warmup=opts.warmup,
                    duration=opts.duration,
                    args=[str(body), token],
                    **load,
                )
            finally:
                body.unlink(missing_ok=True)
            stored = run_sql(database, "SELECT count(*) FROM approval_requests")[0][0]
            figures.append(Figure("creations/s", created, CREATE_TARGET, {"requests_in_db": stored}))
            print(f"   creations/s: {created.rps:,.0f} ({stored} requests stored)", flush=True)
        if opts.only in ("all", "decisions"):
            figures.append(decisions(opts, server, database, ceiling=c_before.rps))
        if opts.only in ("all", "stages"):
            figures.extend(two_stages(opts, server, database, ceiling=c_before.rps))
    c_after = measure_ceiling(workers=opts.workers, warmup=opts.warmup, duration=opts.duration, **load)
    print(f"   C after: {c_after.rps:,.0f}/s", flush=True)
    ceiling = median([c_before, c_after])  # the mean of two
    print_table(f"run {index + 1}: {opts.workers} workers, {opts.connections} connections", ceiling, figures)
    return {"ceiling": ceiling, "ceiling_before": c_before, "ceiling_after": c_after, "figures": figures}


def decisions(opts: Options, server: Server, database: str, *, ceiling: float) -> Figure:
    # enough tasks for the warm-up and the measured run at up to 1.5 × C
    needed = int(max(ceiling, 1000) * 1.5 * (opts.warmup + opts.duration)) + 6 * opts.connections
    requests = needed // 6 + 1
    seed_pending_tasks(database, requests, opts.approvers)
    tokens = {
        f"bench-approver-{i}": mint_token(f"bench-approver-{i}", ["approver"], secret=DEV_JWT_SECRET)
        for i in range(opts.approvers)
    }
    body = body_file({"decision": "approve", "channel": "web", "comment": "ok"})
    try:
        if opts.warmup > 0:
            warm, _ = write_decision_list(database, tokens, opts.threads)
            try:
                run_wrk(
                    server.url,
                    "walk_list.lua",
                    duration=opts.warmup,
                    args=_walk(warm, body, opts),
                    connections=opts.connections,
                    threads=opts.threads,
                )
            finally:
                warm.unlink(missing_ok=True)
        wait_until_quiet(database)
        listing, pending = write_decision_list(database, tokens, opts.threads)  # left by the warm-up
        try:
            result = run_wrk(
                server.url,
                "walk_list.lua",
                duration=opts.duration,
                args=_walk(listing, body, opts),
                connections=opts.connections,
                threads=opts.threads,
            )
        finally:
            listing.unlink(missing_ok=True)
    finally:
        body.unlink(missing_ok=True)
    left = run_sql(
        database,
        """SELECT count(*) FROM approval_tasks t JOIN approval_requests r ON r.id = t.request_id
           WHERE t.status = 'pending' AND r.title LIKE 'bench seed %'""",
    )[0][0]
    approved = run_sql(database, "SELECT count(*) FROM approval_tasks WHERE status = 'approved'")[0][0]
    settled = run_sql(database, "SELECT count(*) FROM approval_requests WHERE status = 'approved'")[0][0]
    notes = {
        "seeded_tasks": requests * 6,
        "pending_before_measuring": pending,
        "pending_after": left,
        "approved_tasks_in_db": approved,
        "approved_requests_in_db": settled,
        "approvers": opts.approvers,
    }
    print(f"   decisions/s: {result.rps:,.0f} ({notes})", flush=True)
    return Figure("decisions/s", result, DECIDE_TARGET, notes)


def two_stages(opts: Options, server: Server, database: str, *, ceiling: float) -> list[Figure]:
    """Creation from a two-stage definition, and the decision that opens its second stage."""
    approval_stages.seed_definition(database)
    load = {"connections": opts.connections, "threads": opts.threads}
    created = approval_stages.staged_creations(server, warmup=opts.warmup, duration=opts.duration, load=load)
    print(f"   staged creations/s: {created.rps:,.0f}", flush=True)
    opened = approval_stages.stage_openings(
        server, database, ceiling=ceiling, approvers=opts.approvers, warmup=opts.warmup,
        duration=opts.duration, target=CREATE_TARGET, **load,
    )  # fmt: skip
    return [Figure("staged creations/s", created, CREATE_TARGET), opened]


def _walk(listing: Path, body: Path, opts: Options) -> list[str]:
    return [str(listing), str(opts.threads), str(body)]


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    runs = [one_run(opts, i) for i in range(opts.runs)]
    ceiling = median([r["ceiling"] for r in runs])
    names = [f.name for f in runs[0]["figures"]]
    medians: list[Figure] = []
    for name in names:
        per_run = [f for r in runs for f in r["figures"] if f.name == name]
        medians.append(Figure(name, median([f.result for f in per_run]), per_run[0].target))
    ratios = {
        name: statistics.median(
            f.ratio(r["ceiling"].rps) for r in runs for f in r["figures"] if f.name == name
        )
        for name in names
    }
    title = f"approval, median of {opts.runs} run(s): {opts.workers} workers, {opts.connections} connections"
    print_table(title, ceiling, medians)
    if opts.runs > 1:
        print("median of the per-run ratios: " + ", ".join(f"{n} {v:.2f} × C" for n, v in ratios.items()))
    path = write_results(
        opts.name,
        {
            "command": " ".join(
                ["python", "bench/approval.py", *(argv if argv is not None else sys.argv[1:])]
            ),
            "options": opts.__dict__,
            "machine": machine(),
            "median": {
                "ceiling": ceiling,
                "figures": {
                    f.name: {**f.__dict__, "ratio": ratios[f.name], "target": f.target} for f in medians
                },
            },
            "runs": runs,
        },
    )
    print(f"results: {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
