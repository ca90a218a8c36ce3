"""`make demo`: walk the whole journey through the running suite, printing each step and its state.

With the suite running (`make run`) the demo uses it; otherwise it starts its own on free ports (SQLite
in a temporary directory, or PostgreSQL with SEALFLOW_DATABASE_URL) and stops it afterwards. It exits
non-zero, saying which step, if any step of the journey does not happen.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import suite
from journey import Journey
from journey_kit import Narrator, StepFailed, SuiteUrls, Trail


def urls_at(offset: int, mail_listen: str | None = None) -> SuiteUrls:
    by_name = {s.name: s.url for s in suite.shifted(offset)}
    host, port = (mail_listen or f"{suite.HOST}:{suite.MAIL_LISTEN_PORT + offset}").rsplit(":", 1)
    return SuiteUrls(
        approval=by_name["approval"],
        ticketing=by_name["ticketing"],
        orders=by_name["orders"],
        mail_bridge=by_name["mail-bridge"],
        mail_host=host,
        mail_port=int(port),
    )


def ready(urls: SuiteUrls) -> bool:
    try:
        return all(httpx.get(f"{u}/readyz", timeout=2).status_code == 200 for u in urls.by_service().values())
    except httpx.HTTPError:
        return False


@dataclass
class RunningSuite:
    urls: SuiteUrls
    process: subprocess.Popen[bytes] | None  # None: a suite someone else started

    def alive(self) -> bool:
        return self.process is None or self.process.poll() is None


def suite_command(offset: int) -> list[str]:
    # the demo needs no web console: building it would only slow the start
    script = str(suite.ROOT / "scripts" / "suite.py")
    return [sys.executable, script, "run", "--port-offset", str(offset), "--no-web"]


@contextmanager
def started_suite(env: Mapping[str, str], timeout: float = 180.0) -> Iterator[RunningSuite]:
    """`scripts/suite.py run` on free ports with `env`, ready on every service; stopped on exit."""
    offset = suite.free_offset()
    urls = urls_at(offset, env.get("SEALFLOW_MAIL_LISTEN"))
    process = subprocess.Popen(suite_command(offset), cwd=suite.ROOT, env=dict(env))
    try:
        deadline = time.monotonic() + timeout
        while not ready(urls):
            if process.poll() is not None:
                raise StepFailed(f"the suite exited with {process.returncode} before it was ready")
            if time.monotonic() > deadline:
                raise StepFailed(f"the suite was not ready after {timeout:.0f} s")
            time.sleep(0.3)
        yield RunningSuite(urls, process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def the_suite(start: bool, offset: int | None) -> Iterator[RunningSuite]:
    """The suite to walk through: the one at `offset` (default: make run's ports) if it answers,
    else one started here."""
    if not start:
        running = urls_at(offset or 0, os.environ.get("SEALFLOW_MAIL_LISTEN"))
        if ready(running):
            print(f"using the running suite at {running.approval} …", flush=True)
            yield RunningSuite(running, None)
            return
        if offset is not None:
            raise StepFailed(f"no suite answers at port offset {offset}")
    with tempfile.TemporaryDirectory(prefix="sealflow-demo-") as scratch:
        env = {**os.environ, "SEALFLOW_OUTBOX_POLL_SECONDS": "0.2", "ORDERS_TIMER_INTERVAL_SECONDS": "0.2"}
        env.setdefault("SEALFLOW_SQLITE_DIR", str(Path(scratch)))
        env.pop("SEALFLOW_MAIL_LISTEN", None)  # its own listener, on the shifted port
        where = (
            "PostgreSQL" if env.get("SEALFLOW_DATABASE_URL") else f"SQLite in {env['SEALFLOW_SQLITE_DIR']}"
        )
        print(f"no suite running: starting one on free ports ({where}) …", flush=True)
        with started_suite(env) as running_suite:
            yield running_suite


def walk(urls: SuiteUrls, narrator: Narrator | None = None, timeout: float = 60.0) -> Trail:
    journey = Journey(urls, narrator, timeout)
    try:
        return journey.run()
    finally:
        journey.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--start", action="store_true", help="always start a suite of its own")
    parser.add_argument("--port-offset", type=int, help="use the running suite started with this offset")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each event")
    args = parser.parse_args()
    narrator = Narrator()
    try:
        with the_suite(args.start, args.port_offset) as running:
            trail = walk(running.urls, narrator, args.timeout)
    except StepFailed as failed:
        where = f"step {narrator.count}" if narrator.count else "before the first step"
        print(f"\nFAILED at {where}: {failed}", file=sys.stderr, flush=True)
        return 1
    print(f"\nthe journey is complete: order {trail['order_id']}, {narrator.count} steps", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
