"""deploy/k8s, checked offline: rendered (kustomize, or the Python renderer that must agree with it),
validated against the Kubernetes schemas, and read for what production needs of each service."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from tests.deploy.kustomize import Obj, pod_spec, render, render_with_binary

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUSTOMIZATIONS = {"base": K8S / "base", "production": K8S / "overlays" / "production"}
SERVICES = ("catalogue", "applications", "eligibility", "budget")
KUBERNETES_VERSION = "1.30.0"
"""The oldest Kubernetes still supported upstream when this was written: what passes here passes later ones."""

CALLS = {("applications", "catalogue"), ("applications", "eligibility"), ("applications", "budget")} | {
    ("eligibility", "catalogue"),
    ("budget", "catalogue"),
}
"""Which service calls which (services/*/config.py upstream URLs): the only pod-to-pod traffic allowed."""
DATA_COMMANDS = {"catalogue": ["load-data"], "eligibility": ["load-rules"], "budget": ["sync"], "applications": []}
"""What each service's Job runs after `migrate` (the same steps as docker-compose.yml and `make run`)."""


@pytest.fixture(scope="module", params=sorted(KUSTOMIZATIONS))
def rendered(request: pytest.FixtureRequest) -> list[Obj]:
    return render(KUSTOMIZATIONS[request.param])


def one(objects: list[Obj], kind: str, name: str) -> Obj:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_the_python_renderer_agrees_with_kustomize(name: str) -> None:
    expected = render_with_binary(KUSTOMIZATIONS[name])
    if expected is None:
        pytest.skip(
            "neither kubectl nor kustomize is installed: the Python renderer is checked by the tests below only"
        )

    def key(o: Obj) -> tuple[str, str]:
        return o["kind"], o["metadata"]["name"]

    assert sorted(render(KUSTOMIZATIONS[name]), key=key) == sorted(expected, key=key)


def test_every_object_is_valid_against_the_kubernetes_schemas(rendered: list[Obj]) -> None:
    for obj in rendered:
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message} at {list(exc.path)}")


def test_an_invalid_object_is_refused_by_the_validation() -> None:
    """The validation above can fail: a Deployment with a misspelt field and a wrong type is refused."""
    deployment = one(render(KUSTOMIZATIONS["base"]), "Deployment", "budget")
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolice"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    deployment = one(render(KUSTOMIZATIONS["base"]), "Deployment", "budget")
    deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "eight thousand"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def containers(obj: Obj) -> list[Obj]:
    pod = pod_spec(obj) or {}
    return [*pod.get("initContainers", []), *pod.get("containers", [])]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_deployed_safely(rendered: list[Obj], service: str) -> None:
    deployment = one(rendered, "Deployment", service)
    pod = deployment["spec"]["template"]["spec"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert pod["automountServiceAccountToken"] is False
    for c in containers(deployment) + containers(one(rendered, "Job", f"{service}-migrate")):
        sc = c["securityContext"]
        assert sc["readOnlyRootFilesystem"] is True, c["name"]
        assert sc["allowPrivilegeEscalation"] is False and sc["privileged"] is False, c["name"]
        assert sc["capabilities"]["drop"] == ["ALL"], c["name"]
        assert {"cpu", "memory"} <= set(c["resources"]["requests"]) and "memory" in c["resources"]["limits"], c["name"]
        # Secrets only by reference: no literal value for anything secret-like.
        for env in c.get("env", []):
            if re.search(r"SECRET|TOKEN|PASSWORD|DATABASE_URL|REDIS_URL", env["name"]):
                assert "value" not in env and "secretKeyRef" in env["valueFrom"], env
    (api,) = pod["containers"]
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert api["args"][0] == "serve"
    assert not [o for o in rendered if o["kind"] == "Secret"], "secret values never live in the manifests"

    # The new version serves only once its database is migrated: its pods wait for the Job.
    (wait,) = pod["initContainers"]
    assert wait["args"] == ["migrate", "--check"] and wait["image"] == api["image"]
    job = one(rendered, "Job", f"{service}-migrate")
    steps = [c["args"] for c in containers(job)]
    assert steps == [["migrate"], *([c] for c in DATA_COMMANDS[service])]
    assert {c["image"] for c in containers(job)} == {api["image"]}

    service_obj = one(rendered, "Service", service)
    assert service_obj["spec"]["selector"].items() <= labels.items()
    hpa = one(rendered, "HorizontalPodAutoscaler", service)
    assert hpa["spec"]["scaleTargetRef"]["name"] == service and hpa["spec"]["minReplicas"] >= 2
    pdb = one(rendered, "PodDisruptionBudget", service)
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items() and pdb["spec"]["minAvailable"] >= 1
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


@pytest.mark.parametrize("service", SERVICES)
def test_the_commands_and_settings_are_the_services_own(rendered: list[Obj], service: str) -> None:
    """Every command a container runs is one the image's CLI has, and every setting a ConfigMap gives
    is a field of the service's settings (a misspelt variable would be silently ignored)."""
    help_text = subprocess.run(
        [sys.executable, "-m", f"services.{service}", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    commands = set(re.search(r"\{([a-z,-]+)\}", help_text).group(1).split(","))  # type: ignore[union-attr]
    for obj in rendered:
        for c in containers(obj):
            if c["image"].split(":")[0].endswith(f"interreg/{service}"):
                assert c["args"][0] in commands, (obj["metadata"]["name"], c["args"], commands)

    settings_cls: Any = importlib.import_module(f"services.{service}.config").Settings
    prefix = f"{service.upper()}_"
    for key, value in one(rendered, "ConfigMap", service)["data"].items():
        assert key.startswith(prefix) and key.removeprefix(prefix).lower() in settings_cls.model_fields, key
        field = key.removeprefix(prefix).lower()
        idp = {"jwks_url": "https://idp.example/jwks", "issuer": "https://idp.example"}
        parsed = settings_cls.model_validate({"audience": "interreg", field: value, "auth": idp})
        assert str(getattr(parsed, field)).lower() == value.lower(), (key, value)


def reaches(policies: list[Obj], source: dict[str, str], namespace: str, target: dict[str, str]) -> bool:
    """Whether a pod with labels `source` in `namespace` may open a connection to a pod with `target`
    labels in the services' namespace, under these NetworkPolicies (ingress rules, matchLabels only)."""
    selecting = [p for p in policies if p["spec"]["podSelector"].get("matchLabels", {}).items() <= target.items()]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                ns_ok = (
                    peer["namespaceSelector"]["matchLabels"].get("kubernetes.io/metadata.name") == namespace
                    if "namespaceSelector" in peer
                    else namespace == "interreg"
                )
                pod_ok = peer.get("podSelector", {}).get("matchLabels", {}).items() <= source.items()
                if ns_ok and pod_ok:
                    return True
    return False


def test_only_the_ingress_monitoring_and_callers_reach_a_service(rendered: list[Obj]) -> None:
    policies = [o for o in rendered if o["kind"] == "NetworkPolicy"]
    api = {s: one(rendered, "Deployment", s)["spec"]["template"]["metadata"]["labels"] for s in SERVICES}
    jobs = {s: one(rendered, "Job", f"{s}-migrate")["spec"]["template"]["metadata"]["labels"] for s in SERVICES}
    allowed = {(a, b) for a in SERVICES for b in SERVICES if a != b and reaches(policies, api[a], "interreg", api[b])}
    assert allowed == CALLS
    # The budget's Job syncs from the catalogue; no other Job calls anyone.
    assert reaches(policies, jobs["budget"], "interreg", api["catalogue"])
    assert not reaches(policies, jobs["catalogue"], "interreg", api["eligibility"])
    for s in SERVICES:
        assert reaches(policies, {"app.kubernetes.io/name": "ingress-nginx"}, "ingress-nginx", api[s])
        assert reaches(policies, {"app.kubernetes.io/name": "prometheus"}, "monitoring", api[s])
        assert not reaches(policies, {"app": "anything-else"}, "interreg", api[s])
        assert not reaches(policies, {"app.kubernetes.io/name": "applications"}, "other-team", api[s])


def test_the_ingress_gives_one_host_with_a_prefix_per_service(rendered: list[Obj]) -> None:
    ingress = one(rendered, "Ingress", "interreg")
    (rule,) = ingress["spec"]["rules"]
    rewrite = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/rewrite-target"]
    routes = [(re.compile(p["path"]), p["backend"]["service"]["name"]) for p in rule["http"]["paths"]]

    def route(path: str) -> tuple[str, str] | None:
        for pattern, backend in routes:
            m = pattern.match(path)  # ingress-nginx matches regex paths as a prefix, case-insensitively
            if m:
                return backend, m.expand(rewrite.replace("$", "\\"))
        return None

    for s in SERVICES:
        assert route(f"/{s}/v1/anything?x=1") == (s, "/v1/anything?x=1")
        assert route(f"/{s}/metrics") is None and route(f"/{s}/readyz") is None
    assert route("/v1/programmes") is None
    assert {r["host"] for r in ingress["spec"]["rules"]} and len(ingress["spec"]["rules"]) == 1


def test_the_repair_runs_as_one_cronjob_and_never_in_the_api(rendered: list[Obj]) -> None:
    """Money is given back by one process of its own (`reconcile --all --repair`), never by API replicas."""
    cron = one(rendered, "CronJob", "applications-reconcile")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    [container] = containers(cron)
    assert container["args"] == ["reconcile", "--all", "--repair"]
    deployment = one(rendered, "Deployment", "applications")
    assert all("reconcile" not in c.get("args", []) for c in containers(deployment))
    # It reaches the budget (to release) as the API does.
    policies = [o for o in rendered if o["kind"] == "NetworkPolicy"]
    budget = one(rendered, "Deployment", "budget")["spec"]["template"]["metadata"]["labels"]
    labels = cron["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    assert reaches(policies, labels, "interreg", budget)
