"""The rule-set files of `data/` (see `data/FORMAT.md`): reading one and storing a folder of them.

Loading is idempotent: a file equal to its set's latest version stores nothing, a changed file is the
next version, in force from the load (an operator's deliberate act; a version posted through the API is
a draft until an admin activates it). Only flushes; the caller (`load-rules`, or the first start) commits.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility import repository as repo
from services.eligibility.errors import InvalidRuleSetFile
from services.eligibility.rule_sets.versions import activate, create_version
from services.eligibility.schemas import LoadedRuleSet, RuleSetCreate
from shared import yaml_files

SEED_AUTHOR = "load-rules"
"""`created_by` of the versions stored from files."""


def read_rule_set_file(path: Path) -> RuleSetCreate:
    """A rule-set file, validated like a `POST /v1/rule-sets` body."""
    try:
        data = yaml_files.load(path.read_text(encoding="utf-8"))
        return RuleSetCreate.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise InvalidRuleSetFile(f"{path.name}: {exc}") from exc


async def load_rule_files(session: AsyncSession, folder: Path, *, now: dt.datetime) -> list[LoadedRuleSet]:
    """Store every `*.yaml` rule set of `folder` that is new or changed (idempotent). All files are
    validated before anything is stored."""
    paths = await asyncio.to_thread(lambda: sorted(folder.glob("*.yaml")))
    bodies = [read_rule_set_file(p) for p in paths]
    out = []
    for body in bodies:
        stored, created = await create_version(session, body, created_by=SEED_AUTHOR, now=now, skip_if_unchanged=True)
        if created:  # `load-rules` is the operator's deliberate act: what it stores goes live at once
            stored = await activate(session, stored.id, stored.version, effective_from=None, by=SEED_AUTHOR, now=now)
        out.append(LoadedRuleSet(id=stored.id, version=stored.version, created=created))
    return out


async def load_if_empty(session: AsyncSession, folder: Path, *, now: dt.datetime) -> list[LoadedRuleSet]:
    """The files of `folder` when the database holds no rule set yet (first start after `migrate`), else
    nothing: a running service never replaces what an admin posted with the files."""
    if await repo.count_rule_sets(session) > 0:
        return []
    return await load_rule_files(session, folder, now=now)
