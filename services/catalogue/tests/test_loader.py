"""Loading the data files: refusals that name file and field, idempotent reloads, admin calls kept."""

from __future__ import annotations

import argparse
import copy
import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI
from sqlalchemy import func, select

from services.catalogue import models
from services.catalogue.__main__ import load_data
from services.catalogue.config import DATA_DIR, Settings
from services.catalogue.datafiles.format import DataFileError, DataFilesError, read, read_dir
from services.catalogue.datafiles.loader import load_dir, load_files
from services.catalogue.tests.fixtures import NOW
from shared import yaml_files
from tests.harness import auth

NAME = "interreg-se-no-2021-2027.yaml"
TABLES = [
    models.Programme,
    models.Fund,
    models.Priority,
    models.SpecificObjective,
    models.SubArea,
    models.Region,
    models.ProjectType,
    models.OrganisationType,
    models.ExampleProject,
    models.Call,
    models.SearchDocument,
]


def _raw() -> dict[str, Any]:
    return dict(yaml_files.load((DATA_DIR / NAME).read_text(encoding="utf-8")))


def _write(folder: Path, data: dict[str, Any], name: str = NAME) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _refusal(tmp_path: Path, change: Any) -> str:
    data = copy.deepcopy(_raw())
    change(data)
    with pytest.raises(DataFileError) as info:
        read(_write(tmp_path, data))
    return str(info.value)


def test_real_files_are_valid() -> None:
    codes = [f.code for f in read_dir(DATA_DIR)]
    assert codes == [
        "erdf-norra-mellansverige-2021-2027",
        "interreg-se-no-2021-2027",
        "nordic-regional-action-plan-2021-2024",
    ]


def test_shares_not_summing_to_one(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["priorities"][0]["share"] = "0.41"

    assert f"{NAME}: priorities: shares sum to 0.99, not 1" in _refusal(tmp_path, change)


def test_objective_under_unknown_priority(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["specific_objectives"][3]["priority"] = "9"

    assert f"{NAME}: specific_objectives[3].priority: unknown priority '9'" in _refusal(tmp_path, change)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["priorities"][2].pop("share"), "priorities[2].share: a share is given for 4 of 5 priorities"),
        (lambda d: d["priorities"][0].update(share=0.42), "priorities[0].share: must be a decimal string"),
        (lambda d: d["regions"][0].update(sub_area="atlantis"), "regions[0].sub_area: unknown sub-area 'atlantis'"),
        (lambda d: d["regions"][7].update(successors=["NO999"]), "regions[7].successors[0]: unknown region 'NO999'"),
        (
            lambda d: d["calls"][1].update(specific_objectives=["1A", "5X"]),
            "calls[1].specific_objectives[1]: unknown specific objective '5X'",
        ),
        (
            lambda d: d["calls"][0].update(project_types=["mega"]),
            "calls[0].project_types[0]: unknown project type 'mega'",
        ),
        (lambda d: d["specific_objectives"][1].update(code="1A"), "specific_objectives[1].code: duplicate code '1A'"),
        (lambda d: d["funds"][0].update(colour="blue"), "funds[0].colour: Extra inputs are not permitted"),
        (
            lambda d: d["example_projects"][0].update(specific_objective="0"),
            "example_projects[0].specific_objective: unknown specific objective '0'",
        ),
        (lambda d: d["calls"][0].update(opens_at=dt.datetime(2022, 5, 15)), "calls[0].opens_at:"),
        (lambda d: d["specific_objectives"][0]["title"].update(xx="?"), "specific_objectives[0].title.xx"),
        (lambda d: d.update(code="other"), "code: 'other' does not match the file name"),
    ],
)
def test_other_refusals(tmp_path: Path, change: Any, expected: str) -> None:
    assert f"{NAME}: {expected}" in _refusal(tmp_path, change)


def test_allocations_must_add_up(tmp_path: Path) -> None:
    name = "nordic-regional-action-plan-2021-2024.yaml"
    data = yaml_files.load((DATA_DIR / name).read_text(encoding="utf-8"))
    data["allocations"][0]["amount"]["amount"] = "12700000.00"
    with pytest.raises(DataFileError) as info:
        read(_write(tmp_path, data, name))
    message = str(info.value)
    assert f"{name}: funds[0].amount: allocations of fund 'Nordregio' sum to 27900000.00, not 28000000.00" in message
    assert f"{name}: priorities[0].total_financing: allocations to priority '1' sum to" in message


async def _counts(app: FastAPI) -> dict[str, int]:
    async with app.state.db.sessionmaker() as session:
        return {m.__tablename__: int(await session.scalar(select(func.count()).select_from(m)) or 0) for m in TABLES}


async def _ids(app: FastAPI) -> tuple[set[Any], set[Any]]:
    async with app.state.db.sessionmaker() as session:
        calls = set((await session.execute(select(models.Call.id, models.Call.number))).all())
        docs = set(
            (
                await session.execute(
                    select(models.SearchDocument.id, models.SearchDocument.code, models.SearchDocument.language)
                )
            ).all()
        )
        return calls, docs


async def test_reload_changes_nothing_and_keeps_admin_calls(
    catalogue_app: FastAPI, catalogue_client: httpx.AsyncClient
) -> None:
    admin = auth("admin", "ada")
    call = {
        "number": "admin-1",
        "name": {"en": "Admin's call"},
        "opens_at": "2031-01-01T00:00:00+01:00",
        "specific_objectives": ["1A"],
        "project_types": ["main-project"],
    }
    created = await catalogue_client.post("/v1/programmes/interreg-se-no-2021-2027/calls", json=call, headers=admin)
    assert created.status_code == 201
    # An admin extends a data call: the API owns it from then on.
    data_call = (await catalogue_client.get("/v1/programmes/interreg-se-no-2021-2027/calls")).json()["items"][0]
    patched = await catalogue_client.patch(
        f"/v1/calls/{data_call['id']}", json={"decision_expected": "2022-10"}, headers=admin
    )
    assert patched.status_code == 200

    counts, ids = await _counts(catalogue_app), await _ids(catalogue_app)
    assert counts["calls"] == 3 and counts["programmes"] == 3 and counts["search_documents"] > 200
    report = await load_files(catalogue_app.state.db, list(read_dir(DATA_DIR)), now=NOW + dt.timedelta(days=1))
    assert (report.inserted, report.updated, report.deleted) == (0, 0, 0)
    assert await _counts(catalogue_app) == counts
    assert await _ids(catalogue_app) == ids
    again = (await catalogue_client.get(f"/v1/calls/{data_call['id']}")).json()
    assert again["decision_expected"] == "2022-10"
    assert (await catalogue_client.get(created.headers["location"])).status_code == 200


async def test_changed_file_updates_and_removes(
    catalogue_app: FastAPI, catalogue_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    for f in DATA_DIR.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    data = _raw()
    data["example_projects"] = data["example_projects"][1:]
    data["specific_objectives"][0]["short_name"]["en"] = "Innovative milieus"
    _write(tmp_path, data)
    report = await load_dir(catalogue_app.state.settings.database_url, tmp_path, now=NOW)
    assert report.deleted == 1 and report.updated == 7  # 1A, and six example projects moved up one place
    one_a = (await catalogue_client.get("/v1/programmes/interreg-se-no-2021-2027/specific-objectives/1A")).json()
    assert one_a["short_name"]["en"] == "Innovative milieus"
    hits = (await catalogue_client.get("/v1/search", params={"q": "milieus", "lang": "en"})).json()["items"]
    assert [h["code"] for h in hits] == ["1A"]
    gone = (await catalogue_client.get("/v1/search", params={"q": "Across Border Collaboration"})).json()["items"]
    assert "abc-across-border-collaboration" not in {h["code"] for h in gone}


async def test_refused_directory_loads_nothing(
    catalogue_app: FastAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    counts = await _counts(catalogue_app)
    for f in DATA_DIR.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    data = _raw()
    data["priorities"][0]["share"] = "0.41"
    data["funds"][0]["name"]["en"] = "Changed, but must not be stored"
    _write(tmp_path, data)
    with pytest.raises(DataFilesError, match=r"interreg-se-no-2021-2027.yaml: priorities: shares sum to 0.99, not 1"):
        await load_dir(catalogue_app.state.settings.database_url, tmp_path, now=NOW)
    assert await _counts(catalogue_app) == counts


def test_command_refuses_with_the_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _raw()
    data["specific_objectives"][3]["priority"] = "9"
    _write(tmp_path, data)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'never.db'}")
    with pytest.raises(SystemExit) as info:
        load_data(settings, argparse.Namespace(dir=str(tmp_path)))
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "refused, nothing loaded" in err
    assert f"{NAME}: specific_objectives[3].priority: unknown priority '9'" in err
