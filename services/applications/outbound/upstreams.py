"""The services this one calls (the typed clients of `shared.clients`), this service's own token for
them, and what it reads of the catalogue: a programme's reference prefix, a specific objective's
priority."""

from __future__ import annotations

from dataclasses import dataclass

from services.applications.config import Settings
from shared.auth import issue_token
from shared.clients.budget import BudgetClient
from shared.clients.catalogue import SERVICE as CATALOGUE
from shared.clients.catalogue import CatalogueClient
from shared.clients.eligibility import EligibilityClient
from shared.problems import UpstreamError


@dataclass(frozen=True)
class Upstreams:
    catalogue: CatalogueClient
    eligibility: EligibilityClient
    budget: BudgetClient


SERVICE_SCOPE = "budget:commitments budget:claims"
"""The calls this service's own token may make: the budget's commitments (commit, read, release) and claims.
A production token (`APPLICATIONS_SERVICE_TOKEN`, from the identity provider) carries the budget's
audience and this scope."""


def service_bearer(settings: Settings) -> str:
    """This service's own token for the budget (committing, releasing on withdrawal or closure, claims);
    in development signed here for the audience `budget`."""
    if settings.service_token:
        return settings.service_token
    if settings.environment == "production":
        raise RuntimeError("APPLICATIONS_SERVICE_TOKEN must be set in production")
    return issue_token(
        settings.auth,
        sub="service:applications",
        roles=["officer"],
        ttl_seconds=600,
        audience="budget",
        scope=SERVICE_SCOPE,
    )


async def reference_prefix(catalogue: CatalogueClient, programme: str) -> str:
    """The programme's prefix of application references (e.g. SE-NO); its code upper-cased if it has none."""
    return (await catalogue.require_programme(programme)).reference_prefix or programme.upper()


async def priority_of(catalogue: CatalogueClient, programme: str, specific_objective: str) -> str:
    """The priority a specific objective belongs to (what the budget is committed against)."""
    objective = await catalogue.specific_objective(programme, specific_objective)
    if objective is None or not objective.priority:
        raise UpstreamError(
            f"the catalogue does not know the specific objective {specific_objective} of {programme}",
            service=CATALOGUE,
        )
    return objective.priority
