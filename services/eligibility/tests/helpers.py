"""Test data: the Grön industriväxt application and in-memory reference data shaped like the catalogue's."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from services.eligibility.config import DATA_DIR
from services.eligibility.engine.rules import Context, ReferenceData, Rule, RuleSet
from services.eligibility.rule_sets.files import read_rule_set_file
from shared import yaml_files
from shared.schemas.applications import CheckRequest
from shared.schemas.catalogue import Call, OrganisationType, Programme, ProjectType, Region
from shared.schemas.examples import gron_industrivaxt

SE_NO = "interreg-se-no-2021-2027"
NMS = "erdf-norra-mellansverige-2021-2027"
CALL_1 = uuid.UUID("00000000-0000-4000-8000-000000000001")
STOCKHOLM = ZoneInfo("Europe/Stockholm")
CATALOGUE_DATA = Path(__file__).resolve().parents[2] / "catalogue" / "data"


def m(amount: str, currency: str = "EUR") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def gron(
    erdf: str = "390000.00",
    own_se: str = "210000.00",
    no_state: str = "150000.00",
    own_no: str = "150000.00",
    call_id: Any = CALL_1,
    **changes: Any,
) -> dict[str, Any]:
    """Grön industriväxt as the contract's payload (a plain dict, so tests can bend it)."""
    app: dict[str, Any] = {
        **gron_industrivaxt(str(call_id), erdf=erdf, own_se=own_se, no_state=no_state, own_no=own_no),
        "as_of": "2022-06-01",
    }
    app.update(changes)
    return copy.deepcopy(app)


@lru_cache(maxsize=4)
def _catalogue_file(programme: str) -> dict[str, Any]:
    return yaml_files.load((CATALOGUE_DATA / f"{programme}.yaml").read_text(encoding="utf-8"))


def reference(programme: str = SE_NO, call: Call | str | None = "default") -> ReferenceData:
    """Reference data built in memory from the catalogue's data file (no HTTP)."""
    data = _catalogue_file(programme)
    prog = Programme(
        code=data["code"],
        kind=data["kind"],
        name=data["name"],
        currency=data["currency"],
        period_start=data["period"]["start"],
        period_end=data["period"]["end"],
        languages=data["languages"],
        funds=data["funds"],
        fixed_exchange_rates=data.get("fixed_exchange_rates", []),
    )
    if call == "default":
        call = make_call(programme)
    return ReferenceData(
        programme=prog,
        regions=[Region.model_validate(r) for r in data["regions"]],
        organisation_types=[OrganisationType.model_validate(t) for t in data.get("organisation_types", [])],
        project_types=[ProjectType.model_validate(t) for t in data.get("project_types", [])],
        call=call if isinstance(call, Call) else None,
    )


def make_call(
    programme: str = SE_NO,
    opens: str = "2022-05-15T00:00:00+02:00",
    closes: str | None = "2022-06-15T23:59:59+02:00",
    **changes: Any,
) -> Call:
    base: dict[str, Any] = {
        "id": str(CALL_1),
        "programme": programme,
        "number": "2022-1",
        "name": {"sv": "Utlysning 2022-1"},
        "opens_at": opens,
        "closes_at": closes,
        "specific_objectives": ["1A", "1B", "2A", "2B", "3A", "3B", "3C", "4"],
        "project_types": ["pre-project", "main-project", "small-scale-project"],
        "status": "closed",
    }
    base.update(changes)
    return Call.model_validate(base)


@lru_cache(maxsize=8)
def seeded_rule_set(programme: str = SE_NO, version: int = 1) -> RuleSet:
    """The rule set of the data file, as the engine sees a stored version."""
    body = read_rule_set_file(DATA_DIR / f"{programme}.yaml")
    return RuleSet(
        id=body.id or programme,
        version=version,
        programme=body.programme,
        call_id=None,
        rules=tuple(Rule(code=r.code, kind=r.kind or r.code, severity=r.severity, params=r.params) for r in body.rules),
    )


def context(app: dict[str, Any], ref: ReferenceData | None = None) -> Context:
    request = CheckRequest.model_validate(app)
    as_of = request.as_of or dt.date(2022, 6, 1)
    at = request.at or dt.datetime.combine(as_of, dt.time(12), tzinfo=STOCKHOLM)
    return Context(
        application=request, reference=ref or reference(request.programme), as_of=as_of, timezone=STOCKHOLM, at=at
    )


async def activate(client: httpx.AsyncClient, posted: httpx.Response, headers: dict[str, str]) -> dict[str, Any]:
    """Put a version just posted (a draft) in force now, as an admin does; the version as answered."""
    assert posted.status_code == 201, posted.text
    version = posted.json()
    r = await client.post(
        f"/v1/rule-sets/{version['id']}/versions/{version['version']}/activation", json={}, headers=headers
    )
    assert r.status_code == 201, r.text
    return dict(r.json())
