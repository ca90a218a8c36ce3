"""The benchmark kit every `bench/<service>.py` uses (see bench/README.md).

- `serve(...)`: a uvicorn process (uvloop, httptools, N workers) started, waited on until ready, stopped.
- `run_wrk(...)` / `warm_and_run(...)`: wrk with a Lua script from bench/lua/ at C connections for D seconds,
  parsed into a `WrkResult` (requests/s, p50/p90/p99, non-2xx/3xx and socket errors).
- `scratch_database(...)`: a throwaway PostgreSQL database, dropped on exit.
- `measure_ceiling(...)`: the ceiling C of docs/performance.md (bench/ceiling_app.py: FastAPI + one
  `INSERT … RETURNING` on a raw asyncpg pool) measured now, on this machine, under today's noise.
- `Figure`, `print_table(...)`, `median(...)`, `write_results(...)`: figures as ratios of C, and
  bench/results/<name>.json (the latest run only; it is committed so the README can cite it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from sealkit.testing import free_port

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
LUA_DIR = BENCH_DIR / "lua"
RESULTS_DIR = BENCH_DIR / "results"
# Where scratch databases go: a server URL without a database name (user postgres, trust, as on CI).
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")


# ---------------------------------------------------------------- processes


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    @property
    def pids(self) -> list[int]:
        """The uvicorn parent and its workers (for a profiler)."""
        out = subprocess.run(
            ["pgrep", "-g", str(self.proc.pid)], capture_output=True, text=True, check=False
        ).stdout
        return [int(p) for p in out.split()]


@contextlib.contextmanager
def serve(
    app: str,
    *,
    workers: int = 2,
    env: Mapping[str, str] | None = None,
    app_dir: Path | None = None,
    ready_path: str = "/healthz",
    timeout: float = 60.0,
) -> Iterator[Server]:
    """Run `uvicorn --factory app` (uvloop, httptools, no access log) until the block ends.

    Ready when `ready_path` answers 200 once per worker in a row; the process group is stopped on exit.
    """
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
        "--backlog",
        "4096",
    ]
    if app_dir is not None:
        cmd += ["--app-dir", str(app_dir)]
    log_file = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        cmd,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopping it stops its workers
    )
    server = Server(url=f"http://127.0.0.1:{port}", proc=proc, log_path=Path(log_file.name))
    try:
        _wait_ready(server, ready_path, workers, timeout)
        yield server
    finally:
        _stop(proc)
        log_file.close()


def _wait_ready(server: Server, path: str, workers: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    streak = 0
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited with {server.proc.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + path, timeout=2) as response:  # noqa: S310 - loopback
                streak = streak + 1 if response.status == 200 else 0
        except (urllib.error.URLError, OSError):
            streak = 0
        if streak >= 4 * workers:
            return
        time.sleep(0.05 if streak else 0.2)
    raise RuntimeError(f"server not ready after {timeout}s:\n{server.log_tail()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # stray workers of our own group, if any


# ---------------------------------------------------------------- databases


Statement = str | tuple[str, Sequence[object]]


def run_sql(database: str, *statements: Statement) -> list[asyncpg.Record]:
    """Run statements (text, or text with its $n arguments) on `database`, on one autocommit connection;
    returns the last one's rows."""

    async def go() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(f"{PG_SERVER}/{database}")
        try:
            rows: list[asyncpg.Record] = []
            for statement in statements:
                text, args = (statement, ()) if isinstance(statement, str) else statement
                rows = await conn.fetch(text, *args)
            return rows
        finally:
            await conn.close()

    return asyncio.run(go())


@contextlib.contextmanager
def scratch_database(name: str | None = None) -> Iterator[str]:
    """A new empty database (name returned), dropped (WITH FORCE) when the block ends."""
    name = name or f"bench_{uuid.uuid4().hex[:10]}"
    run_sql("postgres", f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        run_sql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------- wrk


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    non_2xx: int  # wrk counts responses with status > 399 (the scripts expect 2xx only)
    socket_errors: int  # connect + read + write + timeout
    timeouts: int  # of which timeouts (no answer within run_wrk's `timeout`)
    pool: int = 0  # walk_list.lua: work items loaded
    wrapped: int = 0  # walk_list.lua: times a thread ran out of items and started over

    @property
    def ok(self) -> int:
        return self.requests - self.non_2xx


def run_wrk(
    url: str,
    script: str,
    *,
    connections: int = 64,
    threads: int = 2,
    duration: float = 15.0,
    args: Sequence[str] = (),
    timeout: str = "10s",
) -> WrkResult:
    """`wrk -s bench/lua/<script>` against `url` (its path is the default request path); `args` go to
    the script's init(). Raises when wrk fails or prints no summary."""
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(duration))}s",
        "--timeout",
        timeout,
        "-s",
        script,
        url,
        "--",
        *args,
    ]
    done = subprocess.run(cmd, cwd=LUA_DIR, capture_output=True, text=True, check=False)
    values = dict(re.findall(r"^BENCH (\S+) (\S+)$", done.stdout, flags=re.MULTILINE))
    if done.returncode != 0 or "requests" not in values:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")

    def num(key: str) -> float:
        return float(values.get(key, 0))

    seconds = num("duration_us") / 1e6
    requests = int(num("requests"))
    return WrkResult(
        requests=requests,
        seconds=seconds,
        rps=requests / seconds if seconds else 0.0,
        p50_ms=num("latency_p50_us") / 1e3,
        p90_ms=num("latency_p90_us") / 1e3,
        p99_ms=num("latency_p99_us") / 1e3,
        mean_ms=num("latency_mean_us") / 1e3,
        max_ms=num("latency_max_us") / 1e3,
        non_2xx=int(num("errors_status")),
        socket_errors=int(
            num("errors_connect") + num("errors_read") + num("errors_write") + num("errors_timeout")
        ),
        timeouts=int(num("errors_timeout")),
        pool=int(num("pool")),
        wrapped=int(num("wrapped")),
    )


def warm_and_run(
    url: str, script: str, *, warmup: float = 3.0, duration: float = 15.0, **options: Any
) -> WrkResult:
    """A discarded warm-up run (JIT-free Python still warms caches, pools and statement caches), then
    the measured one."""
    if warmup > 0:
        run_wrk(url, script, duration=warmup, **options)
    return run_wrk(url, script, duration=duration, **options)


def body_file(payload: object) -> Path:
    """A JSON body in a temporary file, for post_json.lua / walk_list.lua."""
    with tempfile.NamedTemporaryFile("w", prefix="bench-body-", suffix=".json", delete=False) as f:
        json.dump(payload, f, separators=(",", ":"))
        return Path(f.name)


# ---------------------------------------------------------------- the ceiling C


def measure_ceiling(
    *,
    workers: int = 2,
    connections: int = 64,
    threads: int = 2,
    warmup: float = 3.0,
    duration: float = 15.0,
) -> WrkResult:
    """C: bench/ceiling_app.py (FastAPI, one `INSERT … RETURNING` on a raw asyncpg pool) under the same
    server flags and load as the figure it is compared with, in a scratch database dropped afterwards."""
    with scratch_database() as database:
        run_sql(
            database,
            "CREATE TABLE ceiling_items (id bigserial PRIMARY KEY, title text NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())",
        )
        body = body_file({"title": "ceiling"})
        try:
            with serve(
                "ceiling_app:create_app",
                workers=workers,
                app_dir=BENCH_DIR,
                env={"BENCH_CEILING_DSN": f"{PG_SERVER}/{database}"},
            ) as server:
                return warm_and_run(
                    server.url + "/items",
                    "post_json.lua",
                    warmup=warmup,
                    duration=duration,
                    connections=connections,
                    threads=threads,
                    args=[str(body)],
                )
        finally:
            body.unlink(missing_ok=True)


# ---------------------------------------------------------------- reporting


@dataclass(frozen=True)
class Figure:
    """One measured figure, e.g. Figure("decisions/s", result, target=0.40)."""

    name: str
    result: WrkResult
    target: float | None = None  # as a ratio of C
    notes: dict[str, Any] = field(default_factory=dict)

    def ratio(self, ceiling: float) -> float:
        return self.result.rps / ceiling if ceiling else 0.0

    def meets(self, ceiling: float) -> bool | None:
        return None if self.target is None else self.ratio(ceiling) >= self.target


def median(results: Sequence[WrkResult]) -> WrkResult:
    """Field-by-field median of several runs (the way docs/performance.md compares figures)."""
    if not results:
        raise ValueError("no results")
    values: dict[str, Any] = {}
    for f in fields(WrkResult):
        column = [getattr(r, f.name) for r in results]
        mid = statistics.median(column)
        values[f.name] = type(column[0])(mid)
    return replace(results[0], **values)


def format_figure(figure: Figure, ceiling: float) -> str:
    r = figure.result
    line = (
        f"{figure.name:<14} {r.rps:>8,.0f}  p50 {r.p50_ms:6.1f} ms  p99 {r.p99_ms:6.1f} ms"
        f"  {figure.ratio(ceiling):.2f} × C"
    )
    if figure.target is not None:
        line += f" (target ≥ {figure.target:.2f}: {'met' if figure.meets(ceiling) else 'NOT met'})"
    problems = []
    if r.non_2xx:
        problems.append(f"{r.non_2xx} non-2xx")
    if r.socket_errors:
        problems.append(f"{r.socket_errors} socket errors ({r.timeouts} timeouts)")
    if r.wrapped:
        problems.append(f"list wrapped {r.wrapped}×")
    if problems:
        line += "  [" + ", ".join(problems) + "]"
    return line


def print_table(title: str, ceiling: WrkResult, figures: Sequence[Figure]) -> None:
    c = ceiling.rps
    print(f"\n{title}")
    print(
        f"{'C (ceiling)':<14} {c:>8,.0f}  p50 {ceiling.p50_ms:6.1f} ms  p99 {ceiling.p99_ms:6.1f} ms  1.00 × C"
    )
    for figure in figures:
        print(format_figure(figure, c))
    sys.stdout.flush()


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_at_end": list(os.getloadavg()),
    }


def write_results(name: str, payload: Mapping[str, Any]) -> Path:
    """bench/results/<name>.json: the latest run only (committed, cited by the README)."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {"benchmark": name, "at": datetime.now(UTC).isoformat(timespec="seconds"), **payload}
    path.write_text(json.dumps(document, indent=2, default=_jsonable) + "\n")
    return path


def _jsonable(value: object) -> object:
    if isinstance(value, WrkResult | Figure):
        return asdict(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


@contextlib.contextmanager
def service_on_throwaway_database(
    service: str,
    app: str,
    *,
    workers: int,
    subscribers: str = "",
    seed: Sequence[Statement] = (),
) -> Iterator[tuple[Server, str]]:
    """A fresh, migrated database `bench_<hex>_<service>` (plus `seed` statements) with the service
    serving on it, workers and timers off; yields (server, database name) and drops the database."""
    from sealkit.migrations import upgrade
    from sealkit.settings import DEV_JWT_SECRET

    base = f"bench_{uuid.uuid4().hex[:10]}"
    suffix = service.replace("-", "_")
    database = f"{base}_{suffix}"
    url = f"{PG_SERVER.replace('postgresql://', 'postgresql+asyncpg://')}/{base}"
    try:
        upgrade(REPO_ROOT / "services" / service, f"{url}_{suffix}")
        if seed:
            run_sql(database, *seed)
        env = {
            "SEALFLOW_DATABASE_URL": url,
            "SEALFLOW_RUN_WORKERS": "false",
            "SEALFLOW_LOG_LEVEL": "WARNING",
            "SEALFLOW_JWT_SECRET": DEV_JWT_SECRET,
            # a subscriber turns every event into an outbox row, as in a deployment; nothing delivers them
            "SEALFLOW_SUBSCRIBERS": subscribers,
        }
        with serve(app, workers=workers, env=env, ready_path="/readyz") as server:
            yield server, database
    finally:
        run_sql("postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
