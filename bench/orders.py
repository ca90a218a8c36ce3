"""Orders benchmark: application submissions and file uploads per second, and the order list's latency.

    uv run python bench/orders.py                  # 1 run: 64 connections, 2 workers, lists at 10k and 1M
    uv run python bench/orders.py --runs 4         # medians of 4 runs (what the README would cite)
    uv run python bench/orders.py --connections 2 --duration 1 --warmup 0 --list-sizes 2000   # a smoke run

Each run, in fresh throwaway PostgreSQL databases dropped at the end:
  1. C: bench/ceiling_app.py (FastAPI + raw asyncpg, one INSERT … RETURNING), same workers and connections;
  2. submissions: the orders service seeded through its own API (an item whose form has two fields and one
     material, a PDF of at least 2 pages; a verified enterprise; a 2-page PDF uploaded once); wrk posts the
     same application again and again (bench/lua/post_json.lua). Each is audited in full (the form against
     its schema; the PDF read from the database, opened by pypdf, its pages counted) and accepted, which
     opens an order (number, progress, ticket.requested in the outbox). Target: ≥ 0.20 × C;
  3. uploads: a 200 KB PDF posted as multipart (bench/lua/post_file.lua): streamed, hashed, sniffed, stored
     in the database. Reported, no target;
  4. the order list: a database seeded by SQL with N orders over 1,000 enterprises, 100 items in 20
     categories and six statuses; wrk GETs the first page as a member of one enterprise and as staff
     (bench/lua/get_as.lua), for each N in --list-sizes. Target: p50 at the largest N within 1.5× of the
     smallest (the indexes serve every filter, so the size of the table must not show);
  5. C again; the run's C is the mean of the two.
Results: bench/results/orders.json. Not a test: nothing here runs under pytest. Run it on a quiet machine:
the figures mean nothing while other work shares the cores.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from pypdf import PdfWriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: `bench.common`

from bench.common import (
    Figure,
    Statement,
    WrkResult,
    body_file,
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

SERVICE, APP = "orders", "sealflow_orders.main:create_app"
SUBMIT_TARGET = 0.20
LIST_RATIO = 1.5
APPLICANT_ID = "bench-applicant"
ADMIN = {"Authorization": f"Bearer {mint_token('bench-admin', ['admin'], secret=DEV_JWT_SECRET)}"}
APPLICANT = mint_token(APPLICANT_ID, ["enterprise"], secret=DEV_JWT_SECRET)
AS_APPLICANT = {"Authorization": f"Bearer {APPLICANT}"}
STAFF = mint_token("bench-staff", ["staff"], secret=DEV_JWT_SECRET)
# orders go to ticketing in a deployment: the subscriber makes each dispatch write its outbox row as there
SUBSCRIBERS = "ticket.requested=http://127.0.0.1:9/v1/events"
BOUNDARY = "sealflow-bench-boundary"


@dataclass(frozen=True)
class Options:
    workers: int
    connections: int
    duration: float
    warmup: float
    runs: int
    list_sizes: tuple[int, ...]
    list_connections: int
    name: str


def parse_args(argv: list[str] | None = None) -> Options:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers for the service and for C")
    p.add_argument("--connections", type=int, default=64, help="concurrent connections for the write figures")
    p.add_argument("--duration", type=float, default=15.0, help="seconds measured per figure")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of discarded warm-up")
    p.add_argument("--runs", type=int, default=1, help="repeat everything; medians are reported")
    p.add_argument("--list-sizes", default="10000,1000000", help="order counts the list is measured at")
    p.add_argument("--list-connections", type=int, default=8, help="connections for the list latency")
    p.add_argument("--name", default="orders", help="results file bench/results/<name>.json")
    a = p.parse_args(argv)
    sizes = tuple(int(n) for n in a.list_sizes.split(","))
    return Options(a.workers, a.connections, a.duration, a.warmup, a.runs, sizes, a.list_connections, a.name)


def pdf(pages: int, *, padding: int = 0) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    if padding:
        writer.add_metadata({"/Padding": "x" * padding})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def multipart(data: bytes, filename: str) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise RuntimeError(
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
        )
    return response.json()


def seed_application(url: str) -> dict[str, Any]:
    """Through the service's API: an item with a form and a PDF standard, a verified enterprise of the
    applicant, the PDF uploaded; returns the application body wrk posts."""
    with httpx.Client(base_url=url, timeout=30) as http:
        category = _ok(
            http.post("/v1/catalog/categories", json={"name": "Bench", "description": ""}, headers=ADMIN)
        )
        item = _ok(
            http.post(
                "/v1/catalog/items",
                json={
                    "name": "科技贷 Bench loan", "category_id": category["id"], "description": "benchmark",
                    "form_schema": {"type": "object", "required": ["amount", "contact"], "properties": {
                        "amount": {"type": "integer", "minimum": 1},
                        "contact": {"type": "string", "format": "email"}}},
                    "materials": [{"key": "plan", "name": "Plan", "required": True,
                                   "content_types": ["application/pdf"], "max_bytes": 300_000, "min_pages": 2}],
                    "provider": {"kind": "internal", "ticket_type": "bench"},
                },
                headers=ADMIN,
            )
        )  # fmt: skip
        certificate = _ok(
            http.post(
                "/v1/files", files={"file": ("licence.pdf", pdf(1), "application/pdf")}, headers=AS_APPLICANT
            )
        )
        code = "91110000" + "".join(random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
        enterprise = _ok(
            http.post(
                "/v1/enterprises",
                json={"name": "Bench Ltd", "credit_code": code + uscc.calc_check_digit(code),
                      "certificate_file_id": certificate["id"]},
                headers=AS_APPLICANT,
            )
        )  # fmt: skip
        _ok(
            http.post(
                f"/v1/enterprises/{enterprise['id']}/review", json={"decision": "verify"}, headers=ADMIN
            )
        )
        plan = _ok(
            http.post(
                "/v1/files", files={"file": ("plan.pdf", pdf(2), "application/pdf")}, headers=AS_APPLICANT
            )
        )
        body = {"item_id": item["id"], "form": {"amount": 300000, "contact": "cfo@bench.example"},
                "materials": {"plan": plan["id"]}}  # fmt: skip
        accepted = _ok(http.post("/v1/applications", json=body, headers=AS_APPLICANT))
        if accepted["status"] != "accepted":
            raise RuntimeError(f"the bench application was returned: {accepted['problems']}")
        return body


def list_seed(orders: int) -> list[Statement]:
    """SQL that fills a migrated orders database: 20 categories, 100 items, 1,000 verified enterprises (the
    bench applicant a member of the first), `orders` applications and their orders, newest a second apart."""
    return [
        "INSERT INTO categories SELECT gen_random_uuid(), 'category ' || i, '', now(), now()"
        " FROM generate_series(1, 20) i",
        "INSERT INTO items (id, category_id, name, description, handling, form_schema, materials, provider,"
        " provider_kind, approval, reminders, active, version, search_text, created_at, updated_at)"
        " SELECT gen_random_uuid(), c.ids[1 + i % 20], 'item ' || i, '', '{}', '{}', '[]',"
        " '{\"kind\": \"internal\", \"ticket_type\": \"bench\"}', 'internal', null, '[]', true, 1, 'item ' || i,"
        " now(), now() FROM generate_series(1, 100) i, (SELECT array_agg(id) ids FROM categories) c",
        "INSERT INTO files (id, owner_id, filename, content_type, size, sha256, created_at)"
        " VALUES (gen_random_uuid(), 'bench', 'licence.pdf', 'application/pdf', 1, 'x', now())",
        "INSERT INTO enterprises SELECT gen_random_uuid(), 'enterprise ' || i, lpad(i::text, 18, '0'),"
        " (SELECT id FROM files LIMIT 1), 'verified', null, null, null, 'bench', now() - interval '1 day' + i * interval '1 ms', now()"
        " FROM generate_series(1, 1000) i",
        (
            "INSERT INTO enterprise_members SELECT id, $1, now() FROM enterprises ORDER BY created_at LIMIT 1",
            [APPLICANT_ID],
        ),
        "CREATE TABLE bench_refs AS SELECT (SELECT array_agg(id ORDER BY created_at) FROM enterprises) e,"
        " (SELECT array_agg(id ORDER BY name) FROM items) i, (SELECT array_agg(category_id ORDER BY name) FROM items) c",
        (
            "INSERT INTO applications (id, item_id, item_version, enterprise_id, applicant_id, applicant_name,"
            " channel, status, form, materials, problems, version, created_at, updated_at)"
            " SELECT gen_random_uuid(), r.i[1 + g % 100], 1, r.e[1 + g % 1000], 'user ' || g, 'user', 'web',"
            " 'accepted', '{}', '{}', '[]', 1, now() - g * interval '1 second', now()"
            " FROM generate_series(1, $1::int) g, bench_refs r",
            [orders],
        ),
        "INSERT INTO orders (id, number, item_id, item_version, item_name, category_id, application_id,"
        " enterprise_id, enterprise_name, applicant_id, applicant_name, channel, status, provider_kind,"
        " approver_ids, search_text, created_at, updated_at)"
        " SELECT gen_random_uuid(), 'SF' || lpad(n::text, 13, '0'), a.item_id, 1, 'item', r.c[1 + (n % 100)], a.id,"
        " a.enterprise_id, 'enterprise', a.applicant_id, 'user', 'web',"
        " (ARRAY['dispatched','in_progress','completed','rejected','cancelled','awaiting_approval'])[1 + n % 6],"
        " 'internal', '[]', lower('sf' || lpad(n::text, 13, '0') || ' item user enterprise'), a.created_at, now()"
        # n is the application's g (newest first), so the category is the one of the application's item
        " FROM (SELECT *, row_number() OVER (ORDER BY created_at DESC) n FROM applications) a, bench_refs r",
        "DROP TABLE bench_refs",
        "ANALYZE",
    ]


def write_figures(opts: Options) -> tuple[WrkResult, WrkResult]:
    with service_on_throwaway_database(SERVICE, APP, workers=opts.workers, subscribers=SUBSCRIBERS) as (
        server,
        _,
    ):
        application = body_file(seed_application(server.url))
        with tempfile.NamedTemporaryFile("wb", prefix="bench-upload-", suffix=".bin", delete=False) as f:
            f.write(multipart(pdf(2, padding=200_000), "plan.pdf"))
        try:
            common = {
                "warmup": opts.warmup,
                "duration": opts.duration,
                "connections": opts.connections,
                "threads": 2,
            }
            submissions = warm_and_run(
                server.url + "/v1/applications", "post_json.lua", args=[str(application), APPLICANT], **common
            )
            uploads = warm_and_run(
                server.url + "/v1/files", "post_file.lua",
                args=[f.name, f"multipart/form-data; boundary={BOUNDARY}", APPLICANT], **common,
            )  # fmt: skip
        finally:
            application.unlink(missing_ok=True)
            Path(f.name).unlink(missing_ok=True)
    return submissions, uploads


def list_figures(opts: Options, size: int) -> tuple[WrkResult, WrkResult]:
    with service_on_throwaway_database(SERVICE, APP, workers=opts.workers, seed=list_seed(size)) as (
        server,
        _,
    ):
        common = {"warmup": opts.warmup, "duration": opts.duration, "connections": opts.list_connections,
                  "threads": min(2, opts.list_connections)}  # fmt: skip
        member = warm_and_run(server.url + "/v1/orders?limit=50", "get_as.lua", args=[APPLICANT], **common)
        staff = warm_and_run(server.url + "/v1/orders?limit=50", "get_as.lua", args=[STAFF], **common)
    return member, staff


def one_run(opts: Options) -> dict[str, Any]:
    first = measure_ceiling(workers=opts.workers, connections=opts.connections, threads=2,
                            warmup=opts.warmup, duration=opts.duration)  # fmt: skip
    submissions, uploads = write_figures(opts)
    lists = {size: list_figures(opts, size) for size in opts.list_sizes}
    second = measure_ceiling(workers=opts.workers, connections=opts.connections, threads=2,
                             warmup=opts.warmup, duration=opts.duration)  # fmt: skip
    return {
        "ceiling": median([first, second]),
        "submissions": submissions,
        "uploads": uploads,
        "lists": lists,
    }


def figures_of(run: dict[str, Any]) -> list[Figure]:
    out = [
        Figure("submissions/s", run["submissions"], SUBMIT_TARGET, {"material": "2-page PDF, audited"}),
        Figure("uploads/s", run["uploads"], None, {"size": "200 KB PDF"}),
    ]
    for size, (member, staff) in run["lists"].items():
        out.append(Figure(f"list {size:,} member", member, None, {"orders": size, "as": "enterprise member"}))
        out.append(Figure(f"list {size:,} staff", staff, None, {"orders": size, "as": "staff"}))
    return out


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    runs = []
    for n in range(opts.runs):
        run = one_run(opts)
        runs.append(run)
        print_table(f"run {n + 1}", run["ceiling"], figures_of(run))
    merged: dict[str, Any] = {
        "ceiling": median([r["ceiling"] for r in runs]),
        "submissions": median([r["submissions"] for r in runs]),
        "uploads": median([r["uploads"] for r in runs]),
        "lists": {
            s: tuple(median([r["lists"][s][k] for r in runs]) for k in (0, 1)) for s in opts.list_sizes
        },
    }
    figures = figures_of(merged)
    print_table(f"medians of {opts.runs} run(s)", merged["ceiling"], figures)
    smallest, largest = min(opts.list_sizes), max(opts.list_sizes)
    ratios = {
        who: merged["lists"][largest][k].p50_ms / max(merged["lists"][smallest][k].p50_ms, 1e-9)
        for k, who in enumerate(("member", "staff"))
    }
    print(f"\nlist p50 at {largest:,} / at {smallest:,}: member {ratios['member']:.2f}×, staff {ratios['staff']:.2f}×"
          f" (target ≤ {LIST_RATIO}×)")  # fmt: skip
    path = write_results(
        opts.name,
        {"options": asdict(opts), "ceiling": merged["ceiling"], "figures": figures, "list_p50_ratio": ratios,
         "machine": machine()},
    )  # fmt: skip
    print(f"written to {path}")
    clean = all(f.result.non_2xx == 0 for f in figures)
    met = figures[0].meets(merged["ceiling"].rps) and all(r <= LIST_RATIO for r in ratios.values())
    return 0 if clean and met else 1


if __name__ == "__main__":
    raise SystemExit(main())
