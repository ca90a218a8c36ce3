"""The web console for `make run`: build web/dist when it is missing or older than its sources, then
serve it (and /config.json, where the console learns the services' URLs) on 127.0.0.1:8000.

Node and npm build it; without them the suite still starts, with a note that the console is missing.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"
DIST = WEB / "dist"
WEB_PORT = 8000
# what the build reads; the generated *.gen.ts are left out (they follow docs/openapi, which is in)
_SOURCES = (
    WEB / "src",
    WEB / "index.html",
    WEB / "package.json",
    WEB / "package-lock.json",
    WEB / "vite.config.ts",
    WEB / "tsconfig.json",
    ROOT / "docs" / "openapi",
)


def origins(port: int) -> str:
    """SEALFLOW_CORS_ORIGINS for the services: the console on this port, by either loopback name."""
    return f"http://127.0.0.1:{port},http://localhost:{port}"


def _newest(paths: Iterable[Path]) -> float:
    newest = 0.0
    for path in paths:
        if path.is_dir():
            files = (p for p in path.rglob("*") if p.is_file() and not p.name.endswith(".gen.ts"))
            newest = max([newest, *(p.stat().st_mtime for p in files)])
        elif path.exists():
            newest = max(newest, path.stat().st_mtime)
    return newest


# the npm or export process running now, so that stopping the suite mid-build can end it
_running: list[subprocess.Popen[bytes]] = []


def _run(argv: list[str], cwd: Path) -> None:
    proc = subprocess.Popen(argv, cwd=cwd)
    _running.append(proc)
    try:
        if proc.wait() != 0:
            raise subprocess.CalledProcessError(proc.returncode, argv)
    finally:
        _running.remove(proc)


def _npm(*args: str) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed")
    _run([npm, *args], WEB)


def prepare() -> None:
    """node_modules as locked (npm ci when the lock changed); the contract is docs/openapi (make openapi)."""
    installed = WEB / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < (WEB / "package-lock.json").stat().st_mtime:
        print("web console: npm ci …", flush=True)
        _npm("ci", "--no-audit", "--no-fund", "--loglevel=error")


def lint() -> None:
    """`make lint`'s part for the console: types from the current contract, then tsc and eslint."""
    prepare()
    _npm("run", "--silent", "gen")
    _npm("run", "--silent", "typecheck")
    _npm("run", "--silent", "lint")


def build(force: bool = False) -> bool:
    """Make web/dist current; False (and a note) when node or npm is missing."""
    if not shutil.which("npm") or not shutil.which("node"):
        print("web console: node/npm not found, not built (apt-get install nodejs npm)", file=sys.stderr)
        return DIST.joinpath("index.html").exists()
    prepare()
    index = DIST / "index.html"
    if force or not index.exists() or index.stat().st_mtime < _newest(_SOURCES):
        print("web console: building …", flush=True)
        _npm("run", "--silent", "gen")
        _npm("run", "--silent", "build")
    return index.exists()


class _ConsoleHandler(SimpleHTTPRequestHandler):
    config: bytes = b"{}"

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/config.json":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(self.config)))
            self.end_headers()
            self.wfile.write(self.config)
            return
        super().do_GET()

    def end_headers(self) -> None:
        # hashed assets may be cached for good; index.html must be read again to find new ones
        if self.path.startswith("/assets/"):
            self.send_header("Cache-Control", "public, max-age=31536000, immutable")
        else:
            self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        if os.environ.get("SEALFLOW_ACCESS_LOG"):
            super().log_message(format, *args)


class Console:
    """The console for the launcher: built in a thread (the services answer meanwhile), then served.
    `stop()` ends a build still running and the server."""

    def __init__(self, host: str, port: int, service_urls: Mapping[str, str | None]) -> None:
        self.url = f"http://{host}:{port}"
        self._host, self._port, self._urls = host, port, dict(service_urls)
        self._server: ThreadingHTTPServer | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._build_and_serve, name="web-console-build", daemon=True)
        self._thread.start()

    def _build_and_serve(self) -> None:
        try:
            built = build()
        except (subprocess.CalledProcessError, OSError, RuntimeError) as exc:
            if not self._stopping.is_set():
                print(f"web console: build failed ({exc}); the services run without it", file=sys.stderr)
            return
        if built and not self._stopping.is_set():
            self._server = serve(self._host, self._port, self._urls)
            print(f"{'web console':12} {self.url}", flush=True)

    def stop(self) -> None:
        self._stopping.set()
        for proc in list(_running):
            proc.terminate()
        self._thread.join(15)
        if self._server is not None:
            self._server.shutdown()


def serve(host: str, port: int, service_urls: Mapping[str, str | None]) -> ThreadingHTTPServer:
    """Serve web/dist and /config.json from a daemon thread; `shutdown()` the result to stop."""
    handler = type("Handler", (_ConsoleHandler,), {"config": json.dumps(dict(service_urls)).encode()})
    server = ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(DIST)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="web-console", daemon=True).start()
    return server


if __name__ == "__main__":
    if sys.argv[1:] == ["lint"]:
        lint()
    elif sys.argv[1:] == ["build"]:
        sys.exit(0 if build(force=True) else 1)
    else:
        sys.exit("usage: web_console.py build|lint")
