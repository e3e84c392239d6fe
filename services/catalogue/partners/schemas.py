"""Request and response models of partner search, with their OpenAPI examples."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.text import Bounded, CodeText

EntryKind = Literal["profile", "idea"]
EntryStatus = Literal["published", "withdrawn"]
SeeksLanguage = Literal["sv", "nb", "en"]
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

CONTACT_EXAMPLE: dict[str, Any] = {"name": "Karin Lund", "email": "karin.lund@example.se", "consent": True}
ENTRY_EXAMPLE: dict[str, Any] = {
    "kind": "profile",
    "programme": "interreg-se-no-2021-2027",
    "organisation_name": "Karlstads universitet",
    "country": "SE",
    "organisation_type": "research-education",
    "region": "SE311",
    "specific_objectives": ["2B"],
    "seeks": {
        "sv": "Vi söker norska partner för cirkulära affärsmodeller i skogsnäringen.",
        "en": "We seek Norwegian partners for circular business models in the forest industry.",
    },
    "contact": CONTACT_EXAMPLE,
}


class ContactIn(BaseModel):
    """A contact the author consents to show to everyone who reads the entry."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CONTACT_EXAMPLE]})

    name: Annotated[str, Bounded(200, min_length=1)]
    email: Annotated[str, Bounded(254, min_length=3, pattern=EMAIL)]
    consent: bool = Field(
        description="Must be true: the contact is shown publicly only because its owner agreed; without "
        "consent leave the contact out (nothing of it is stored)"
    )


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ENTRY_EXAMPLE]})

    kind: EntryKind = Field(description="`profile` (who we are) or `idea` (a project we want to start)")
    programme: Annotated[str, Bounded(100, min_length=1)] = Field(examples=["interreg-se-no-2021-2027"])
    organisation_name: Annotated[str, Bounded(300, min_length=1)]
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2", examples=["SE"])
    organisation_type: CodeText = Field(description="A code of the programme's organisation types")
    region: Annotated[str, Bounded(16, min_length=1)] = Field(description="A NUTS code of the programme's regions")
    specific_objectives: list[CodeText] = Field(
        min_length=1, max_length=20, description="Codes of the programme's specific objectives"
    )
    seeks: dict[SeeksLanguage, Annotated[str, Bounded(4000, min_length=1)]] = Field(
        min_length=1, description="What the organisation seeks, per language (sv, nb, en)"
    )
    contact: ContactIn | None = None


class ContactOut(BaseModel):
    name: str
    email: str


class EntryOut(BaseModel):
    id: UUID
    kind: EntryKind
    status: EntryStatus
    programme: str
    organisation_name: str
    country: str
    organisation_type: str
    region: str
    specific_objectives: list[str]
    seeks: dict[str, str]
    contact: ContactOut | None = Field(description="Shown only because its owner consented; null without a contact")
    published_at: dt.datetime
    withdrawn_at: dt.datetime | None
