"""Sources: every value the catalogue serves says where it came from (a seed and quote, derived, or
outside the seeds), English texts are marked as translations, and the loader refuses entries without."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from services.catalogue.config import DATA_DIR
from services.catalogue.datafiles.format import DataFileError, read, read_dir
from services.catalogue.datafiles.sources import Sourced, expand
from services.catalogue.tests.test_admin import ADMIN, new_call
from shared import yaml_files

INTERREG = "interreg-se-no-2021-2027"
P = f"/v1/programmes/{INTERREG}"
SEED_000 = "seed 000_fbcfdab7ce8ef17e.txt"
SEED_001 = "seed 001_aed29bc0793cc30a.txt"
LISTS = ("funds", "priorities", "specific-objectives", "regions", "project-types", "organisation-types", "calls")
# Fields that identify an entry (or link it to its parent) and carry no source of their own.
IDENTITY = {"code", "id", "programme", "number", "sources"}
IDENTITY_BY_LIST = {"specific-objectives": {"priority"}, "fixed_exchange_rates": {"currency"}}
NESTED = (
    "funds",
    "fixed_exchange_rates",
    "allocations",
    "sub_areas",
    "smart_specialisation",
    "cost_options",
    "assessment_criteria",
    "criteria",
)


def missing_sources(item: dict[str, Any], identity: set[str]) -> list[str]:
    """The values of a served entry that no `sources` key covers (a `*` key covers everything)."""
    sources = item["sources"]
    if "*" in sources:
        return []
    missing = []
    for name, value in item.items():
        if name in identity or value is None or value == [] or value == {}:
            continue
        if name in NESTED:
            continue  # entries of their own, checked one by one
        if isinstance(value, dict) and set(value) != {"amount", "currency"}:
            missing += [f"{name}.{lang}" for lang in value if not sources.get(f"{name}.{lang}")]
        elif not sources.get(name):
            missing.append(name)
    return missing


async def _all(client: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        r = await client.get(path, params={"limit": 100, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


async def test_specific_objective_1a_sources(catalogue_client: httpx.AsyncClient) -> None:
    r = await catalogue_client.get(f"{P}/specific-objectives/1A")
    assert r.status_code == 200
    sources = r.json()["sources"]
    assert sources["title.sv"].startswith(f"{SEED_000}: «Utveckla och förbättra forsknings-och innovationskapaciteten")
    assert sources["title.nb"].startswith(f"{SEED_001}: «1A. Innovasjon, forskning og utvikling»")
    assert sources["title.en"].startswith("translation (ours)")
    assert sources["eu_code"].startswith("outside the seeds")
    assert sources["examples.nb"].startswith(SEED_001)
    assert all(sources[f"{f}.en"].startswith("translation") for f in ("short_name", "description", "effects"))
    assert "priority" not in sources and "code" not in sources


async def test_project_type_durations(catalogue_client: httpx.AsyncClient) -> None:
    r = await catalogue_client.get(f"{P}/project-types")
    assert r.status_code == 200
    types = {t["code"]: t for t in r.json()["items"]}
    assert types["main-project"]["max_duration_months"] == 36
    assert types["main-project"]["sources"]["max_duration_months"].startswith("outside the seeds")
    assert types["small-scale-project"]["sources"]["max_duration_months"].startswith("outside the seeds")
    pre = types["pre-project"]["sources"]
    assert pre["max_duration_months"] == (
        f"{SEED_001}: «Forprosjekt (mindre prosjekt på inntil 12 måneder, som skal lede til en mer omfattende "
        "søknad senere)»"
    )
    assert pre["description.sv"].startswith("ours")  # the seeds give it only in Norwegian


async def test_outside_the_seeds_values(catalogue_client: httpx.AsyncClient) -> None:
    programme = (await catalogue_client.get(P)).json()
    assert programme["sources"]["cci"].startswith("outside the seeds")
    assert programme["sources"]["cross_border_added_value.sv"].startswith("ours")
    (nok,) = programme["fixed_exchange_rates"]
    assert nok["sources"]["units_per_eur"].startswith("outside the seeds")
    regions = {r["code"]: r for r in await _all(catalogue_client, f"{P}/regions")}
    for code in ("NO083", "NO084"):
        assert regions[code]["sources"]["name.nb"].startswith("outside the seeds")
        assert regions[code]["sources"]["valid_from"].startswith("outside the seeds")
        assert regions[code]["sources"]["predecessors"].startswith("derived")
    assert regions["NO082"]["sources"]["valid_to"].startswith("outside the seeds")
    assert regions["SE322"]["sources"]["sub_area"].startswith(SEED_000)
    assert regions["SE322"]["sources"]["name.sv"].startswith("derived")  # «Jämtlands och Västernorrlands län»
    priorities = {p["code"]: p for p in await _all(catalogue_client, f"{P}/priorities")}
    assert priorities["1"]["sources"]["total_financing"].startswith(f"{SEED_000}: «")
    assert priorities["1"]["sources"]["specific_objectives"].startswith("derived")


async def test_objective_4_english_is_social_safety(catalogue_client: httpx.AsyncClient) -> None:
    effects = (await catalogue_client.get(f"{P}/specific-objectives/4")).json()["effects"]
    assert "skapar social trygghet" in effects["sv"]
    assert "social security" not in effects["en"]
    assert "social safety" in effects["en"]


async def test_every_served_value_has_a_source(catalogue_client: httpx.AsyncClient) -> None:
    programmes = await _all(catalogue_client, "/v1/programmes")
    assert len(programmes) == 3
    problems: list[str] = []
    for summary in programmes:
        code = summary["code"]
        problems += [f"programmes/{code}: {m}" for m in missing_sources(summary, IDENTITY)]
        detail = (await catalogue_client.get(f"/v1/programmes/{code}")).json()
        problems += [f"{code}: {m}" for m in missing_sources(detail, IDENTITY)]
        for nested in NESTED:
            for item in detail.get(nested, []):
                identity = IDENTITY | IDENTITY_BY_LIST.get(nested, set()) | {"fund", "priority"}
                problems += [f"{code}/{nested}: {m}" for m in missing_sources(item, identity)]
                for criterion in item.get("criteria", []):
                    problems += [f"{code}/{nested}/criteria: {m}" for m in missing_sources(criterion, IDENTITY)]
        for name in LISTS:
            items = await _all(catalogue_client, f"/v1/programmes/{code}/{name}")
            for item in items:
                identity = IDENTITY | IDENTITY_BY_LIST.get(name, set())
                key = item.get("code") or item.get("number")
                problems += [f"{code}/{name}/{key}: {m}" for m in missing_sources(item, identity)]
    assert problems == []


async def test_calls_sources(catalogue_client: httpx.AsyncClient) -> None:
    calls = {c["number"]: c for c in await _all(catalogue_client, f"{P}/calls")}
    assert calls["2022-1"]["sources"]["decision_expected"].startswith(f"{SEED_000}: «Preliminär första utlysning")
    r = await catalogue_client.post(f"{P}/calls", json=new_call(), headers=ADMIN)
    assert r.status_code == 201, r.text
    assert r.json()["sources"]["*"] == "created by an administrator through the API"
    seed_call = calls["2022-1"]["id"]
    r = await catalogue_client.patch(f"/v1/calls/{seed_call}", json={"decision_expected": "2022-10"}, headers=ADMIN)
    assert r.status_code == 200, r.text
    sources = r.json()["sources"]
    assert sources["decision_expected"] == "changed by an administrator through the API"
    assert sources["opens_at"] == calls["2022-1"]["sources"]["opens_at"]


async def test_sources_change_the_etag(catalogue_client: httpx.AsyncClient) -> None:
    r = await catalogue_client.get(f"{P}/project-types")
    etag = r.headers["etag"]
    again = await catalogue_client.get(f"{P}/project-types", headers={"If-None-Match": etag})
    assert again.status_code == 304


# --- the loader -------------------------------------------------------------------------------------

NAME = f"{INTERREG}.yaml"


def _refusal(tmp_path: Path, change: Any) -> str:
    data = copy.deepcopy(yaml_files.load((DATA_DIR / NAME).read_text(encoding="utf-8")))
    change(data)
    path = tmp_path / NAME
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        read(path)
    return str(info.value)


@pytest.mark.parametrize(
    ("section", "index", "path"),
    [
        ("project_types", 1, "project_types[1].source"),
        ("specific_objectives", 0, "specific_objectives[0].source"),
        ("regions", 8, "regions[8].source"),
        ("calls", 0, "calls[0].source"),
        ("fixed_exchange_rates", 0, "fixed_exchange_rates[0].source"),
        ("example_projects", 2, "example_projects[2].source"),
    ],
)
def test_entry_without_source_is_refused(tmp_path: Path, section: str, index: int, path: str) -> None:
    message = _refusal(tmp_path, lambda d: d[section][index].pop("source"))
    assert f"{NAME}: {path}: Field required" in message


def test_programme_without_source_is_refused(tmp_path: Path) -> None:
    assert f"{NAME}: source: Field required" in _refusal(tmp_path, lambda d: d.pop("source"))


@pytest.mark.parametrize(
    ("key", "where"),
    [
        ("max_duration", "project_types[1]"),  # no such field
        ("name.da", "project_types[1]"),  # no Danish name
        ("*.da", "project_types[1]"),  # no Danish text at all
        ("code", "project_types[1]"),  # an identity field
        ("eu_code", "project_types[1]"),  # a field of another kind of entry
    ],
)
def test_sources_key_naming_no_field_is_refused(tmp_path: Path, key: str, where: str) -> None:
    def change(d: dict[str, Any]) -> None:
        d["project_types"][1].setdefault("sources", {})[key] = "outside the seeds: a test"

    message = _refusal(tmp_path, change)
    assert f"{NAME}: {where}.sources.{key}: '{key}' names no field of this entry" in message


def test_blank_source_is_refused(tmp_path: Path) -> None:
    message = _refusal(tmp_path, lambda d: d["priorities"][0].update(source="  "))
    assert f"{NAME}: priorities[0].source: the source is empty" in message


def test_every_english_text_is_marked_as_translation() -> None:
    for data in read_dir(DATA_DIR):
        entries: list[Sourced] = [data]
        for name in type(data).model_fields:
            value = getattr(data, name)
            if isinstance(value, list):
                entries += [e for e in value if isinstance(e, Sourced)]
        for entry in entries:
            for key, text in expand(entry).items():
                if key.endswith(".en"):
                    assert "translation" in text, (data.code, key, text)
