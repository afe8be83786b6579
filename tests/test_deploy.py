"""The shipped deployment: the Kubernetes manifests (each overlay built as kustomize would,
then every object validated by kubernetes-validate against the Kubernetes version we
target), the compose file's structure (no container engine here to run `compose config`),
and the Containerfile's rules."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonpatch
import kubernetes_validate
import pytest
import yaml

from services.common.settings import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[1]
KUBERNETES = ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.34.0"  # the version the manifests target (README, Production)
PROCESSES = (*SERVICE_NAMES, "gateway", "worker")


def load_all(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def build(overlay: str) -> list[dict[str, Any]]:
    """The objects of an overlay: the base's resources with the overlay's JSON 6902 patches,
    namespace, image tag and generated Secret applied (the subset of kustomize we use)."""
    folder = KUBERNETES / "overlays" / overlay
    kustomization = load_all(folder / "kustomization.yaml")[0]
    assert kustomization["resources"] == ["../../base"]
    base = load_all(KUBERNETES / "base" / "kustomization.yaml")[0]
    objects = [obj for name in base["resources"] for obj in load_all(KUBERNETES / "base" / name)]
    for patch in kustomization.get("patches", []):
        target = patch["target"]
        operations = yaml.safe_load((folder / patch["path"]).read_text(encoding="utf-8"))
        matched = [
            i
            for i, obj in enumerate(objects)
            if obj["kind"] == target["kind"] and obj["metadata"]["name"] == target["name"]
        ]
        assert len(matched) == 1, f"{patch} matches {len(matched)} objects"
        objects[matched[0]] = jsonpatch.apply_patch(objects[matched[0]], operations)
    for generated in kustomization.get("secretGenerator", []):
        data = dict(line.split("=", 1) for line in generated.get("literals", []))
        data |= {line.split("=", 1)[0]: "<file>" for line in generated.get("files", [])}
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": generated["name"]},
                "stringData": data,
            }
        )
    tags = {image["name"]: image["newTag"] for image in kustomization.get("images", [])}
    for obj in objects:
        obj["metadata"]["namespace"] = kustomization["namespace"]
        for pod in pod_specs(obj):
            for container in pod["containers"]:
                name, _, _ = container["image"].partition(":")
                if name in tags:
                    container["image"] = f"{name}:{tags[name]}"
    return objects


def pod_specs(obj: dict[str, Any]) -> list[dict[str, Any]]:
    if obj["kind"] in {"Deployment", "Job"}:
        return [obj["spec"]["template"]["spec"]]
    return []


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_every_object_of_the_overlay_validates(overlay: str) -> None:
    for obj in build(overlay):
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_every_process_is_deployed_probed_scaled_and_protected(overlay: str) -> None:
    objects = build(overlay)
    deployments = by_kind(objects, "Deployment")
    assert set(deployments) == set(PROCESSES)
    assert set(by_kind(objects, "HorizontalPodAutoscaler")) == set(PROCESSES)
    assert set(by_kind(objects, "PodDisruptionBudget")) == set(PROCESSES)
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        (container,) = pod["containers"]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
        assert container["resources"]["requests"] and container["resources"]["limits"], name
        assert {"name": "govhub-secrets"} in [e.get("secretRef") for e in container["envFrom"]]
        if name == "worker":
            assert container["args"] == ["worker"]
            continue
        assert container["args"][:2] == ["serve", name]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        # graceful shutdown: out of the endpoints first, then SIGTERM drains
        assert container["lifecycle"]["preStop"]["sleep"]["seconds"] > 0
        assert pod["terminationGracePeriodSeconds"] > 10
    job = by_kind(objects, "Job")["govhub-migrate"]
    (migrate,) = job["spec"]["template"]["spec"]["containers"]
    assert "govhub migrate" in " ".join(migrate["command"])


def test_only_the_gateway_reaches_the_services() -> None:
    policies = by_kind(build("production"), "NetworkPolicy")
    services = policies["services-only-from-gateway"]["spec"]
    assert services["podSelector"]["matchExpressions"][0]["values"] == ["service"]
    (rule,) = services["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}}]
    deployments = by_kind(build("production"), "Deployment")
    for name in SERVICE_NAMES:
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/component"] == "service"
    gateway = deployments["gateway"]["spec"]["template"]["metadata"]["labels"]
    assert gateway["app.kubernetes.io/component"] == "gateway"


def test_the_production_overlay_holds_no_secret() -> None:
    objects = build("production")
    assert "Secret" not in {o["kind"] for o in objects}
    config = by_kind(objects, "ConfigMap")["govhub-config"]["data"]
    assert config["GOVHUB_ENVIRONMENT"] == "production"


def test_the_compose_file_runs_every_part_with_its_real_peers() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert services["postgres"]["image"].endswith("postgres:18")
    assert "pgbouncer" in services["pgbouncer"]["image"]
    assert services["redis"]["image"].split("/")[-1].startswith("redis:")
    assert services["migrate"]["restart"] == "no"
    assert "govhub migrate" in " ".join(services["migrate"]["command"])
    for name in SERVICE_NAMES:
        assert services[name]["command"] == ["serve", name]
        assert services[name]["deploy"]["replicas"] == 2
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        env = services[name]["environment"]
        assert "@pgbouncer:6432/" in env["GOVHUB_DATABASE_URL"]
        assert env["GOVHUB_REDIS_URL"].startswith("redis://redis:")
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["gateway"]["command"] == ["serve", "gateway"]
    assert services["gateway"]["ports"] == ["127.0.0.1:8000:8000"]


def test_the_containerfile_is_multi_stage_locked_and_unprivileged() -> None:
    text = (ROOT / "Containerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM \S+ AS (\w+)$", text, re.M)
    assert stages == ["build", "run"]
    build_stage, run_stage = text.split("\nFROM ", 2)[1:]
    assert "uv sync --frozen" in build_stage
    assert "uv sync" not in run_stage and "pip install" not in run_stage
    assert not re.search(r"\b(gcc|build-essential|apt-get install)\b", run_stage)
    assert re.search(r"^USER 10001", run_stage, re.M)
    assert 'ENTRYPOINT ["govhub"]' in run_stage
