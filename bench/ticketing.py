"""Ticketing benchmark: claim+resolve cycles per second with 64 agents, and claim latency against pool size.

    uv run python bench/ticketing.py                   # 1 run: 100k pool, 64 agents; claim latency at 10k vs 1M
    uv run python bench/ticketing.py --runs 3          # medians of 3 runs (what the README cites)
    uv run python bench/ticketing.py --no-large        # skip the 1M-ticket seed (it takes about a minute)
    uv run python bench/ticketing.py --workers 1 --duration 10 --warmup 2

Each run, in a fresh throwaway PostgreSQL database dropped at the end:
  1. C: bench/ceiling_app.py (FastAPI + raw asyncpg, one INSERT … RETURNING), same workers, 64 connections;
  2. the ticketing service (uvicorn --factory sealflow_ticketing.main:create_app, uvloop, httptools,
     --workers N) on a migrated database with --pool queued tickets (one INSERT … SELECT generate_series,
     spread over priorities 1..100 and due times); wrk runs 64 threads × 1 connection, each connection one
     agent with its own token doing claim → result → claim … (bench/lua/ticketing_cycle.lua). Reported:
     HTTP requests/s (claims + results) and cycles/s (tickets resolved in the window / its length), p50/p99
     over all requests, and double assignments (tickets claimed more than once: must be 0);
  3. the stack's floor: claims for a type nobody queued (204), 64 connections, the same way as C;
     then ticket creation: POST /v1/tickets of one type by one requester, 64 connections;
  4. claim latency at --small then --large queued tickets: one agent claiming back to back (1 connection;
     so the pool barely drains), p50/p99, and the claim's plan from EXPLAIN (the partial index
     ix_tickets_pool must serve it: no Sort);
  5. C again; the run's C is the mean of the two.
A subscriber is configured, so each result writes the outbox row a deployment writes (the dispatcher and
timers are off: SEALFLOW_RUN_WORKERS=false). Targets (docs/performance.md): claim ≥ 0.40 × C; claim latency
at 1M within 1.5× of 10k; ticket creation ≥ 0.40 × C. Results: bench/results/ticketing.json.
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

from bench.common import (
    REPO_ROOT,
    Figure,
    Server,
    WrkResult,
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

SERVICE = "ticketing"
CLAIM_TARGET = 0.40
GROWTH_TARGET = 1.5
TYPE = "bench"


@dataclass(frozen=True)
class Options:
    workers: int
    agents: int
    duration: float
    warmup: float
    runs: int
    pool: int
    small: int
    large: int
    latency_seconds: float
    name: str


def parse_args(argv: list[str] | None = None) -> Options:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers for the service and for C")
    p.add_argument("--agents", type=int, default=64, help="concurrent agents (= wrk threads = connections)")
    p.add_argument("--duration", type=float, default=15.0, help="seconds measured per figure")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of discarded warm-up")
    p.add_argument("--runs", type=int, default=1, help="repeat everything; medians are reported")
    p.add_argument("--pool", type=int, default=100_000, help="queued tickets for the cycle figure")
    p.add_argument("--small", type=int, default=10_000, help="queued tickets, first latency point")
    p.add_argument("--large", type=int, default=1_000_000, help="queued tickets, second latency point")
    p.add_argument("--no-large", dest="large", action="store_const", const=0, help="skip the large point")
    p.add_argument("--latency-seconds", type=float, default=4.0, help="seconds per latency point")
    p.add_argument("--name", default=SERVICE, help="results file bench/results/<name>.json")
    a = p.parse_args(argv)
    return Options(
        workers=a.workers,
        agents=a.agents,
        duration=a.duration,
        warmup=a.warmup,
        runs=a.runs,
        pool=a.pool,
        small=a.small,
        large=a.large,
        latency_seconds=a.latency_seconds,
        name=a.name,
    )


# ---------------------------------------------------------------- the service under test


def ticketing_service(opts: Options) -> contextlib.AbstractContextManager[tuple[Server, str]]:
    """A migrated throwaway database with the bench ticket type, and the service on it."""
    bench_type = (
        """INSERT INTO ticket_types (key, name, sla_minutes, default_priority, created_at, updated_at)
        VALUES ($1, 'Bench', 600, 50, now(), now())""",
        (TYPE,),
    )
    return service_on_throwaway_database(
        SERVICE, "sealflow_ticketing.main:create_app", workers=opts.workers,
        subscribers="*=http://127.0.0.1:9/v1/events", seed=[bench_type],
    )  # fmt: skip


def seed_queued(database: str, count: int) -> float:
    """`count` more queued tickets in one INSERT … SELECT generate_series; returns the seconds it took."""
    started = time.monotonic()
    run_sql(
        database,
        (
            """INSERT INTO tickets (id, type_key, title, description, data, priority, requester_id, status,
                overdue, handoffs, reopens, created_by, created_at, due_at)
            SELECT gen_random_uuid(), $2, 'bench ticket ' || n, '', '{"n": 1}'::jsonb,
                1 + (n * 7919) % 100, 'bench-requester-' || (n % 1000), 'queued', false, 0, 0, 'bench',
                now(), now() + make_interval(mins => (60 + (n * 104729) % 6000)::int)
            FROM generate_series(1, $1::bigint) AS n""",
            (count, TYPE),
        ),
    )
    run_sql(database, "VACUUM ANALYZE tickets")
    return time.monotonic() - started


def queued(database: str) -> int:
    return int(run_sql(database, "SELECT count(*) FROM tickets WHERE status = 'queued'")[0][0])


def resolved(database: str) -> int:
    return int(run_sql(database, "SELECT count(*) FROM tickets WHERE status = 'resolved'")[0][0])


def wait_until_quiet(database: str) -> None:
    """Requests wrk left in flight when it stopped still commit: wait until the counts settle."""
    last = -1
    for _ in range(100):
        count = resolved(database) + queued(database)
        if count == last:
            return
        last = count
        time.sleep(0.3)


def double_assignments(database: str) -> int:
    """Tickets claimed more than once (no hand-offs happen here, so any such ticket went to two agents)."""
    return int(
        run_sql(
            database,
            """SELECT count(*) FROM (SELECT ticket_id FROM ticket_events WHERE action = 'claimed'
               GROUP BY ticket_id HAVING count(*) > 1) AS twice""",
        )[0][0]
    )


def claim_plan(database: str) -> str:
    rows = run_sql(
        database,
        """EXPLAIN UPDATE tickets SET status = 'assigned', assignee = 'x' WHERE id = (SELECT id FROM tickets
           WHERE status = 'queued' ORDER BY priority DESC, due_at, created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
           AND status = 'queued'""",
    )
    return "\n".join(str(r[0]) for r in rows)


def tokens_file(count: int, prefix: str) -> Path:
    with tempfile.NamedTemporaryFile("w", prefix="bench-agents-", suffix=".txt", delete=False) as f:
        for i in range(count):
            f.write(mint_token(f"{prefix}-{i}", ["agent"], secret=DEV_JWT_SECRET) + "\n")
        return Path(f.name)


# ---------------------------------------------------------------- the figures


def cycles(opts: Options, server: Server, database: str) -> Figure:
    seeded_seconds = seed_queued(database, opts.pool)
    tokens = tokens_file(opts.agents, "bench-agent")
    body = body_file({"result": "done: replaced the part and tested it"})
    args = [str(tokens), str(body)]
    n = opts.agents
    try:
        if opts.warmup > 0:
            run_wrk(
                server.url, "ticketing_cycle.lua", duration=opts.warmup, args=args, connections=n, threads=n
            )
        wait_until_quiet(database)
        before, pool_at_start = resolved(database), queued(database)
        result = run_wrk(
            server.url, "ticketing_cycle.lua", duration=opts.duration, args=args, connections=n, threads=n
        )
        done = resolved(database) - before
        wait_until_quiet(database)
    finally:
        tokens.unlink(missing_ok=True)
        body.unlink(missing_ok=True)
    notes = {
        "cycles_per_second": done / result.seconds if result.seconds else 0.0,
        "resolved_in_window": done,
        "queued_at_start": pool_at_start,
        "queued_at_end": queued(database),
        "double_assignments": double_assignments(database),
        "seed_seconds": round(seeded_seconds, 1),
        "agents": opts.agents,
    }
    print(
        f"   claim+result requests/s: {result.rps:,.0f}; cycles/s {notes['cycles_per_second']:,.0f};"
        f" double assignments {notes['double_assignments']}",
        flush=True,
    )
    return Figure("claims+results/s", result, CLAIM_TARGET, notes)


def posted(opts: Options, server: Server, path: str, payload: dict[str, Any], token: str) -> WrkResult:
    """One JSON body POSTed to `path` over and over, 64 connections, the same way as C."""
    body = body_file(payload)
    try:
        return warm_and_run(
            server.url + path,
            "post_json.lua",
            warmup=opts.warmup,
            duration=opts.duration,
            connections=64,
            threads=2,
            args=[str(body), token],
        )
    finally:
        body.unlink(missing_ok=True)


def empty_claims(opts: Options, server: Server) -> Figure:
    """The floor of this stack: a claim for a type nobody queued (auth, one statement that matches no
    row, 204), 64 connections. What separates it from C is the per-request cost of the shared request
    machinery, not the pool."""
    token = mint_token("bench-empty", ["agent"], secret=DEV_JWT_SECRET)
    result = posted(opts, server, "/v1/pool/claim", {"types": ["no-such-type"]}, token)
    print(f"   empty claims (204) /s: {result.rps:,.0f}", flush=True)
    return Figure("empty claims/s", result)


def creations(opts: Options, server: Server) -> Figure:
    """POST /v1/tickets of the bench type by one requester (docs/performance.md's "ticket create")."""
    token = mint_token("bench-requester", ["requester"], secret=DEV_JWT_SECRET)
    ticket = {
        "type": TYPE,
        "title": "The printer on floor 3 jams",
        "description": "Jams on every second page since this morning.",
        "data": {"floor": 3, "asset": "PRN-0316"},
    }
    result = posted(opts, server, "/v1/tickets", ticket, token)
    print(f"   ticket creations/s: {result.rps:,.0f}", flush=True)
    return Figure("creations/s", result, CLAIM_TARGET)


def close_the_pool(database: str) -> None:
    run_sql(
        database, "UPDATE tickets SET status = 'closed' WHERE status = 'queued'", "VACUUM ANALYZE tickets"
    )


def claim_latency(opts: Options, server: Server, database: str, size: int) -> dict[str, Any]:
    """One agent claiming back to back with `size` tickets queued (topped up to it)."""
    missing = size - queued(database)
    seeded = seed_queued(database, missing) if missing > 0 else 0.0
    token = mint_token(f"bench-latency-{size}", ["agent"], secret=DEV_JWT_SECRET)
    body = body_file({})
    try:
        url, args = server.url + "/v1/pool/claim", [str(body), token]
        run_wrk(url, "post_json.lua", duration=1, connections=1, threads=1, args=args)  # warm-up
        at_start = queued(database)
        result: WrkResult = run_wrk(
            url, "post_json.lua", duration=opts.latency_seconds, connections=1, threads=1, args=args
        )
    finally:
        body.unlink(missing_ok=True)
    plan = claim_plan(database)
    point = {
        "queued": at_start,
        "seed_seconds": round(seeded, 1),
        "claims_per_second": result.rps,
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "mean_ms": result.mean_ms,
        "non_2xx": result.non_2xx,
        "index_serves_claim": "ix_tickets_pool" in plan and "Sort" not in plan,
        "plan": plan,
    }
    print(
        f"   claim latency at {at_start:,} queued: p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms,"
        f" mean {result.mean_ms:.2f} ms (index serves it: {point['index_serves_claim']})",
        flush=True,
    )
    return point


# ---------------------------------------------------------------- one run


def one_run(opts: Options, index: int) -> dict[str, Any]:
    load = {"connections": 64, "threads": 2}
    print(f"\n== run {index + 1}/{opts.runs}: measuring C ({opts.workers} workers)…", flush=True)
    c_before = measure_ceiling(workers=opts.workers, warmup=opts.warmup, duration=opts.duration, **load)
    print(f"   C before: {c_before.rps:,.0f}/s", flush=True)
    latency: list[dict[str, Any]] = []
    with ticketing_service(opts) as (server, database):
        figure = cycles(opts, server, database)
        floor = empty_claims(opts, server)
        creation = creations(opts, server)
        close_the_pool(database)
        for size in (opts.small, opts.large):
            if size:
                latency.append(claim_latency(opts, server, database, size))
    c_after = measure_ceiling(workers=opts.workers, warmup=opts.warmup, duration=opts.duration, **load)
    print(f"   C after: {c_after.rps:,.0f}/s", flush=True)
    ceiling = median([c_before, c_after])  # the mean of two
    print_table(
        f"run {index + 1}: {opts.workers} workers, {opts.agents} agents", ceiling, [figure, creation, floor]
    )
    growth = (
        latency[-1]["mean_ms"] / latency[0]["mean_ms"]
        if len(latency) == 2 and latency[0]["mean_ms"]
        else None
    )
    if growth is not None:
        print(
            f"claim latency {latency[-1]['queued']:,} vs {latency[0]['queued']:,} queued: {growth:.2f}× (mean)"
        )
    return {
        "ceiling": ceiling,
        "ceiling_before": c_before,
        "ceiling_after": c_after,
        "figures": [figure],
        "creation": creation,
        "creation_ratio": creation.ratio(ceiling.rps),
        "floor": floor,
        "floor_ratio": floor.ratio(ceiling.rps),
        "cycles_ratio": figure.notes["cycles_per_second"] / ceiling.rps if ceiling.rps else 0.0,
        "latency": latency,
        "latency_growth": growth,
    }


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    runs = [one_run(opts, i) for i in range(opts.runs)]
    ceiling = median([r["ceiling"] for r in runs])
    per_run = [r["figures"][0] for r in runs]
    figure = Figure(per_run[0].name, median([f.result for f in per_run]), CLAIM_TARGET)
    ratio = statistics.median(f.ratio(r["ceiling"].rps) for f, r in zip(per_run, runs, strict=True))
    cycles_per_second = statistics.median(f.notes["cycles_per_second"] for f in per_run)
    cycles_ratio = statistics.median(r["cycles_ratio"] for r in runs)
    doubles = sum(f.notes["double_assignments"] for f in per_run)
    floor_ratio = statistics.median(r["floor_ratio"] for r in runs)
    creation = Figure("creations/s", median([r["creation"].result for r in runs]), CLAIM_TARGET)
    creation_ratio = statistics.median(r["creation_ratio"] for r in runs)
    growths = [r["latency_growth"] for r in runs if r["latency_growth"] is not None]
    print_table(
        f"ticketing, median of {opts.runs} run(s): {opts.workers} workers, {opts.agents} agents",
        ceiling,
        [figure, creation],
    )
    print(
        f"cycles/s (claim + result): {cycles_per_second:,.0f} = {cycles_ratio:.2f} × C;"
        f" requests/s = {ratio:.2f} × C; double assignments: {doubles};"
        f" empty claims (the stack's floor) = {floor_ratio:.2f} × C"
    )
    if growths:
        growth = statistics.median(growths)
        verdict = "met" if growth <= GROWTH_TARGET else "NOT met"
        print(
            f"claim latency growth {opts.small:,} → {opts.large:,} queued: {growth:.2f}× (target ≤ {GROWTH_TARGET}: {verdict})"
        )
    path = write_results(
        opts.name,
        {
            "command": " ".join(
                ["python", "bench/ticketing.py", *(argv if argv is not None else sys.argv[1:])]
            ),
            "options": opts.__dict__,
            "machine": machine(),
            "median": {
                "ceiling": ceiling,
                "requests": {**figure.__dict__, "ratio": ratio},
                "creation": {**creation.__dict__, "ratio": creation_ratio},
                "cycles_per_second": cycles_per_second,
                "cycles_ratio": cycles_ratio,
                "double_assignments": doubles,
                "floor_ratio": floor_ratio,
                "latency_growth": statistics.median(growths) if growths else None,
            },
            "runs": runs,
        },
    )
    print(f"results: {path.relative_to(REPO_ROOT)}")
    return 0 if doubles == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
