"""Assessment criteria in the reference data, and what a call adds: the criteria set it is assessed
against and its place in a two-step call (concept note first)."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from services.catalogue.config import DATA_DIR
from services.catalogue.datafiles.format import DataFileError, read
from services.catalogue.tests.test_admin import ADMIN, CALLS, new_call
from shared import yaml_files

pytestmark = pytest.mark.usefixtures("backend")

INTERREG = "interreg-se-no-2021-2027"
NAME = f"{INTERREG}.yaml"
EXAMPLE = "ours: an example to be replaced by the programme's own"


async def test_the_programme_serves_its_example_criteria_in_three_languages(
    catalogue_client: httpx.AsyncClient,
) -> None:
    r = await catalogue_client.get(f"/v1/programmes/{INTERREG}")
    assert r.status_code == 200, r.text
    [standard] = r.json()["assessment_criteria"]
    assert (standard["code"], standard["scale_min"], standard["scale_max"], standard["minimum_total"]) == (
        "standard",
        1,
        5,
        "3.00",
    )
    codes = [c["code"] for c in standard["criteria"]]
    assert codes == [
        "relevance",
        "cross-border-added-value",
        "partnership",
        "work-plan-and-budget",
        "results-and-sustainability",
    ]
    assert sum(Decimal(c["weight"]) for c in standard["criteria"]) == 1
    for entry in [standard, *standard["criteria"]]:
        assert set(entry["name"]) == {"sv", "nb", "en"}
        assert entry["sources"]["name.sv"] == EXAMPLE and entry["sources"]["name.nb"] == EXAMPLE
        assert entry["sources"]["name.en"].startswith("translation (ours)")
        assert "to be replaced by the programme's own" in entry["sources"]["name.en"]
    relevance = standard["criteria"][0]
    assert relevance["sources"]["weight"] == EXAMPLE and relevance["sources"]["minimum"] == EXAMPLE
    # The other programmes publish none.
    other = (await catalogue_client.get("/v1/programmes/erdf-norra-mellansverige-2021-2027")).json()
    assert other["assessment_criteria"] == []


def _refusal(tmp_path: Path, change: Any) -> str:
    data = copy.deepcopy(yaml_files.load((DATA_DIR / NAME).read_text(encoding="utf-8")))
    change(data)
    path = tmp_path / NAME
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        read(path)
    return str(info.value)


def test_weights_must_sum_to_exactly_one(tmp_path: Path) -> None:
    message = _refusal(tmp_path, lambda d: d["assessment_criteria"][0]["criteria"][0].update(weight="0.24"))
    assert f"{NAME}: assessment_criteria[0].criteria: the weights sum to 0.99, not 1" in message


def test_thresholds_inside_the_scale_and_sources_required(tmp_path: Path) -> None:
    message = _refusal(tmp_path, lambda d: d["assessment_criteria"][0]["criteria"][1].update(minimum="6"))
    assert "assessment_criteria[0].criteria[1].minimum: 6 is outside the scale" in message
    message = _refusal(tmp_path, lambda d: d["assessment_criteria"][0]["criteria"][2].pop("source"))
    assert "assessment_criteria[0].criteria[2].source: Field required" in message
    message = _refusal(tmp_path, lambda d: d["assessment_criteria"][0]["criteria"][2]["sources"].update(w="x: y"))
    assert "assessment_criteria[0].criteria[2].sources.w: 'w' names no field" in message
    message = _refusal(tmp_path, lambda d: d["calls"][0].update(assessment_criteria="nonesuch"))
    assert "calls[0].assessment_criteria: unknown assessment criteria 'nonesuch'" in message
    message = _refusal(tmp_path, lambda d: d["calls"][0].update(concept_note_call=d["calls"][1]["number"]))
    assert "calls[0].concept_note_call: " in message and "is not a concept-note call" in message


async def test_a_two_step_call_through_the_admin_api(catalogue_client: httpx.AsyncClient) -> None:
    r = await catalogue_client.post(CALLS, json=new_call("2030-cn", concept_note=True), headers=ADMIN)
    assert r.status_code == 201, r.text
    step_one = r.json()
    assert step_one["concept_note"] is True and step_one["concept_note_call_id"] is None
    assert step_one["assessment_criteria"] is None
    body = new_call("2030-full", concept_note_call_id=step_one["id"], assessment_criteria="standard")
    r = await catalogue_client.post(CALLS, json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    step_two = r.json()
    assert step_two["concept_note_call_id"] == step_one["id"] and step_two["assessment_criteria"] == "standard"
    assert (await catalogue_client.get(f"/v1/calls/{step_two['id']}")).json() == step_two

    # A step 2 names a concept-note call of the same programme; a set the programme defines.
    r = await catalogue_client.post(
        CALLS, json=new_call("2030-bad", concept_note_call_id=step_two["id"]), headers=ADMIN
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "concept_note_call_id", r.text
    r = await catalogue_client.post(CALLS, json=new_call("2030-bad", assessment_criteria="nonesuch"), headers=ADMIN)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "assessment_criteria", r.text
    r = await catalogue_client.patch(
        f"/v1/calls/{step_one['id']}", json={"assessment_criteria": "nonesuch"}, headers=ADMIN
    )
    assert r.status_code == 422, r.text
    r = await catalogue_client.patch(
        f"/v1/calls/{step_one['id']}", json={"assessment_criteria": "standard"}, headers=ADMIN
    )
    assert r.status_code == 200 and r.json()["assessment_criteria"] == "standard", r.text
