"""Export every service's OpenAPI document to docs/openapi/<service>.json (`make openapi`).

Services are found, not listed: every `services/<name>/src/<package>/main.py` with a `create_app`, so a
new service is exported as soon as it has one. The app is built but never started (no database, no
workers), and the JSON is rendered with sorted keys and a trailing newline, so the same code always
gives the same bytes and `tests/test_openapi_docs.py` can tell a stale document from a fresh one.

    uv run python scripts/export_openapi.py           # write the documents
    uv run python scripts/export_openapi.py --check   # exit 1 naming each stale or missing document
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPENAPI_DIR = ROOT / "docs" / "openapi"


@dataclass(frozen=True)
class ServiceApp:
    name: str  # the directory under services/, e.g. mail-bridge
    module: str  # e.g. sealflow_mail.main

    @property
    def document(self) -> Path:
        return OPENAPI_DIR / f"{self.name}.json"


def discover(root: Path = ROOT) -> list[ServiceApp]:
    """Every service with an app factory, in name order."""
    found: list[ServiceApp] = []
    for service_dir in sorted(p for p in (root / "services").iterdir() if p.is_dir()):
        mains = sorted((service_dir / "src").glob("*/main.py"))
        for main in mains:
            if "def create_app" in main.read_text(encoding="utf-8"):
                found.append(ServiceApp(service_dir.name, f"{main.parent.name}.main"))
    return found


def render(service: ServiceApp) -> str:
    """The service's OpenAPI document as the committed file holds it."""
    module = importlib.import_module(service.module)
    document = module.create_app().openapi()
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def stale(services: list[ServiceApp]) -> list[str]:
    """One line per document that is missing, out of date, or left over from a service that is gone."""
    problems: list[str] = []
    for service in services:
        if not service.document.exists():
            problems.append(f"{service.name}: {service.document.relative_to(ROOT)} is missing")
        elif service.document.read_text(encoding="utf-8") != render(service):
            problems.append(f"{service.name}: {service.document.relative_to(ROOT)} is out of date")
    known = {service.document for service in services}
    problems += [
        f"{path.stem}: {path.relative_to(ROOT)} belongs to no service"
        for path in sorted(OPENAPI_DIR.glob("*.json"))
        if path not in known
    ]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale documents (exit 1 if any)")
    args = parser.parse_args()
    services = discover()
    if args.check:
        problems = stale(services)
        for line in problems:
            print(f"{line}: run `make openapi`", file=sys.stderr)
        return 1 if problems else 0
    OPENAPI_DIR.mkdir(parents=True, exist_ok=True)
    for service in services:
        text = render(service)
        if not service.document.exists() or service.document.read_text(encoding="utf-8") != text:
            service.document.write_text(text, encoding="utf-8")
            print(f"wrote {service.document.relative_to(ROOT)}")
    for path in sorted(OPENAPI_DIR.glob("*.json")):
        if path not in {service.document for service in services}:
            path.unlink()
            print(f"removed {path.relative_to(ROOT)} (no such service)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
