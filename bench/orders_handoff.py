"""Orders benchmark: cross-channel hand-offs per second on a 50-node process with a 60-pair mapping.

    uv run python bench/orders_handoff.py                 # 1 run, 64 connections, 2 workers
    uv run python bench/orders_handoff.py --runs 4        # medians of 4 runs (what the README would cite)
    uv run python bench/orders_handoff.py --connections 4 --duration 2 --warmup 1   # a smoke run

Each run, in a fresh throwaway PostgreSQL database dropped at the end:
  1. C: bench/ceiling_app.py (FastAPI + raw asyncpg, one INSERT … RETURNING), same workers and connections;
  2. the orders service on a migrated database, seeded through its own API (an item whose `web` and `phone`
     channels have 50 nodes each and a 60-pair mapping, 1:1 and 1:N; a verified enterprise; one accepted
     order per connection, 10 of its web nodes completed); wrk runs one connection per order, each handing
     its order off web → phone → web … (bench/lua/orders_handoff.lua). Every hand-off locks the order, maps
     the progress with the pure rule, saves the position, moves the order's channel and writes a progress
     entry. Reported: hand-offs/s, p50/p99, non-2xx (must be 0);
  3. C again; the run's C is the mean of the two.
Target (issue 9): ≥ 0.40 × C. Results: bench/results/orders_handoff.json. Not a test: nothing here runs
under pytest. Run it on a quiet machine: the figures mean nothing while other work shares the cores.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: `bench.common`

from bench.common import (
    Figure,
    WrkResult,
    machine,
    measure_ceiling,
    median,
    print_table,
    service_on_throwaway_database,
    warm_and_run,
    write_results,
)
from stdnum.cn import uscc

from sealkit.auth import mint_token
from sealkit.settings import DEV_JWT_SECRET

SERVICE = "orders"
TARGET = 0.40
NODES = 50
DONE_BEFORE = 10
ADMIN = {"Authorization": f"Bearer {mint_token('bench-admin', ['admin'], secret=DEV_JWT_SECRET)}"}
APPLICANT = mint_token("bench-applicant", ["enterprise"], secret=DEV_JWT_SECRET)
AS_APPLICANT = {"Authorization": f"Bearer {APPLICANT}"}
# a one-page PDF, enough for the enterprise's certificate
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass(frozen=True)
class Options:
    workers: int
    connections: int
    duration: float
    warmup: float
    runs: int
    name: str


def parse_args(argv: list[str] | None = None) -> Options:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers for the service and for C")
    p.add_argument(
        "--connections", type=int, default=64, help="concurrent connections (= wrk threads = orders)"
    )
    p.add_argument("--duration", type=float, default=15.0, help="seconds measured per figure")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of discarded warm-up")
    p.add_argument("--runs", type=int, default=1, help="repeat everything; medians are reported")
    p.add_argument("--name", default="orders_handoff", help="results file bench/results/<name>.json")
    a = p.parse_args(argv)
    return Options(a.workers, a.connections, a.duration, a.warmup, a.runs, a.name)


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise RuntimeError(
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
        )
    return response.json()


def process_config() -> tuple[list[dict[str, str]], list[dict[str, str]], list[list[str]]]:
    """50 nodes per channel; pairs w_i↔p_i (50) and w_i↔p_{i+1} for i < 10 (10 more: 1:N and N:1)."""
    web = [{"key": f"w{i}", "name": f"Web step {i}"} for i in range(NODES)]
    phone = [{"key": f"p{i}", "name": f"Phone step {i}"} for i in range(NODES)]
    pairs = [[f"w{i}", f"p{i}"] for i in range(NODES)] + [[f"w{i}", f"p{i + 1}"] for i in range(10)]
    return web, phone, pairs


def seed(url: str, orders: int) -> list[str]:
    """Through the service's API: the item and its process, a verified enterprise, `orders` orders."""
    web, phone, pairs = process_config()
    with httpx.Client(base_url=url, timeout=30) as http:
        category = _ok(
            http.post("/v1/catalog/categories", json={"name": "Bench", "description": ""}, headers=ADMIN)
        )
        item = _ok(
            http.post(
                "/v1/catalog/items",
                json={
                    "name": "Bench item", "category_id": category["id"], "description": "hand-off benchmark",
                    "handling": {"steps": [], "location": None, "notes": None},
                    "form_schema": {"type": "object"}, "materials": [],
                    "provider": {"kind": "internal", "ticket_type": "bench"}, "approval": None,
                },
                headers=ADMIN,
            )
        )  # fmt: skip
        path = f"/v1/catalog/items/{item['id']}"
        _ok(http.put(f"{path}/processes/web", json={"nodes": web}, headers=ADMIN))
        _ok(http.put(f"{path}/processes/phone", json={"nodes": phone}, headers=ADMIN))
        mapping = {"from_channel": "web", "to_channel": "phone", "pairs": pairs}
        _ok(http.put(f"{path}/process-mappings", json=mapping, headers=ADMIN))
        certificate = _ok(
            http.post(
                "/v1/files", files={"file": ("licence.pdf", PDF, "application/pdf")}, headers=AS_APPLICANT
            )
        )
        body = "91110000" + "".join(random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
        enterprise = _ok(
            http.post(
                "/v1/enterprises",
                json={"name": "Bench Ltd", "credit_code": body + uscc.calc_check_digit(body),
                      "certificate_file_id": certificate["id"]},
                headers=AS_APPLICANT,
            )
        )  # fmt: skip
        _ok(
            http.post(
                f"/v1/enterprises/{enterprise['id']}/review", json={"decision": "verify"}, headers=ADMIN
            )
        )
        ids = []
        for _ in range(orders):
            applied = _ok(
                http.post(
                    "/v1/applications",
                    json={"item_id": item["id"], "form": {}, "materials": {}, "channel": "web"},
                    headers=AS_APPLICANT,
                )
            )
            order_id = applied["order_id"]
            for i in range(DONE_BEFORE):
                _ok(
                    http.post(
                        f"/v1/orders/{order_id}/nodes/w{i}/complete",
                        json={"channel": "web"},
                        headers=AS_APPLICANT,
                    )
                )
            ids.append(order_id)
    return ids


def one_run(opts: Options) -> tuple[WrkResult, WrkResult]:
    first = measure_ceiling(workers=opts.workers, connections=opts.connections, threads=2,
                            warmup=opts.warmup, duration=opts.duration)  # fmt: skip
    with service_on_throwaway_database(SERVICE, "sealflow_orders.main:create_app", workers=opts.workers) as (
        server,
        _database,
    ):
        orders = seed(server.url, opts.connections)
        with tempfile.NamedTemporaryFile("w", prefix="bench-orders-", suffix=".txt", delete=False) as f:
            f.write("\n".join(orders) + "\n")
        result = warm_and_run(
            server.url,
            "orders_handoff.lua",
            warmup=opts.warmup,
            duration=opts.duration,
            connections=opts.connections,
            threads=opts.connections,
            args=[f.name, APPLICANT],
        )
    second = measure_ceiling(workers=opts.workers, connections=opts.connections, threads=2,
                             warmup=opts.warmup, duration=opts.duration)  # fmt: skip
    return median([first, second]), result  # the median of two is their mean


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    ceilings, results = [], []
    for n in range(opts.runs):
        ceiling, result = one_run(opts)
        ceilings.append(ceiling)
        results.append(result)
        print_table(
            f"run {n + 1}: hand-offs ({NODES} nodes, 60 pairs)",
            ceiling,
            [Figure("hand-offs/s", result, TARGET)],
        )
    ceiling, result = median(ceilings), median(results)
    figure = Figure(
        "hand-offs/s", result, TARGET, {"nodes": NODES, "pairs": 60, "connections": opts.connections}
    )
    print_table(f"medians of {opts.runs} run(s)", ceiling, [figure])
    path = write_results(
        opts.name, {"options": asdict(opts), "ceiling": ceiling, "figures": [figure], "machine": machine()}
    )
    print(f"\nwritten to {path}")
    return 0 if figure.meets(ceiling.rps) and result.non_2xx == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
