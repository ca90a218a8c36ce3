"""docs/openapi/<service>.json is what each service publishes at /openapi.json today (`make openapi`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sealkit.testing import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import export_openapi

SERVICES = export_openapi.discover()


def test_every_service_is_found() -> None:
    """Discovery follows services/*/: each directory with an app factory is exported."""
    with_factory = {
        path.parents[2].name
        for path in (REPO_ROOT / "services").glob("*/src/*/main.py")
        if "def create_app" in path.read_text(encoding="utf-8")
    }
    assert {service.name for service in SERVICES} == with_factory
    assert {"approval", "ticketing", "mail-bridge"} <= with_factory


@pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])
def test_the_exported_document_is_fresh(service: export_openapi.ServiceApp) -> None:
    document: Path = service.document
    relative = document.relative_to(REPO_ROOT)
    assert document.exists(), f"{service.name}: {relative} is missing; run `make openapi`"
    assert document.read_text(encoding="utf-8") == export_openapi.render(service), (
        f"{service.name}: {relative} is stale (the service's API changed); run `make openapi` and commit it"
    )


def test_no_document_outlives_its_service() -> None:
    known = {service.document for service in SERVICES}
    leftovers = [p.name for p in export_openapi.OPENAPI_DIR.glob("*.json") if p not in known]
    assert not leftovers, f"{leftovers} belong to no service; run `make openapi`"
