"""Run the whole suite locally: migrate each service, start it on its port, wire them together.

`python scripts/suite.py run` is what `make run` calls. Without SEALFLOW_DATABASE_URL every service
uses its SQLite file under ./var/ and the mail bridge runs in local mode. Ctrl-C or SIGTERM stops all.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import web_console

from sealkit.server import uvicorn_command

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Service:
    name: str
    package: str
    port: int

    @property
    def directory(self) -> Path:
        return ROOT / "services" / self.name

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def exists(self) -> bool:
        return (self.directory / "migrations" / "env.py").exists() and (
            self.directory / "src" / self.package / "main.py"
        ).exists()


SUITE = [
    Service("approval", "sealflow_approval", 8001),
    Service("ticketing", "sealflow_ticketing", 8002),
    Service("orders", "sealflow_orders", 8003),
    Service("mail-bridge", "sealflow_mail", 8004),
]


def shifted(offset: int) -> list[Service]:
    return [Service(s.name, s.package, s.port + offset) for s in SUITE]


MAIL_LISTEN_PORT = 8025  # the mail bridge's local-mode SMTP listener (replies on a one-machine run)


def free_offset(low: int = 2000, high: int = 20000, attempts: int = 200) -> int:
    """A port offset at which every suite port (and the local mail listener) can be bound right now.

    Tests run the suite beside a possible `make run`; the ports stay below the kernel's ephemeral range
    (32768+) so an outgoing connection's local port cannot take one between this check and the start."""
    rng = random.SystemRandom()
    for _ in range(attempts):
        offset = rng.randrange(low, high)
        ports = [*(s.port for s in SUITE), MAIL_LISTEN_PORT, web_console.WEB_PORT]
        if all(_bindable(port + offset) for port in ports):
            return offset
    raise RuntimeError(f"no free port offset in [{low}, {high})")


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
        return True


def wiring(present: dict[str, Service], port_offset: int = 0) -> dict[str, dict[str, str]]:
    """Per-service environment that connects the services that exist (subscriptions, peer URLs)."""
    env: dict[str, dict[str, str]] = {name: {} for name in present}
    if "approval" in present:
        for name in present:
            env[name]["SEALFLOW_APPROVAL_URL"] = present["approval"].url
    if "ticketing" in present:
        for name in present:
            env[name]["SEALFLOW_TICKETING_URL"] = present["ticketing"].url
    if "SEALFLOW_CORS_ORIGINS" not in os.environ:  # the console, on its (possibly shifted) port
        for name in present:
            env[name]["SEALFLOW_CORS_ORIGINS"] = web_console.origins(web_console.WEB_PORT + port_offset)
    if "orders" in present:
        # orders follows approval decisions and ticket results; every peer knows where it is
        for name in present:
            env[name]["SEALFLOW_ORDERS_URL"] = present["orders"].url
        if "ticketing" in present:
            env["ticketing"]["SEALFLOW_SUBSCRIBERS"] = f"ticket.resolved={present['orders'].url}/v1/events"
    if "mail-bridge" in present and "SEALFLOW_MAIL_LISTEN" not in os.environ:
        env["mail-bridge"]["SEALFLOW_MAIL_LISTEN"] = f"{HOST}:{MAIL_LISTEN_PORT + port_offset}"
    if "approval" in present:
        subscriptions: list[str] = []
        if "mail-bridge" in present:
            hook = f"{present['mail-bridge'].url}/v1/events"
            subscriptions += [
                f"{event}={hook}" for event in ("approval.task.created", "approval.task.reminder")
            ]
        if "orders" in present:
            subscriptions.append(f"approval.request.decided={present['orders'].url}/v1/events")
        if subscriptions:
            env["approval"]["SEALFLOW_SUBSCRIBERS"] = ",".join(subscriptions)
    return {name: values for name, values in env.items() if name in present}


def run(workers: int, port_offset: int = 0, web: bool = True) -> int:
    present = {s.name: s for s in shifted(port_offset) if s.exists()}
    if not present:
        print("no services found under services/", file=sys.stderr)
        return 1
    base_env = dict(os.environ)
    per_service = wiring(present, port_offset)
    for service in present.values():
        print(f"migrating {service.name} …", flush=True)
        subprocess.run(
            [sys.executable, "-m", "sealkit.migrations", str(service.directory)],
            env={**base_env, **per_service[service.name]},
            cwd=ROOT,
            check=True,
        )
    processes: list[tuple[Service, subprocess.Popen[bytes]]] = []
    for service in present.values():
        argv = uvicorn_command(
            f"{service.package}.main:create_app",
            host=HOST,
            port=service.port,
            workers=workers,
            extra=("--no-access-log",),
        )
        processes.append(
            (service, subprocess.Popen(argv, env={**base_env, **per_service[service.name]}, cwd=ROOT))
        )
        print(f"{service.name:12} {service.url}  (docs: {service.url}/docs)", flush=True)
    # built beside the services, which answer meanwhile (a first build takes a while)
    console = None
    if web:
        urls = {
            name: present[name].url if name in present else None
            for name in ("approval", "ticketing", "orders")
        }
        console = web_console.Console(HOST, web_console.WEB_PORT + port_offset, urls)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    while not stopping:
        for service, proc in processes:
            if proc.poll() is not None:
                print(f"{service.name} exited with {proc.returncode}; stopping the suite", file=sys.stderr)
                status, stopping = proc.returncode or 1, True
        time.sleep(0.2)
    for _, proc in processes:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for _, proc in processes:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    if console is not None:
        console.stop()
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["run", "list"])
    parser.add_argument("--workers", type=int, default=int(os.environ.get("SEALFLOW_WORKERS", "1")))
    parser.add_argument("--port-offset", type=int, default=0, help="add this to every port (tests)")
    parser.add_argument("--no-web", action="store_true", help="do not build or serve the web console")
    args = parser.parse_args()
    if args.command == "list":
        for s in SUITE:
            print(f"{s.name:12} {s.port}  {'present' if s.exists() else 'not built yet'}")
        return
    sys.exit(run(args.workers, args.port_offset, web=not args.no_web))


if __name__ == "__main__":
    main()
