"""Rendering deploy/k8s without a cluster: `kubectl kustomize` or `kustomize build` where either binary is
installed, and a small Python renderer of the subset of kustomize the project uses otherwise.

The subset: `resources` (files of one or more documents, and folders holding a kustomization.yaml),
`namespace` (set on every namespaced object), `images` (`newName`/`newTag` of containers and init
containers) and `patches` given inline as JSON 6902 operations (add, replace, remove) with a `target`
of `kind` and `name`. Anything else in a kustomization is refused, so the renderer never silently
differs from kustomize; where a binary exists, a test checks both give the same objects.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

Obj = dict[str, Any]
SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass"}


def render(folder: Path) -> list[Obj]:
    """The objects the kustomization in `folder` produces, in kustomize's terms (Python subset)."""
    spec = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unknown = set(spec) - SUPPORTED
    if unknown:
        raise ValueError(f"{folder}: kustomization fields the Python renderer does not know: {sorted(unknown)}")
    objects: list[Obj] = []
    for entry in spec.get("resources", []):
        path = folder / entry
        if path.is_dir():
            objects.extend(render(path))
        else:
            objects.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    for patch in spec.get("patches", []):
        _patch(objects, patch)
    for image in spec.get("images", []):
        _set_image(objects, image)
    if "namespace" in spec:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj.setdefault("metadata", {})["namespace"] = spec["namespace"]
    return objects


def render_with_binary(folder: Path) -> list[Obj] | None:
    """The objects `kubectl kustomize` (or `kustomize build`) produces, or None when neither is installed."""
    if shutil.which("kubectl"):
        command = ["kubectl", "kustomize", str(folder)]
    elif shutil.which("kustomize"):
        command = ["kustomize", "build", str(folder)]
    else:
        return None
    out = subprocess.run(command, check=True, capture_output=True, text=True, timeout=120).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def _targets(objects: list[Obj], target: dict[str, str]) -> list[Obj]:
    unknown = set(target) - {"kind", "name"}
    if unknown:
        raise ValueError(f"patch target fields the Python renderer does not know: {sorted(unknown)}")
    found = [
        o
        for o in objects
        if o["kind"] == target.get("kind", o["kind"])
        and o["metadata"]["name"] == target.get("name", o["metadata"]["name"])
    ]
    if not found:
        raise ValueError(f"patch target {target} matches nothing")
    return found


def _patch(objects: list[Obj], patch: dict[str, Any]) -> None:
    if set(patch) != {"target", "patch"}:
        raise ValueError(f"only inline JSON 6902 patches with a target are supported: {sorted(patch)}")
    operations = yaml.safe_load(patch["patch"])
    for obj in _targets(objects, patch["target"]):
        for op in operations:
            _apply(obj, op)


def _apply(obj: Obj, op: dict[str, Any]) -> None:
    *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
    node: Any = obj
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    kind = op["op"]
    if isinstance(node, list):
        index = len(node) if last == "-" else int(last)
        if kind == "add":
            node.insert(index, copy.deepcopy(op["value"]))
        elif kind == "replace":
            node[index] = copy.deepcopy(op["value"])
        elif kind == "remove":
            del node[index]
        else:
            raise ValueError(f"unsupported patch operation {kind}")
        return
    if kind in ("replace", "remove") and last not in node:
        raise ValueError(f"{op['path']} does not exist: cannot {kind} it")
    if kind in ("add", "replace"):
        node[last] = copy.deepcopy(op["value"])
    elif kind == "remove":
        del node[last]
    else:
        raise ValueError(f"unsupported patch operation {kind}")


def _set_image(objects: list[Obj], image: dict[str, str]) -> None:
    for obj in objects:
        pod = pod_spec(obj)
        if pod is None:
            continue
        for container in [*pod.get("initContainers", []), *pod.get("containers", [])]:
            name, _, tag = container["image"].partition(":")
            if name != image["name"]:
                continue
            new_name = image.get("newName", name)
            new_tag = image.get("newTag", tag)
            container["image"] = f"{new_name}:{new_tag}" if new_tag else new_name


def pod_spec(obj: Obj) -> Obj | None:
    """The pod template's spec of a Deployment, StatefulSet, DaemonSet, Job or CronJob; None for other kinds."""
    if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        spec: Obj = obj["spec"]["template"]["spec"]
        return spec
    if obj["kind"] == "CronJob":
        cron: Obj = obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        return cron
    return None
