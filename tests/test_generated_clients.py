"""Clients generated from the four services' OpenAPI documents, as integrators generate them (README,
"Generating clients"): the documents are written from the apps' own `openapi()`, openapi-python-client and
openapi-typescript must generate from them without one warning, `tsc --strict` must accept a small file
using the TypeScript types (tests/clients/usage.ts), and the generated Python client creates, submits and
reads back an application against the applications app in-process.

The tools are the project's own: openapi-python-client in the dev extra (`make venv`), openapi-typescript
and TypeScript from tests/clients/package-lock.json (`make client-tools`, `npm ci`). Without them the
generating tests skip, unless `REQUIRE_CLIENT_TOOLS=1` (CI sets it in `.ci/run`), where they fail.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.applications.main import create_app as applications_app
from services.applications.tests.helpers import ALICE, delivered, gron, open_call
from services.budget.main import create_app as budget_app
from services.catalogue.main import create_app as catalogue_app
from services.eligibility.main import create_app as eligibility_app

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = ROOT / "tests" / "clients"
NODE_BIN = CLIENTS / "node_modules" / ".bin"
PYTHON_GENERATOR = Path(sys.executable).parent / "openapi-python-client"
REQUIRED = os.environ.get("REQUIRE_CLIENT_TOOLS") == "1"

APPS: dict[str, Callable[[], FastAPI]] = {
    "catalogue": catalogue_app,
    "applications": applications_app,
    "eligibility": eligibility_app,
    "budget": budget_app,
}
KNOWN_OPERATIONS = {
    "catalogue": {"listProgrammes", "getProgramme", "listPriorities", "listCalls", "getCall", "createCall"},
    "applications": {
        "createApplication",
        "listApplications",
        "getApplication",
        "updateApplication",
        "preCheckApplication",
        "submitApplication",
        "getApplicationEligibility",
        "decideApplication",
        "withdrawApplication",
        "terminateApplication",
        "getApplicationHistory",
        "importPartnerReportLines",
    },
    "eligibility": {"checkApplication", "listRuleSets", "getRuleSet", "createRuleSet"},
    "budget": {"getBudget", "createCommitment", "releaseCommitment", "putExchangeRate", "importExchangeRates"},
}
"""Operation ids integrators' generated code calls by name: each must stay as it is."""
CAMEL_CASE = re.compile(r"^[a-z]+(?:[A-Z0-9][a-z0-9]*)*$")
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
NO_LOCATION = {
    "POST /v1/programmes/{programme}/reallocations": "a reallocation is not a resource of its own",
    "POST /v1/partner-reports/{report_id}/lines": "a line is read in its report's list of lines",
    "POST /v1/rule-sets/{rule_set_id}/versions/{version}/activation": "answers the version it activated",
    "POST /v1/programmes/{programme}/controllers": "answers the controller it registered",
}
"""201s without a `Location` header, and why."""


@cache
def document(service: str) -> dict[str, Any]:
    return APPS[service]().openapi()


def operations(service: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document(service)["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield f"{method.upper()} {path}", operation


def nodes(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from nodes(v)
    elif isinstance(value, list):
        for v in value:
            yield from nodes(v)


def tool(path: Path) -> Path:
    if not path.exists():
        message = f"{path.relative_to(ROOT)} is not installed (`make venv`, `make client-tools`)"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return path


def run(*command: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four documents as files, `<service>.json`."""
    folder = tmp_path_factory.mktemp("specs")
    for service in APPS:
        (folder / f"{service}.json").write_text(json.dumps(document(service)), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def python_clients(specs: Path) -> Path:
    """The Python client of each service, generated as package `interreg_<service>_client`."""
    generator = tool(PYTHON_GENERATOR)
    out = specs / "python"
    out.mkdir()
    for service in APPS:
        package = out / f"interreg_{service}_client"
        output = run(
            generator,
            "generate",
            "--path",
            specs / f"{service}.json",
            "--output-path",
            package,
            "--meta",
            "none",
            "--config",
            CLIENTS / "openapi-python-client.yaml",
            cwd=specs,
        )
        assert output.strip() == f"Generating {package}", f"{service}: openapi-python-client said\n{output}"
    return out


@pytest.mark.parametrize("service", APPS)
def test_operation_ids_are_unique_camel_case_and_stable(service: str) -> None:
    ids = [operation.get("operationId", "") for _, operation in operations(service)]
    assert [i for i in ids if not CAMEL_CASE.match(i)] == []
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert KNOWN_OPERATIONS[service] - set(ids) == set()


@pytest.mark.parametrize("service", APPS)
def test_one_component_per_model_and_one_title_pattern(service: str) -> None:
    spec = document(service)
    assert spec["info"]["title"] == f"Interreg {service.capitalize()} API"
    names = spec["components"]["schemas"]
    assert [n for n in names if n.endswith(("-Input", "-Output")) or "__" in n] == []


@pytest.mark.parametrize("service", APPS)
def test_decimals_are_strings_and_created_names_its_location(service: str) -> None:
    spec = document(service)
    for node in nodes(spec):
        if node.get("format") == "decimal":
            assert node.get("type") == "string" and "pattern" in node and "anyOf" not in node, node
        assert node.get("type") != "number" or node.get("title") == "Rank", node  # a search hit's relevance
    for name, operation in operations(service):
        created = operation["responses"].get("201")
        if created is not None and name not in NO_LOCATION:
            assert created.get("headers", {}).get("Location", {}).get("required") is True, name
        for status, answer in operation["responses"].items():
            if status in ("429", "503"):
                assert "Retry-After" in answer.get("headers", {}), f"{name} {status}"
            if status == "304":
                assert "ETag" in operation["responses"]["200"].get("headers", {}), name


def test_answers_require_what_they_always_carry() -> None:
    schemas = document("applications")["components"]["schemas"]
    answer = schemas["ApplicationOut"]
    assert set(answer["required"]) == set(answer["properties"])
    assert schemas["TerminateRequest"]["required"] == ["reason"]
    assert "required" not in schemas["EndRequest"]
    created = document("applications")["paths"]["/v1/applications"]["post"]["responses"]["201"]["headers"]
    assert {"Location", "Idempotent-Replayed"} <= set(created)
    csv = document("budget")["paths"]["/v1/exchange-rates/import"]["post"]["requestBody"]
    assert csv["required"] is True and csv["content"]["text/csv"]["schema"] == {"type": "string", "format": "binary"}


def test_a_created_application_links_to_its_submission_assessment_and_decision() -> None:
    """OpenAPI links from `createApplication`'s 201 to the operations that act on it next, each naming an
    operation of the document and taking the created id as its `application_id`."""
    spec = document("applications")
    ids = {operation["operationId"] for _, operation in operations("applications")}
    links = spec["paths"]["/v1/applications"]["post"]["responses"]["201"]["links"]
    wanted = {"getApplication", "submitApplication", "assignAssessors", "decideApplication"}
    assert wanted <= set(links), sorted(links)
    for name, link in links.items():
        assert link["operationId"] in ids, name
        assert link["parameters"] == {"application_id": "$response.body#/id"}, name


def test_typescript_types_generate_and_compile(specs: Path) -> None:
    generator, compiler = tool(NODE_BIN / "openapi-typescript"), tool(NODE_BIN / "tsc")
    out = specs / "typescript"
    out.mkdir()
    for service in APPS:
        output = run(generator, specs / f"{service}.json", "-o", out / f"{service}.ts", cwd=CLIENTS)
        assert not re.search(r"warn|error", output, re.I), f"{service}: openapi-typescript said\n{output}"
    shutil.copy(CLIENTS / "usage.ts", out / "usage.ts")
    flags = ("--strict", "--noEmit", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler")
    output = run(compiler, *flags, "usage.ts", cwd=out)
    assert output.strip() == "", output


async def test_a_journey_through_the_generated_python_client(
    python_clients: Path, applications_app: FastAPI, catalogue_client: httpx.AsyncClient
) -> None:
    sys.path.insert(0, str(python_clients))
    try:
        package = "interreg_applications_client"
        client_module = importlib.import_module(f"{package}.client")
        api = importlib.import_module(f"{package}.api.applications")
        create = importlib.import_module(f"{package}.api.applications.create_application")
        read = importlib.import_module(f"{package}.api.applications.get_application")
        submit = importlib.import_module(f"{package}.api.workflow.submit_application")
        models = importlib.import_module(f"{package}.models")
    finally:
        sys.path.remove(str(python_clients))
    assert api is not None
    call_id = await open_call(catalogue_client)
    client = client_module.AuthenticatedClient(base_url="http://applications", token="set below")
    transport = httpx.ASGITransport(app=applications_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://applications", headers=ALICE) as http:
        client.set_async_httpx_client(http)
        body = models.ApplicationContent.from_dict(gron(call_id))
        made = await create.asyncio_detailed(client=client, body=body, idempotency_key=str(uuid.uuid4()))
        assert made.status_code == 201, made.content
        draft = made.parsed
        assert isinstance(draft, models.ApplicationOut) and draft.status == models.Status.DRAFT
        assert made.headers["location"] == f"/v1/applications/{draft.id}"

        sent = await submit.asyncio_detailed(draft.id, client=client, idempotency_key=str(uuid.uuid4()))
        assert sent.status_code == 200, sent.content
        assert isinstance(sent.parsed, models.ApplicationOut) and sent.parsed.status == models.Status.SUBMITTED
        assert sent.parsed.reference is not None

        await delivered(applications_app)  # the eligibility check the submission owes
        back = await read.asyncio(draft.id, client=client)
        assert isinstance(back, models.ApplicationOut)
        assert back.id == draft.id and back.status == models.Status.ELIGIBLE
        assert back.partners[0].budget[0].amount.amount == "600000.00"
        assert back.to_dict()["acronym"] == "GIV"
