"""The deploy files, checked offline: every Kubernetes manifest against the API schemas that
kubernetes-validate carries (strict: unknown fields fail), and every service of the suite present in
the manifests, the kustomize base and the compose file with the same wiring. `make test-deploy`
proves the compose file by running it; this proves what no cluster here can run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
import kubernetes_validate
import pytest
import yaml

from sealkit.testing import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import suite

K8S = REPO_ROOT / "deploy" / "k8s"
COMPOSE_FILE = REPO_ROOT / "deploy" / "docker-compose.yml"
KUBERNETES_VERSION = "1.30.0"  # the oldest minor we support; newer clusters accept these manifests too
ORDERS = {"orders": 8003}  # being built: the deploy files carry it already, so check it with the rest


def suite_services() -> list[str]:
    """The suite as scripts/suite.py declares it, plus any service folder it does not list yet."""
    folders = {d.name for d in (REPO_ROOT / "services").iterdir() if (d / "pyproject.toml").exists()}
    return sorted({s.name for s in suite.SUITE} | folders | set(ORDERS))


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def manifest_files() -> list[Path]:
    return sorted(
        p for p in [*K8S.glob("*.yaml"), *K8S.glob("examples/*.yaml")] if p.name != "kustomization.yaml"
    )


def by_kind(path: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for doc in documents(path):
        assert doc["kind"] not in found, f"{path.name}: two {doc['kind']}s"
        found[doc["kind"]] = doc
    return found


@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_every_manifest_is_valid_against_the_kubernetes_schemas(path: Path) -> None:
    docs = documents(path)
    assert docs
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_validator_refuses_what_a_cluster_would() -> None:
    """The check above has teeth: a misspelt field and a wrong type are both errors."""
    deployment = by_kind(K8S / "approval.yaml")["Deployment"]
    typo = yaml.safe_load(yaml.safe_dump(deployment))
    typo["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, KUBERNETES_VERSION, strict=True)
    wrong = yaml.safe_load(yaml.safe_dump(deployment))
    wrong["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong, KUBERNETES_VERSION, strict=True)


def test_the_kustomize_base_lists_every_manifest_and_no_secret() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"}
    for name in listed:
        assert all(d["kind"] != "Secret" for d in documents(K8S / name)), "re-applying would overwrite it"


@pytest.mark.parametrize("service", suite_services())
def test_each_service_has_a_deployment_with_migrations_probes_and_limits(service: str) -> None:
    path = K8S / f"{service}.yaml"
    assert path.exists(), f"deploy/k8s/{service}.yaml is missing"
    kinds = by_kind(path)
    assert set(kinds) == {"Deployment", "Service", "PodDisruptionBudget"}
    deployment, svc, pdb = kinds["Deployment"], kinds["Service"], kinds["PodDisruptionBudget"]
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"] == {"app": service} and labels["app"] == service
    assert svc["spec"]["selector"] == {"app": service}
    assert pdb["spec"]["selector"]["matchLabels"] == {"app": service}
    assert pdb["spec"].get("maxUnavailable") == 1  # also lets a one-replica service be drained

    (init,) = pod["spec"]["initContainers"]
    (main,) = pod["spec"]["containers"]
    assert init["args"] == ["migrate"] and "args" not in main  # the image's default command serves
    assert init["image"] == main["image"] and main["image"].split(":")[0] == f"sealflow/{service}"
    assert main["ports"] == [{"containerPort": 8000, "name": "http"}]
    assert svc["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http"}]
    assert main["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert main["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for container in (init, main):
        assert container["envFrom"] == [
            {"configMapRef": {"name": "sealflow-config"}},
            {"secretRef": {"name": "sealflow-secrets"}},
        ]
        for bound in ("requests", "limits"):
            assert set(container["resources"][bound]) == {"cpu", "memory"}, (container["name"], bound)
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True


def test_the_config_map_points_every_service_at_its_peers() -> None:
    (config,) = documents(K8S / "00-config.yaml")
    assert config["data"]["SEALFLOW_ENV"] == "production"
    for service in ("approval", "ticketing", "orders"):
        assert config["data"][f"SEALFLOW_{service.upper()}_URL"] == f"http://{service}"


@pytest.mark.parametrize("service", suite_services())
def test_compose_builds_migrates_and_publishes_each_service(service: str) -> None:
    compose = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    migrate, serve = compose[f"{service}-migrate"], compose[service]
    assert (
        migrate["build"]["args"]["SERVICE"] == service
        and migrate["build"]["dockerfile"] == "deploy/Dockerfile"
    )
    assert migrate["image"] == serve["image"] == f"sealflow/{service}"
    assert migrate["command"] == ["migrate"]
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert serve["depends_on"] == {f"{service}-migrate": {"condition": "service_completed_successfully"}}
    declared = {**ORDERS, **{s.name: s.port for s in suite.SUITE}}
    env_name = f"SEALFLOW_{service.upper().replace('-', '_')}_PORT"
    port = declared[service]
    assert serve["ports"] == [f"${{SEALFLOW_PUBLISH_HOST:-0.0.0.0}}:${{{env_name}:-{port}}}:8000"]
    assert "ports" not in compose["postgres"], "PostgreSQL stays on the compose network"


def test_compose_and_kubernetes_wire_the_same_events_to_the_same_services() -> None:
    """Who receives which event (SEALFLOW_SUBSCRIBERS) is the same on one host and in a cluster; only
    the address form differs (http://orders:8000 on compose, the Service http://orders in k8s)."""
    compose = yaml.safe_load(COMPOSE_FILE.read_text())["services"]

    def routes(value: str) -> set[tuple[str, str]]:
        pairs = (entry.split("=", 1) for entry in value.split(",") if entry)
        return {(event, httpx.URL(url).host) for event, url in pairs}

    for service in suite_services():
        deployment = by_kind(K8S / f"{service}.yaml")["Deployment"]
        (main,) = deployment["spec"]["template"]["spec"]["containers"]
        in_k8s = {e["name"]: e["value"] for e in main.get("env", [])}.get("SEALFLOW_SUBSCRIBERS", "")
        in_compose = compose[service]["environment"].get("SEALFLOW_SUBSCRIBERS", "")
        default = in_compose.split("-", 1)[1].rstrip("}") if in_compose.startswith("${") else in_compose
        assert routes(default) == routes(in_k8s), service
