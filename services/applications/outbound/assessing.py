"""`eligibility.assess`: the check each submission owes (`deliveries` lists every kind).

The checks of a relay's batch go in one `POST /v1/checks/batch` (each version's content, as stored, at the
instant of its submission; at most 200 and 512 KiB a request, per `Accept-Language`), and the reports are
stored with their versions and move their applications (`submission.assessed`) in one transaction. A batch
the service refuses as a whole is sent one check at a time (`POST /v1/checks`), so the one it refuses fails
alone; a lone message is sent so too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.outbound.upstreams import Upstreams
from services.applications.workflow.submission import assess, assessed
from shared.clock import Clock
from shared.db import Database
from shared.observability import request_context
from shared.outbox import Message, Retry
from shared.problems import UpstreamRefused
from shared.schemas.applications import ApplicationContent
from shared.schemas.eligibility import CHECK_BATCH_MAX, Report


@dataclass
class Assess:
    db: Database
    up: Upstreams
    clock: Clock

    async def send(self, message: Message) -> Report:
        p = message.payload
        async with self.db.sessionmaker() as session:
            version = await repo.get_version(session, p["application_id"], p["version"])
        if version is None:
            raise Retry(f"version {p['version']} of {p['application_id']} is not stored")
        content = ApplicationContent.model_validate(json.loads(version.document)["content"])
        return await self.up.eligibility.check(
            content,
            at=dt.datetime.fromisoformat(p["at"]),
            as_of=dt.date.fromisoformat(p["as_of"]),
            accept_language=p.get("accept_language"),
        )

    async def settle(self, session: AsyncSession, message: Message, result: Any) -> str:
        p = message.payload
        return await assess(session, p["application_id"], p["version"], result, at=self.clock())

    async def send_many(self, messages: list[Message]) -> list[Any]:
        keys = [_version_key(message) for message in messages]
        async with self.db.sessionmaker() as session:
            documents = await repo.documents_of(session, keys)
        answers: list[Any] = [None] * len(messages)
        asked: dict[str | None, list[tuple[int, bytes]]] = {}  # per Accept-Language
        for i, (message, key) in enumerate(zip(messages, keys, strict=True)):
            document = documents.get(key)
            if document is None:
                answers[i] = Retry(f"version {key[1]} of {key[0]} is not stored")
                continue
            p = message.payload
            body = orjson.dumps({**orjson.loads(document)["content"], "at": p["at"], "as_of": p["as_of"]})
            asked.setdefault(p.get("accept_language"), []).append((i, body))
        for language, pending in asked.items():
            for chunk in _chunks(pending):
                reports: list[Any] | None = None
                if len(chunk) > 1:
                    try:
                        reports = await self.up.eligibility.check_many([b for _, b in chunk], accept_language=language)
                    except UpstreamRefused:  # one of them is refused (or it is too large): each alone, below
                        pass
                if reports is None:  # so that only the refused one fails
                    reports = await self._alone([messages[i] for i, _ in chunk])
                for (i, _), report in zip(chunk, reports, strict=True):
                    answers[i] = report
        return answers

    async def _alone(self, messages: list[Message]) -> list[Any]:
        """Each message's own `POST /v1/checks`, at once: its report or the exception its send raised."""
        reports = await asyncio.gather(*(self.send(message) for message in messages), return_exceptions=True)
        for report in reports:
            if isinstance(report, BaseException) and not isinstance(report, Exception):
                raise report  # a cancellation is not an answer
        return reports

    async def settle_many(self, session: AsyncSession, sent: list[tuple[Message, Any]]) -> list[str]:
        keys = [_version_key(message) for message, _ in sent]
        apps = {app.id: app for app in await repo.get_many(session, [key[0] for key in keys], for_update=True)}
        versions = await repo.versions_of(session, keys)
        at = self.clock()
        outcomes = []
        for (message, report), key in zip(sent, keys, strict=True):
            with request_context(message.request_id, message.traceparent):
                outcomes.append(await assessed(session, apps.get(key[0]), versions.get(key), report, at=at))
        await session.flush()
        return outcomes


BATCH_BYTES = 512 * 1024
"""The most a batch of checks carries (half the eligibility service's default body limit)."""


def _chunks(pending: list[tuple[int, bytes]]) -> list[list[tuple[int, bytes]]]:
    """`pending` in batches of at most CHECK_BATCH_MAX checks and BATCH_BYTES (a larger one alone)."""
    chunks: list[list[tuple[int, bytes]]] = []
    size = 0
    for item in pending:
        if not chunks or len(chunks[-1]) >= CHECK_BATCH_MAX or size + len(item[1]) > BATCH_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += len(item[1]) + 1
    return chunks


def _version_key(message: Message) -> tuple[str, int]:
    return message.payload["application_id"], int(message.payload["version"])
