"""Partner search: organisations publish a profile or a project idea, others find them.

**Writing.** Any token may publish (an applicant or any role); its subject is the entry's author, and only
the author withdraws it (403 for anyone else, 404 for an entry that does not exist). The codes are checked
against the catalogue's own data for the programme (a 422 naming the field): the organisation type (one
that may apply: private persons and sole traders may not, and their names are people's names), the
region (a NUTS region of the programme valid at the time of publication, of the entry's country) and each
specific objective.

**The contact and consent.** A contact (name, e-mail) is stored only with `consent: true`, and the time of
consent is kept with it; a contact without consent is a 422 naming `contact.consent`, so nothing the
author did not agree to show is kept. Reads are public and show the contact because consent was given. A
withdrawal erases the contact at once.

**Search.** Words of `q` are matched by their Snowball stems (`services/catalogue/search/documents.py`, the
catalogue's own stemming): each of the entry's texts is stemmed in its language and the organisation name in
every language, and each query word in Swedish, Norwegian, Danish and English, so `cirkulär` finds
`cirkulära` and `sirkulær` finds `sirkulære`. Every word must match; filters narrow by programme, country,
specific objective, organisation type and kind. Withdrawn entries are gone from results and from the CSV;
the author's own list (`mine`) still shows them as `withdrawn`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalogue import models, repository
from services.catalogue.errors import InvalidPartnerEntry, NotEntryAuthor, PartnerEntryNotFound
from services.catalogue.partners import repository as repo
from services.catalogue.partners.schemas import ContactOut, EntryIn, EntryKind, EntryOut
from services.catalogue.partners.texts import message as say
from services.catalogue.search.documents import stem, tokens
from shared.auth import Principal
from shared.csv_export import to_csv
from shared.pagination import Keyset, Page, PageParams, paginate
from shared.problems import FieldError

QUERY_LANGUAGES = ("sv", "nb", "da", "en")
"""The languages a query word is stemmed in (any of its stems matches)."""
CSV_LIMIT = 100_000
Filters = repo.Filters
"""What a search narrows by (its words as stems, see `query_words`)."""


class Before(Keyset):
    """Keyset of partner-search lists (newest first): the publication order of the last entry."""

    seq: int = Field(ge=1)


def terms(organisation_name: str, seeks: dict[str, str]) -> str:
    """The stems an entry is found by, ` a b c ` (each whole stem between spaces)."""
    found: set[str] = set()
    for language, written in seeks.items():
        found.update(stem(m.group(0), language) for m in tokens(written))
    for m in tokens(organisation_name):
        found.update(stem(m.group(0), language) for language in QUERY_LANGUAGES)
    return " " + " ".join(sorted(found)) + " "


def query_words(q: str | None) -> list[list[str]] | None:
    """Per word of the query (each once), its stems in every query language; None for a query without a
    word (it matches nothing, as the catalogue's search answers it), [] without a query."""
    if q is None:
        return []
    words = list(dict.fromkeys(m.group(0).lower() for m in tokens(q)))
    if not words:
        return None
    return [sorted({stem(w, language) for language in QUERY_LANGUAGES}) for w in words]


def entry_out(row: models.PartnerEntry) -> EntryOut:
    contact = None
    if row.contact_consented_at is not None and row.contact_name and row.contact_email:
        contact = ContactOut(name=row.contact_name, email=row.contact_email)
    return EntryOut(
        id=row.id,
        kind=cast(EntryKind, row.kind),
        status="withdrawn" if row.withdrawn_at is not None else "published",
        programme=row.programme,
        organisation_name=row.organisation_name,
        country=row.country,
        organisation_type=row.organisation_type,
        region=row.region,
        specific_objectives=list(row.specific_objectives),
        seeks=dict(row.seeks),
        contact=contact,
        published_at=row.published_at,
        withdrawn_at=row.withdrawn_at,
    )


async def _check(session: AsyncSession, body: EntryIn, *, now: dt.datetime, language: str) -> None:
    """422 naming every field whose code the programme does not have (or a contact without consent)."""
    errors: list[FieldError] = []
    p = body.programme

    def refuse(field: str, key: str, **values: Any) -> None:
        errors.append(FieldError(field=field, message=say(key, language, programme=p, **values)))

    if await repository.programme(session, p) is None:
        refuse("programme", "no-programme")
    else:
        types = {t.code: t for t in await repository.entries(session, models.OrganisationType, p)}
        kind = types.get(body.organisation_type)
        if kind is None or not kind.may_apply:
            key = "no-organisation-type" if kind is None else "may-not-apply"
            refuse("organisation_type", key, code=body.organisation_type)
        region = await repository.entry(session, models.Region, p, body.region)
        today = now.date()
        if region is None:
            refuse("region", "no-region", code=body.region)
        elif region.country != body.country:
            refuse("region", "region-country", code=body.region, country=body.country)
        elif (region.valid_from and region.valid_from > today) or (region.valid_to and region.valid_to < today):
            successors = ", ".join(region.successors) or "–"
            refuse("region", "region-not-valid", code=body.region, day=today.isoformat(), successors=successors)
        objectives = {o.code for o in await repository.entries(session, models.SpecificObjective, p)}
        for i, code in enumerate(body.specific_objectives):
            if code not in objectives:
                refuse(f"specific_objectives.{i}", "no-objective", code=code)
            elif code in body.specific_objectives[:i]:
                refuse(f"specific_objectives.{i}", "objective-twice", code=code)
    if body.contact is not None and not body.contact.consent:
        refuse("contact.consent", "no-consent")
    if errors:
        raise InvalidPartnerEntry("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


async def publish(
    session: AsyncSession, principal: Principal, body: EntryIn, *, now: dt.datetime, language: str = "en"
) -> EntryOut:
    await _check(session, body, now=now, language=language)
    contact = body.contact if body.contact is not None and body.contact.consent else None
    row = models.PartnerEntry(
        id=uuid.uuid4(),
        author_sub=principal.sub,
        kind=body.kind,
        programme=body.programme,
        organisation_name=body.organisation_name,
        country=body.country,
        organisation_type=body.organisation_type,
        region=body.region,
        specific_objectives=list(body.specific_objectives),
        objectives_key="," + ",".join(body.specific_objectives) + ",",
        seeks=dict(body.seeks),
        terms=terms(body.organisation_name, {str(k): v for k, v in body.seeks.items()}),
        contact_name=contact.name if contact else None,
        contact_email=contact.email if contact else None,
        contact_consented_at=now if contact else None,
        published_at=now,
    )
    repo.add(session, row)
    await session.flush()
    return entry_out(row)


async def withdraw(
    session: AsyncSession, principal: Principal, entry_id: uuid.UUID, *, now: dt.datetime, language: str = "en"
) -> EntryOut:
    """The author withdraws the entry (again: the same answer); its contact is erased."""
    row = await repo.entry(session, entry_id, for_update=True)
    if row is None:
        raise PartnerEntryNotFound(say("not-found", language, entry=entry_id))
    if row.author_sub != principal.sub:
        raise NotEntryAuthor(say("not-author", language, entry=entry_id))
    if row.withdrawn_at is None:
        row.withdrawn_at = now
        row.contact_name = row.contact_email = None
        row.contact_consented_at = None
        await session.flush()
    return entry_out(row)


async def read(session: AsyncSession, entry_id: uuid.UUID, *, language: str = "en") -> EntryOut:
    row = await repo.entry(session, entry_id)
    if row is None or row.withdrawn_at is not None:
        raise PartnerEntryNotFound(say("not-found", language, entry=entry_id))
    return entry_out(row)


async def search(session: AsyncSession, filters: Filters, params: PageParams) -> Page[EntryOut]:
    after = params.after(Before)
    rows = await repo.published(session, filters, before=after.seq if after else None, limit=params.limit + 1)
    page = paginate(rows, params, lambda r: Before(seq=r.seq))
    return Page[EntryOut](items=[entry_out(r) for r in page.items], next_cursor=page.next_cursor)


async def mine(session: AsyncSession, principal: Principal, params: PageParams) -> Page[EntryOut]:
    after = params.after(Before)
    rows = await repo.authored(session, principal.sub, before=after.seq if after else None, limit=params.limit + 1)
    page = paginate(rows, params, lambda r: Before(seq=r.seq))
    return Page[EntryOut](items=[entry_out(r) for r in page.items], next_cursor=page.next_cursor)


CSV_COLUMNS = (
    "id",
    "kind",
    "programme",
    "organisation_name",
    "country",
    "organisation_type",
    "region",
    "specific_objectives",
    "seeks_sv",
    "seeks_nb",
    "seeks_en",
    "contact_name",
    "contact_email",
    "published_at",
)


async def csv(session: AsyncSession, filters: Filters) -> str:
    """The search's results as CSV (spreadsheet-safe cells), newest first; withdrawn entries are not there."""
    rows: list[list[str]] = [list(CSV_COLUMNS)]
    for r in await repo.published(session, filters, before=None, limit=CSV_LIMIT):
        e = entry_out(r)
        rows.append(
            [
                str(e.id),
                e.kind,
                e.programme,
                e.organisation_name,
                e.country,
                e.organisation_type,
                e.region,
                " ".join(e.specific_objectives),
                *(e.seeks.get(language, "") for language in ("sv", "nb", "en")),
                e.contact.name if e.contact else "",
                e.contact.email if e.contact else "",
                e.published_at.isoformat(),
            ]
        )
    return to_csv(rows)
