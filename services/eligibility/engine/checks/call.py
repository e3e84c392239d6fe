"""The check kinds about the call: it is open at the instant of the check, and it funds the application's
specific objective and project type. What they show of a call is made once per call object and time zone
(the catalogue client parses a call once per answer)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from services.eligibility.engine.context import Context, Outcome, by_code, iso
from services.eligibility.engine.figures import Msg, Text
from services.eligibility.engine.params import CallOpenParams, SpecificObjectiveOpenParams
from shared.schemas.catalogue import Call, ProjectType


@dataclass(frozen=True)
class _CallTexts:
    """What `call-open` shows of a call in one time zone: the same for every check of that call."""

    call: Call
    timezone: ZoneInfo
    call_id: str
    opens_at: str
    closes_at: str | None
    opens_local: str
    closes_local: str | None


_CALL_TEXTS: dict[tuple[int, str], _CallTexts] = {}


def _call_texts(call: Call, tz: ZoneInfo) -> _CallTexts:
    """The call's texts, made once per call object (the catalogue client parses a call once per answer) and
    time zone; kept with the call itself, so that its id is never another's."""
    key = (id(call), tz.key)
    found = _CALL_TEXTS.get(key)
    if found is None or found.call is not call or found.timezone is not tz:
        if len(_CALL_TEXTS) >= 256:
            _CALL_TEXTS.clear()
        found = _CALL_TEXTS[key] = _CallTexts(
            call=call,
            timezone=tz,
            call_id=str(call.id),
            opens_at=iso(call.opens_at),
            closes_at=iso(call.closes_at) if call.closes_at else None,
            opens_local=_local_time(call.opens_at, tz),
            closes_local=_local_time(call.closes_at, tz) if call.closes_at else None,
        )
    return found


def _call_facts(call: Call, texts: _CallTexts, ctx: Context) -> dict[str, Any]:
    return {
        "call_id": texts.call_id,
        "number": call.number,
        "programme": call.programme,
        "opens_at": texts.opens_at,
        "closes_at": texts.closes_at,
        "rolling": call.closes_at is None,
        "as_of": iso(ctx.as_of),
        "timezone": ctx.timezone.key,
    }


def _local_time(at: dt.datetime, tz: ZoneInfo) -> str:
    """The instant as a wall-clock time in `tz`, as `strftime("%Y-%m-%d %H:%M:%S")` writes it (the ISO text cut
    before its offset is the same text for a four-digit year, at a fraction of strftime's cost)."""
    local = at.astimezone(tz)
    if local.year < 1000:  # strftime does not pad the year
        return local.strftime("%Y-%m-%d %H:%M:%S")
    return local.isoformat(" ", "seconds")[:19]


def check_call_open(params: CallOpenParams, ctx: Context) -> Outcome:
    app = ctx.application
    call = ctx.reference.call
    if call is None:
        return Outcome(
            False,
            [Msg("call.not-found", {"call_id": str(app.call_id)})],
            {"call_id": str(app.call_id), "found": False, "as_of": iso(ctx.as_of)},
        )
    texts = _call_texts(call, ctx.timezone)
    facts = _call_facts(call, texts, ctx)
    facts["at"] = ctx.at.isoformat()
    if call.programme != app.programme:
        return Outcome(
            False,
            [Msg("call.other-programme", {"number": call.number, "other": call.programme, "programme": app.programme})],
            facts,
        )
    # The catalogue's one definition of "open" (`call_status`), at the instant of the check: a call that
    # closed at 12:00 is closed at 12:00:01 the same day, for the pre-check as for the submission.
    status = call.status_at(ctx.at)
    facts["status"] = status
    args = {
        "number": call.number,
        "date": _local_time(ctx.at, ctx.timezone),
        "opens": texts.opens_local,
        "closes": texts.closes_local,
    }
    if status == "planned":
        return Outcome(False, [Msg("call.not-yet", args)], facts)
    if status == "closed":
        return Outcome(False, [Msg("call.closed", args)], facts)
    return Outcome(True, [Msg("call.open" if call.closes_at else "call.open-rolling", args)], facts)


def _type_name(types: dict[str, ProjectType], code: str) -> Text | str:
    known = types.get(code)
    return Text.of(known.name if known is not None else None, code)


def check_specific_objective_open(params: SpecificObjectiveOpenParams, ctx: Context) -> Outcome:
    app = ctx.application
    call = ctx.reference.call
    types = by_code(ctx.reference.project_types)
    type_name = _type_name(types, app.project_type)
    facts: dict[str, Any] = {"specific_objective": app.specific_objective, "project_type": app.project_type}
    if call is None or call.programme != app.programme:
        facts["call_found"] = call is not None
        return Outcome(
            False, [Msg("objective.no-call", {"objective": app.specific_objective, "type": type_name})], facts
        )
    facts.update(
        {
            "call_id": _call_texts(call, ctx.timezone).call_id,  # str(call.id), made once per call
            "number": call.number,
            "call_specific_objectives": list(call.specific_objectives),
            "call_project_types": list(call.project_types),
        }
    )
    msgs: list[Msg] = []
    if app.specific_objective not in call.specific_objectives:
        msgs.append(
            Msg(
                "objective.closed",
                {"number": call.number, "objective": app.specific_objective, "open": list(call.specific_objectives)},
            )
        )
    if params.check_project_type and app.project_type not in call.project_types:
        msgs.append(
            Msg(
                "objective.type-closed",
                {
                    "number": call.number,
                    "type": type_name,
                    "open": [_type_name(types, t) for t in call.project_types],
                },
            )
        )
    if msgs:
        return Outcome(False, msgs, facts)
    return Outcome(
        True,
        [Msg("objective.ok", {"number": call.number, "objective": app.specific_objective, "type": type_name})],
        facts,
    )
