"""Whether a new rule-set version fits its programme as the catalogue has it, before it is stored: every
amount in a rule's parameters is in a currency the programme can compare with (its own, or one it has a
fixed rate for), every country named is one of its funds' countries, every fund named one of its funds.
A misfit is a 422 naming each field (`rules[i].params.…`); nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from services.eligibility.errors import RuleSetNotForProgramme, UnknownProgramme
from services.eligibility.schemas import RuleSetCreate
from shared.clients.catalogue import CatalogueClient
from shared.problems import FieldError
from shared.schemas.catalogue import Programme

COUNTRY_KEYS = ("country", "countries")
"""Parameters naming countries (a code or a list of codes); `leads_per_country` names them by its keys."""


def _walk(value: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """(path, key, value) of every item of nested parameters."""
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}"
            yield here, str(key), item
            yield from _walk(item, here)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")


def misfits(programme: Programme, body: RuleSetCreate) -> list[FieldError]:
    """What in `body`'s parameters the programme does not have."""
    currencies = {programme.currency, *(r.currency for r in programme.fixed_exchange_rates)}
    countries = {f.country for f in programme.funds if f.country}
    funds = {f.code for f in programme.funds}
    errors: list[FieldError] = []
    for i, rule in enumerate(body.rules):
        for path, key, value in _walk(rule.params, f"rules[{i}].params"):
            if isinstance(value, dict) and {"amount", "currency"} <= value.keys():
                currency = value["currency"]
                if currency not in currencies:
                    errors.append(
                        FieldError(
                            field=f"{path}.currency",
                            message=f"{currency!r} is not a currency of {programme.code}: amounts are compared in "
                            f"{', '.join(sorted(currencies))}",
                        )
                    )
            named: list[Any] = []
            if countries and key in COUNTRY_KEYS:
                named = value if isinstance(value, list) else [value]
            elif countries and key == "leads_per_country" and isinstance(value, dict):
                named = list(value)
            for code in named:
                if isinstance(code, str) and code not in countries:
                    errors.append(
                        FieldError(
                            field=path,
                            message=f"{code!r} is not a country of {programme.code}'s funds ({', '.join(sorted(countries))})",
                        )
                    )
            if key == "funds" and isinstance(value, list):
                for code in value:
                    if code not in funds:
                        errors.append(
                            FieldError(
                                field=path,
                                message=f"{code!r} is not a fund of {programme.code} ({', '.join(sorted(funds))})",
                            )
                        )
    return errors


async def require_fit(catalogue: CatalogueClient, body: RuleSetCreate) -> None:
    """422 unless the programme exists and `body` fits it (`misfits`)."""
    programme = await catalogue.programme(body.programme)
    if programme is None:
        raise UnknownProgramme(
            f"the catalogue has no programme {body.programme!r}",
            errors=[FieldError(field="programme", message="not a programme of the catalogue")],
        )
    errors = misfits(programme, body)
    if errors:
        raise RuleSetNotForProgramme(
            f"{len(errors)} parameter(s) of the rule set name what {body.programme} does not have: "
            + "; ".join(f"{e.field}: {e.message}" for e in errors),
            errors=errors,
        )
