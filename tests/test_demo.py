"""`make demo` as a newcomer runs it: no suite running, so it starts one (SQLite, free ports), walks the
journey, prints every step, exits 0; and it exits non-zero, saying why, when the journey cannot happen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sealkit.testing import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import suite

DEMO = [sys.executable, str(REPO_ROOT / "scripts" / "demo.py")]


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SEALFLOW_DATABASE_URL", "SEALFLOW_SMTP", "SEALFLOW_IMAP", "SEALFLOW_MAIL"))
    }
    return {**env, **extra}


def test_the_demo_starts_a_suite_walks_every_step_and_succeeds(tmp_path: Path) -> None:
    done = subprocess.run(
        [*DEMO, "--start", "--timeout", "90"],
        cwd=REPO_ROOT,
        env=_env(SEALFLOW_SQLITE_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for line in (
        "[1] 园区管理员 sets up the catalogue",
        "submission 1   returned:",
        "materials.plan: the PDF has 1 pages",
        "submission 2   accepted → order SF",
        "replied        '同意：材料齐全' via SMTP",
        "decision       task approved via email, comment '材料齐全'",
        "bridge         applied",
        "handed off     queued, priority 50 → 60",
        "timeline       created → claimed → locked → handed_off → claimed → resolved",
        "progress       awaiting_approval → dispatched → completed",
        "rating         5/5 办理很快",
        "this item      科技贷",
        "the journey is complete",
    ):
        assert line in out, f"missing {line!r} in:\n{out}"
    assert {p.name for p in tmp_path.glob("*.db")} >= {"approval.db", "orders.db"}  # its own SQLite files


def test_the_demo_fails_naming_why_when_no_suite_answers() -> None:
    offset = suite.free_offset()  # nothing listens there
    done = subprocess.run(
        [*DEMO, "--port-offset", str(offset)],
        cwd=REPO_ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert f"no suite answers at port offset {offset}" in done.stderr
