"""Approval benchmark, two stages (imported by bench/approval.py, `--only stages` or `all`):
  - staged creations/s: POST /v1/approval-requests {"definition": "bench-purchase", …}: the definition and
    the directory read, the form checked against its schema, the first stage opened (3 tasks, events);
  - stage openings/s: POST /v1/tasks/{id}/decision "approve" on seeded two-stage requests whose first stage
    is one approver: every decision settles that stage and opens the next (its role resolved, 3 tasks
    created, `approval.task.created` ×3 and `approval.stage.opened`), in the transaction (the one
    statement never settles a staged request).
Target: a stage opening costs no more than a creation (both ≥ CREATE_TARGET × C, docs/performance.md).
Not a test: nothing here runs under pytest.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from bench.common import Figure, Server, WrkResult, body_file, run_sql, run_wrk, warm_and_run

from sealkit.auth import mint_token
from sealkit.settings import DEV_JWT_SECRET

KEY = "bench-purchase"
ROLE = "bench-finance"
SCHEMA = {
    "type": "object",
    "properties": {
        "amount": {"type": "number", "minimum": 0},
        "currency": {"type": "string"},
        "items": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["amount"],
}


def _stages(first: list[str]) -> list[dict[str, Any]]:
    return [
        {"name": "manager", "combine": "all",
         "groups": [{"name": "manager", "mode": "all", "approvers": [{"user": u} for u in first]}]},
        {"name": "finance", "combine": "all",
         "groups": [{"name": "finance", "mode": "any", "approvers": [{"role": ROLE}],
                     "when": {"field": "amount", "op": ">=", "value": 10000}}]},
    ]  # fmt: skip


def seed_definition(database: str) -> None:
    """The definition (first stage: 3 managers) and the role its second stage names (3 members)."""
    members = [{"id": f"bench-finance-{i}", "email": f"bench-finance-{i}@example.com", "email_approval": False}
               for i in range(3)]  # fmt: skip
    run_sql(
        database,
        (
            """INSERT INTO approval_definitions (key, version, name, form_schema, stages, cc, created_at, created_by)
               VALUES ($1, 1, 'Bench purchase', $2::jsonb, $3::jsonb, '[]'::jsonb, now(), 'bench-admin')""",
            (KEY, json.dumps(SCHEMA), json.dumps(_stages([f"bench-manager-{i}" for i in range(3)]))),
        ),
        (
            "INSERT INTO directory_roles (role, members, updated_at, updated_by) VALUES ($1, $2::jsonb, now(), 'bench')",
            (ROLE, json.dumps(members)),
        ),
    )


def staged_creations(server: Server, *, warmup: float, duration: float, load: dict[str, int]) -> WrkResult:
    body = body_file({"definition": KEY, "title": "Server purchase, 24 000 EUR",
                      "form": {"amount": 24000, "currency": "EUR", "items": ["server"]}})  # fmt: skip
    token = mint_token("bench-applicant", ["applicant"], secret=DEV_JWT_SECRET)
    try:
        return warm_and_run(server.url + "/v1/approval-requests", "post_json.lua", warmup=warmup,
                            duration=duration, args=[str(body), token], **load)  # fmt: skip
    finally:
        body.unlink(missing_ok=True)


def seed_first_stages(database: str, requests: int, approvers: int) -> None:
    """`requests` pending two-stage requests at their first stage: one group, one task each (the second
    stage's plan names the role, resolved when a decision opens it)."""
    plan = [
        {"name": "manager", "combine": "all", "groups": [
            {"name": "manager", "mode": "all", "min_approvals": None, "approvers": [{"user": "bench-approver"}],
             "left_out": None}]},
        {"name": "finance", "combine": "all", "groups": [
            {"name": "finance", "mode": "any", "min_approvals": None, "approvers": [{"role": ROLE}],
             "left_out": None}]},
    ]  # fmt: skip
    run_sql(
        database,
        (
            """INSERT INTO approval_requests (id, title, form, applicant_id, status, combine, remind_every_minutes,
                group_count, approved_groups, rejected_groups, created_at, definition_key, definition_version,
                stages, current_stage, cc)
            SELECT md5('sr' || n)::uuid, 'bench staged ' || n, '{"amount": 24000}'::jsonb, 'bench-applicant',
                'pending', 'all', 1440, 1, 0, 0, now(), $2, 1, $3::jsonb, 0, '[]'::jsonb
            FROM generate_series(1, $1::int) AS n""",
            (requests, KEY, json.dumps(plan)),
        ),
        (
            """INSERT INTO approval_groups (id, request_id, position, stage, stage_name, name, mode, status,
                task_count, approved_count, rejected_count)
            SELECT md5('sg' || n)::uuid, md5('sr' || n)::uuid, 0, 0, 'manager', 'manager', 'all', 'pending', 1, 0, 0
            FROM generate_series(1, $1::int) AS n""",
            (requests,),
        ),
        (
            """INSERT INTO approval_tasks (id, request_id, group_id, approver_id, approver_email, email_approval,
                status, created_at, reminders_sent, next_remind_at)
            SELECT md5('st' || n)::uuid, md5('sr' || n)::uuid, md5('sg' || n)::uuid,
                'bench-approver-' || (n % $2::int), NULL, false, 'pending', now(), 0, now() + interval '1 day'
            FROM generate_series(1, $1::int) AS n""",
            (requests, approvers),
        ),
        "ANALYZE approval_requests",
        "ANALYZE approval_groups",
        "ANALYZE approval_tasks",
    )


def _first_stage_list(database: str, tokens: dict[str, str]) -> tuple[Path, int]:
    """The seeded first-stage tasks still pending, one "<path> <token>" line each (walk_list.lua)."""
    rows = run_sql(
        database,
        """SELECT t.id, t.approver_id FROM approval_tasks t JOIN approval_requests r ON r.id = t.request_id
           WHERE t.status = 'pending' AND r.title LIKE 'bench staged %' AND t.approver_id LIKE 'bench-approver-%'
           ORDER BY r.title""",
    )
    with tempfile.NamedTemporaryFile("w", prefix="bench-stages-", suffix=".txt", delete=False) as f:
        for row in rows:
            f.write(f"/v1/tasks/{row['id']}/decision {tokens[row['approver_id']]}\n")
        return Path(f.name), len(rows)


def stage_openings(
    server: Server, database: str, *, ceiling: float, approvers: int, warmup: float, duration: float,
    threads: int, connections: int, target: float,
) -> Figure:  # fmt: skip
    needed = int(max(ceiling, 1000) * 1.5 * (warmup + duration)) + connections
    seed_first_stages(database, needed, approvers)
    tokens = {f"bench-approver-{i}": mint_token(f"bench-approver-{i}", ["approver"], secret=DEV_JWT_SECRET)
              for i in range(approvers)}  # fmt: skip
    body = body_file({"decision": "approve", "channel": "web"})
    try:
        for seconds in [s for s in (warmup, duration) if s > 0]:
            listing, pending = _first_stage_list(database, tokens)
            try:
                result = run_wrk(server.url, "walk_list.lua", duration=seconds, connections=connections,
                                 threads=threads, args=[str(listing), str(threads), str(body)])  # fmt: skip
            finally:
                listing.unlink(missing_ok=True)
    finally:
        body.unlink(missing_ok=True)
    opened = run_sql(database, "SELECT count(*) FROM approval_requests WHERE title LIKE 'bench staged %' "
                               "AND current_stage = 1")[0][0]  # fmt: skip
    notes = {"seeded_requests": needed, "pending_before_measuring": pending, "second_stages_open": opened}
    print(f"   stage openings/s: {result.rps:,.0f} ({notes})", flush=True)
    return Figure("stage openings/s", result, target, notes)
