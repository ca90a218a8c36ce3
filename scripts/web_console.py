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
# what the build reads; the generated *.gen.ts are left out (they follow openapi/, which is in)
_SOURCES = (
    "src",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
    "openapi",
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


def _npm(*args: str) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed")
    subprocess.run([npm, *args], cwd=WEB, check=True)


def build(force: bool = False) -> bool:
    """Make web/dist current; False (and a note) when node or npm is missing."""
    if not shutil.which("npm") or not shutil.which("node"):
        print("web console: node/npm not found, not built (apt-get install nodejs npm)", file=sys.stderr)
        return DIST.joinpath("index.html").exists()
    installed = WEB / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < (WEB / "package-lock.json").stat().st_mtime:
        print("web console: npm ci …", flush=True)
        _npm("ci", "--no-audit", "--no-fund", "--loglevel=error")
    # the contract, from the services themselves; an unchanged document keeps its timestamp
    subprocess.run([sys.executable, str(WEB / "scripts" / "export_openapi.py")], cwd=ROOT, check=True)
    index = DIST / "index.html"
    if force or not index.exists() or index.stat().st_mtime < _newest(WEB / s for s in _SOURCES):
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


def serve(host: str, port: int, service_urls: Mapping[str, str | None]) -> ThreadingHTTPServer:
    """Serve web/dist and /config.json from a daemon thread; `shutdown()` the result to stop."""
    handler = type("Handler", (_ConsoleHandler,), {"config": json.dumps(dict(service_urls)).encode()})
    server = ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(DIST)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="web-console", daemon=True).start()
    return server
