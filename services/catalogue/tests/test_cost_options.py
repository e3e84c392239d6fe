"""Simplified cost options in the catalogue: served with their legal basis and sources, and refused in a
data file when an option's values do not fit its kind."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from services.catalogue.config import DATA_DIR
from services.catalogue.datafiles.format import DataFileError, read
from shared import yaml_files

INTERREG = "interreg-se-no-2021-2027"
NAME = f"{INTERREG}.yaml"


async def test_the_programme_serves_its_flat_rates_with_articles_and_sources(
    catalogue_client: httpx.AsyncClient,
) -> None:
    r = await catalogue_client.get(f"/v1/programmes/{INTERREG}")
    assert r.status_code == 200, r.text
    options = {o["code"]: o for o in r.json()["cost_options"]}
    assert list(options) == ["office-administration-15", "travel-accommodation-15", "staff-20", "other-costs-40"]
    office = options["office-administration-15"]
    assert (office["kind"], office["category"], office["rate"], office["base"]) == (
        "flat-rate",
        "office-administration",
        "0.15",
        ["staff"],
    )
    assert office["legal_basis"]["en"] == (
        "Regulation (EU) 2021/1059 Art. 40(2); Regulation (EU) 2021/1060 Art. 54, first subparagraph, point (b)"
    )
    assert office["sources"]["rate"].startswith(
        "outside the seeds: the maximum of Regulation (EU) 2021/1060 Art. 54(b)"
    )
    travel = options["travel-accommodation-15"]
    assert travel["base"] == ["staff"] and travel["legal_basis"]["en"] == "Regulation (EU) 2021/1059 Art. 41(5)"
    assert "15 % der direkten Personalkosten" in travel["sources"]["kind"]
    staff = options["staff-20"]
    assert staff["rate"] == "0.20" and "staff" not in staff["base"]
    assert staff["legal_basis"]["en"].startswith("Regulation (EU) 2021/1060 Art. 55(1)")
    other = options["other-costs-40"]
    assert other["rate"] == "0.40" and other["base"] == ["staff"]
    assert set(other["covers"]) == {
        "office-administration",
        "travel-accommodation",
        "external-expertise",
        "equipment",
        "infrastructure-works",
    }
    assert other["legal_basis"]["sv"] == "Förordning (EU) 2021/1060 art. 56.1"
    # No programme ships a lump sum or a unit cost: the seeds define none.
    for code in ("erdf-norra-mellansverige-2021-2027", "nordic-regional-action-plan-2021-2024"):
        assert (await catalogue_client.get(f"/v1/programmes/{code}")).json()["cost_options"] == []


def _with_options(tmp_path: Path, options: list[dict[str, Any]]) -> Path:
    data = copy.deepcopy(yaml_files.load((DATA_DIR / NAME).read_text(encoding="utf-8")))
    data["cost_options"] = options
    path = tmp_path / NAME
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _option(**values: Any) -> dict[str, Any]:
    return {
        "code": "test-option",
        "kind": "flat-rate",
        "category": "office-administration",
        "source": "outside the seeds: a test",
        "name": {"en": "A test option"},
        "legal_basis": {"en": "Regulation (EU) 2021/1060 Art. 53(1)"},
        "rate": "0.15",
        "base": ["staff"],
        **values,
    }


def test_a_lump_sum_and_a_unit_cost_are_accepted(tmp_path: Path) -> None:
    preparation = _option(
        code="preparation",
        kind="lump-sum",
        category="other-costs",
        rate=None,
        base=[],
        amounts=[{"amount": "10000.00", "currency": "EUR"}, {"amount": "110000.00", "currency": "SEK"}],
    )
    day = _option(
        code="participant-day",
        kind="unit-cost",
        category="external-expertise",
        rate=None,
        base=[],
        amounts=[{"amount": "125.50", "currency": "EUR"}],
        unit={"en": "one participant day"},
    )
    data = read(_with_options(tmp_path, [preparation, day]))
    assert [o.code for o in data.cost_options] == ["preparation", "participant-day"]


@pytest.mark.parametrize(
    ("option", "problem"),
    [
        (_option(rate=None), "cost_options[0].rate: a flat rate needs its rate"),
        (_option(base=[]), "cost_options[0].base: a flat rate needs the categories it is computed on"),
        (
            _option(base=["office-administration"]),
            "cost_options[0].base: 'office-administration' cannot be computed from itself",
        ),
        (_option(rate="1.5"), "cost_options[0].rate: Input should be less than or equal to 1"),
        (_option(covers=["staff"]), "cost_options[0].covers[0]: 'staff' is the option's own category or base"),
        (_option(kind="lump-sum", rate=None, base=[]), "cost_options[0].amounts: a lump-sum needs its amount"),
        (
            _option(kind="unit-cost", rate=None, base=[], amounts=[{"amount": "1.00", "currency": "EUR"}]),
            "cost_options[0].unit: a unit cost, and only a unit cost, names its unit",
        ),
        (_option(category="travel"), "cost_options[0].category: Input should be"),
        (_option(source=None), "cost_options[0].source"),
    ],
)
def test_an_option_that_does_not_fit_its_kind_is_refused(tmp_path: Path, option: dict[str, Any], problem: str) -> None:
    with pytest.raises(DataFileError) as info:
        read(_with_options(tmp_path, [option]))
    assert f"{NAME}: {problem}" in str(info.value)


def test_two_options_with_one_code_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DataFileError) as info:
        read(_with_options(tmp_path, [_option(), _option(category="travel-accommodation")]))
    assert f"{NAME}: cost_options[1].code: duplicate code 'test-option'" in str(info.value)
