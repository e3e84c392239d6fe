"""One request followed through the four services: its request id and its W3C trace in every service's
log lines and spans (the four real apps in-process, wired by ASGI transports), and the request context
that background work enters.

Spans are read with an in-memory exporter attached to each service's tracer provider; log lines are the
JSON lines the services write, read from a handler with the services' own formatter.
"""

from __future__ import annotations

import io
import json
import logging
import queue
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
import structlog
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.applications.tests.helpers import ALICE, OLGA, create, gron, key, on_reserve, open_call
from shared.http import make_client
from shared.logs import JSONLogFormatter, LineHandler, configure_logging
from shared.observability import (
    current_request_id,
    current_traceparent,
    request_context,
)
from shared.tracing import tracer_provider

pytestmark = pytest.mark.usefixtures("backend")
SERVICES = ("applications", "catalogue", "eligibility", "budget")
A = "/v1/applications"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Every span the services (and the process's global provider) finish during the test."""
    exporter = InMemorySpanExporter()
    providers = {id(p): p for p in (tracer_provider(s) for s in SERVICES)}
    global_provider = trace.get_tracer_provider()
    if isinstance(global_provider, TracerProvider):
        providers[id(global_provider)] = global_provider
    for provider in providers.values():
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()  # a processor cannot be removed: a shut-down exporter keeps nothing more


class LogLines:
    """The JSON log lines written while the test runs."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def of(self, **fields: Any) -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in self.stream.getvalue().splitlines() if line.startswith("{")]
        return [line for line in lines if all(line.get(k) == v for k, v in fields.items())]


@pytest.fixture
def logs(applications_app: Any) -> Iterator[LogLines]:
    """A second handler beside the services' own, with their formatter (set up by their lifespans)."""
    root = logging.getLogger()
    formatter = next(h.formatter for h in root.handlers if type(h.formatter).__name__ == "JSONLogFormatter")
    lines = LogLines()
    handler = logging.StreamHandler(lines.stream)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    yield lines
    root.removeHandler(handler)


def traceparent() -> tuple[str, str]:
    """A caller's own W3C trace context: (trace id, `traceparent` header)."""
    trace_id = uuid.uuid4().hex
    return trace_id, f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"


async def delivered(app: Any, client: httpx.AsyncClient, application_id: str, status: str) -> None:
    """Let the applications service deliver what the request left in its outbox (the relay, in the
    request's context), then check the application reached `status`."""
    relay = getattr(app.state, "relay", None)
    if relay is not None:
        await relay.drain()
    r = await client.get(f"{A}/{application_id}", headers=ALICE)
    assert r.status_code == 200 and r.json()["status"] == status, r.text


def servers(spans: list[ReadableSpan], trace_id: str) -> dict[str, list[ReadableSpan]]:
    """The spans of the trace in which a service handled a request, by the service that made them.

    Over the network each is a SERVER span. In-process (an ASGI transport runs the upstream app inside
    the caller's task, with the caller's client span current) the instrumentation makes it an INTERNAL
    span instead, still a child of that client span."""
    found: dict[str, list[ReadableSpan]] = {}
    for span in spans:
        entry = span.instrumentation_scope is not None and span.instrumentation_scope.name.endswith(
            (".fastapi", ".asgi")
        )
        entry = entry and span.kind in (SpanKind.SERVER, SpanKind.INTERNAL)
        entry = entry and not (span.attributes or {}).get("asgi.event.type")
        if entry and span.context is not None and format(span.context.trace_id, "032x") == trace_id:
            found.setdefault(str(span.resource.attributes["service.name"]), []).append(span)
    return found


@dataclass(frozen=True)
class Step:
    """One request of the journey: the ids the caller sent, and the services it must reach."""

    request_id: str
    trace_id: str
    parent: str
    services: frozenset[str]


@pytest.fixture
async def journey(
    applications_app: Any,
    applications_client: httpx.AsyncClient,
    catalogue_client: httpx.AsyncClient,
    logs: LogLines,
    spans: InMemorySpanExporter,
) -> list[Step]:
    """An application submitted and approved, each request with the caller's own request id and trace
    (recorded from the start: the log lines and spans are collected before the first request)."""
    call_id = await open_call(catalogue_client)
    aid = (await create(applications_client, gron(call_id)))["id"]
    steps = []
    # The submission: applications asks the catalogue (the call) and eligibility, which asks the catalogue.
    # The decision: applications asks the catalogue, runs the State-aid rules again at the decision with
    # eligibility, and commits the money with the budget.
    for name, who, body, status, services in (
        ("submit", ALICE, None, "eligible", {"applications", "catalogue", "eligibility"}),
        (
            "decision",
            OLGA,
            {"decision": "approved", "reason": "Approved."},
            "approved",
            {"applications", "catalogue", "eligibility", "budget"},
        ),
    ):
        if name == "decision":  # the committee puts it on the reserve list; an officer then approves it alone
            await on_reserve(applications_client, aid)
        trace_id, parent = traceparent()
        request_id = f"{name}-{uuid.uuid4().hex[:8]}"
        headers = {**who, **key(), "X-Request-ID": request_id, "traceparent": parent}
        r = await applications_client.post(f"{A}/{aid}/{name}", json=body, headers=headers)
        assert r.status_code == 200, r.text
        assert r.headers["x-request-id"] == request_id
        await delivered(applications_app, applications_client, aid, status)
        steps.append(Step(request_id, trace_id, parent, frozenset(services)))
    return steps


async def test_one_request_id_is_in_the_log_lines_of_every_service_it_reaches(
    journey: list[Step], logs: LogLines
) -> None:
    for step in journey:
        lines = logs.of(request_id=step.request_id, event="request")  # each service's access lines
        assert {line["service"] for line in lines} == step.services, lines
        assert all(line["route"] and line["status"] in (200, 201) for line in lines), lines


async def test_one_trace_spans_every_service_a_request_reaches(
    journey: list[Step], spans: InMemorySpanExporter, logs: LogLines
) -> None:
    finished = spans.get_finished_spans()
    for step in journey:
        lines = logs.of(request_id=step.request_id, event="request")
        assert {line["trace_id"] for line in lines} == {step.trace_id}, lines
        # No other request shares the trace.
        assert {line["request_id"] for line in logs.of(trace_id=step.trace_id)} == {step.request_id}

        by_service = servers(finished, step.trace_id)
        assert set(by_service) == step.services, by_service
        (root,) = by_service["applications"]
        assert root.parent is not None and format(root.parent.span_id, "016x") == step.parent.split("-")[2]
        # Each upstream's server span hangs below a client span of its caller, in the same trace.
        by_id = {s.context.span_id: s for s in finished if format(s.context.trace_id, "032x") == step.trace_id}
        for service in step.services - {"applications"}:
            for span in by_service[service]:
                assert span.parent is not None and by_id[span.parent.span_id].kind is SpanKind.CLIENT
    # The SQL statements are spans of the traces too.
    sql = [s for s in finished if s.attributes and "db.system" in s.attributes]
    assert {format(s.context.trace_id, "032x") for s in sql} >= {step.trace_id for step in journey}


async def test_a_request_without_an_id_gets_one_and_a_malformed_id_is_replaced(
    catalogue_client: httpx.AsyncClient, logs: LogLines
) -> None:
    r = await catalogue_client.get("/v1/programmes")
    generated = r.headers["x-request-id"]
    assert len(generated) == 32 and logs.of(request_id=generated, service="catalogue")

    r = await catalogue_client.get("/v1/programmes", headers={"X-Request-ID": "two words\tand a tab"})
    assert r.status_code == 200 and r.headers["x-request-id"] != "two words\tand a tab"
    assert len(r.headers["x-request-id"]) == 32


async def test_background_work_joins_the_request_that_left_it(spans: InMemorySpanExporter) -> None:
    """What a relay does: enter the stored request id and trace, and call an upstream."""
    sent: list[httpx.Request] = []

    def upstream(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    trace_id, parent = traceparent()
    client = make_client("http://budget", transport=httpx.MockTransport(upstream), retries=0)
    assert current_request_id() is None
    async with client:
        with request_context("relay-42", parent, service="applications") as request_id:
            assert request_id == "relay-42" == current_request_id()
            assert (current_traceparent() or "").split("-")[1] == trace_id
            await client.post("/v1/commitments", json={})
        with request_context(None) as fresh:
            assert len(fresh) == 32 and current_request_id() == fresh
            await client.get("/v1/commitments")
    assert current_request_id() is None and current_traceparent() is None

    assert sent[0].headers["x-request-id"] == "relay-42"
    assert sent[0].headers["traceparent"].split("-")[1] == trace_id
    assert sent[1].headers["x-request-id"] == fresh
    assert sent[1].headers.get("traceparent", "").split("-")[1:2] != [trace_id]


def test_every_log_line_is_one_json_object_with_the_same_fields() -> None:
    """structlog lines, standard-library lines and exceptions of either: one JSON object per line, with
    service, event, level, an ISO 8601 UTC timestamp, the request context, and the traceback when any."""
    configure_logging("budget")  # what every service's lifespan does
    formatter = JSONLogFormatter("budget")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with request_context("req-1", service="budget"):
            structlog.get_logger("test").info("a structlog line", amount=Decimal("1.50"))
            logging.getLogger("test").warning("a stdlib line: %s", Decimal("2.50"))
            try:
                raise ValueError("boom")
            except ValueError:
                structlog.get_logger("test").exception("structlog caught it")
                logging.getLogger("test").exception("stdlib caught it")
    finally:
        root.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["event"] for line in lines] == [
        "a structlog line",
        "a stdlib line: 2.50",
        "structlog caught it",
        "stdlib caught it",
    ]
    for line in lines:
        assert line["service"] == "budget" and line["request_id"] == "req-1"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", line["timestamp"])
    assert [line["level"] for line in lines] == ["info", "warning", "error", "error"]
    assert lines[0]["amount"] == "1.50"
    assert all("ValueError: boom" in line["exception"] for line in lines[2:])


class Flushes:
    """A file as the handler's stream, noting each flush (the flushing thread's too)."""

    def __init__(self, file: Any) -> None:
        self.file = file
        self.flushed: queue.Queue[None] = queue.Queue()

    def write(self, text: str) -> int:
        return int(self.file.write(text))

    def flush(self) -> None:
        self.file.flush()
        self.flushed.put(None)


class HeldSleep:
    """The flushing thread's sleep: notes the seconds it is asked for and ends when the test lets it."""

    def __init__(self) -> None:
        self.asked: queue.Queue[float] = queue.Queue()
        self._end = threading.Semaphore(0)

    def __call__(self, seconds: float) -> None:
        self.asked.put(seconds)
        if not self._end.acquire(timeout=GUARD):
            raise AssertionError("the test never ended the flushing thread's sleep")

    def end(self) -> None:
        self._end.release()


GUARD = 5.0
"""Seconds after which a test takes the flushing thread to be stuck (it is never waited for otherwise)."""


def test_info_lines_are_flushed_after_the_interval_and_warnings_at_once(tmp_path: Any) -> None:
    """The services' log handler writes an info line without a system call of its own, and flushes it
    once its interval has passed even if nothing else is logged; a warning is flushed with its line;
    closing it flushes the rest and ends its thread, also while that thread sleeps. The thread's sleep
    is held by the test, which ends it: no real interval passes."""
    path = tmp_path / "service.log"
    logger = logging.getLogger(f"line-handler-{uuid.uuid4().hex}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    sleep = HeldSleep()
    with open(path, "w") as file:
        stream = Flushes(file)
        handler = LineHandler(stream, every=0.5, sleep=sleep)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        logger.addHandler(handler)
        try:
            logger.info("first")
            assert path.read_text() == ""  # in the stream's buffer, not yet written
            assert sleep.asked.get(timeout=GUARD) == 0.5  # the thread, woken by the line, waits its interval
            assert path.read_text() == "" and stream.flushed.empty()  # nothing flushed during the interval
            sleep.end()
            stream.flushed.get(timeout=GUARD)  # the interval over, the thread flushes
            assert path.read_text() == "INFO first\n"
            logger.warning("second")
            assert path.read_text() == "INFO first\nWARNING second\n"  # flushed with its line
            stream.flushed.get_nowait()
            logger.info("third")
            assert sleep.asked.get(timeout=GUARD) == 0.5  # woken by these lines, the thread is in its sleep
        finally:
            logger.removeHandler(handler)
            handler.close()  # flushes, and its thread ends
        assert path.read_text() == "INFO first\nWARNING second\nINFO third\n"
        sleep.end()
        handler.flusher.join(GUARD)
        assert not handler.flusher.is_alive()
    assert sleep.asked.empty()  # it ended instead of sleeping again
