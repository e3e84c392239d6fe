"""OpenTelemetry traces: a server span per request (FastAPI), a client span per upstream call (httpx,
W3C `traceparent` injected), a span per SQL statement (SQLAlchemy).

Every request has a trace context, so the trace id reaches every log line and every upstream call
(`traceparent`); spans are *recorded* only when something exports them — `OTEL_EXPORTER_OTLP_ENDPOINT`
(or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set: then an OTLP/HTTP exporter sends them in batches (it reads
the other standard `OTEL_EXPORTER_OTLP_*` variables itself), or a span processor added to the provider
(a test's in-memory exporter). Otherwise spans are non-recording, which costs next to nothing per
request (`_RecordWhenExported`). Each service has its own tracer provider (resource `service.name`), made once per
process; the first one made is also the process's global provider, which the httpx spans use. In
production a process serves one service, so that is its own; in tests that run the four apps in one
process, a test attaches its exporter to each provider (`tracer_provider(name).add_span_processor`).
"""

from __future__ import annotations

import os
from typing import Any

import httpx
from fastapi import FastAPI
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import get_meter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, Sampler, SamplingResult
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Receive, Scope, Send

_PROVIDERS: dict[str, TracerProvider] = {}
_PROPAGATOR = TraceContextTextMapPropagator()
EXCLUDED_URLS = "/healthz,/readyz,/metrics"
"""Probes and scrapes are not traced: they would drown the requests an operator follows."""


def exporting() -> bool:
    """Whether spans are exported (an OTLP endpoint is configured in the environment)."""
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


class _RecordWhenExported(Sampler):
    """Record (and sample) a span only when its provider has somewhere to send it; otherwise the span is
    non-recording but keeps a valid context (trace id for the logs, `traceparent` for upstream calls)."""

    def __init__(self) -> None:
        self.exporting = False

    def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
        return (ALWAYS_ON if self.exporting else ALWAYS_OFF).should_sample(*args, **kwargs)

    def get_description(self) -> str:
        return "RecordWhenExported"


class _Provider(TracerProvider):
    """A tracer provider whose spans are recorded once a span processor (an exporter) is added."""

    def __init__(self, service: str) -> None:
        self.switch = _RecordWhenExported()
        super().__init__(resource=Resource.create({"service.name": service}), sampler=self.switch)

    def add_span_processor(self, span_processor: SpanProcessor) -> None:
        super().add_span_processor(span_processor)
        self.switch.exporting = True


def tracer_provider(service: str) -> TracerProvider:
    """The service's tracer provider, made on first use (with the OTLP exporter when configured)."""
    provider = _PROVIDERS.get(service)
    if provider is None:
        provider = _Provider(service)
        if exporting():
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        _PROVIDERS[service] = provider
        if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
            trace.set_tracer_provider(provider)
    return provider


def instrument_app(app: FastAPI, service: str) -> None:
    """A server span around every request but the probes; an incoming `traceparent` is its parent.

    While nothing exports the service's spans, requests take a light path instead (`_TraceSwitch`):
    the trace context alone — the caller's `traceparent`, or a new trace — so the ids still reach the
    logs and the upstream calls, without the instrumentation's per-request cost (a third of a cached
    catalogue read). Once an exporter is added, requests take the instrumented path."""
    provider = tracer_provider(service)
    plain = app.build_middleware_stack
    # One span per request: the ASGI receive/send sub-spans add cost and say nothing an operator follows.
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, excluded_urls=EXCLUDED_URLS, exclude_spans=["receive", "send"]
    )
    traced = app.build_middleware_stack
    switch = provider.switch if isinstance(provider, _Provider) else None

    def build_middleware_stack() -> ASGIApp:
        if switch is None:
            return traced()
        return _TraceSwitch(switch, traced(), plain())

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]


_IDS = RandomIdGenerator()
_EMPTY = otel_context.Context()
_TRACE_HEADERS = (b"traceparent", b"tracestate")


class _TraceSwitch:
    """The instrumented stack while spans are exported, else the plain stack inside a trace context."""

    def __init__(self, switch: _RecordWhenExported, traced: ASGIApp, plain: ASGIApp) -> None:
        self.switch = switch
        self.traced = traced
        self.plain = plain
        # FastAPI's own telemetry walks `.app` to see that OpenTelemetry instruments the app (and then
        # makes no spans of its own): show it the instrumented stack.
        self.app = traced

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.switch.exporting or scope["type"] != "http":
            await self.traced(scope, receive, send)
            return
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"] if k in _TRACE_HEADERS}
        if carrier:  # continue the caller's trace
            parent = _PROPAGATOR.extract(carrier)
            remote = trace.get_current_span(parent).get_span_context()
        if carrier and remote.is_valid:
            span = trace.NonRecordingSpan(
                trace.SpanContext(
                    trace_id=remote.trace_id,
                    span_id=_IDS.generate_span_id(),
                    is_remote=False,
                    trace_flags=remote.trace_flags,
                    trace_state=remote.trace_state,
                )
            )
        else:  # a new trace
            parent = _EMPTY
            span = trace.NonRecordingSpan(
                trace.SpanContext(trace_id=_IDS.generate_trace_id(), span_id=_IDS.generate_span_id(), is_remote=False)
            )
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        try:
            await self.plain(scope, receive, send)
        finally:
            otel_context.detach(token)


class _EngineTracer(EngineTracer):
    """OpenTelemetry's SQL tracer, whose per-statement hook returns at once while nothing exports the
    provider's spans: it would otherwise read the connection's attributes and start a non-recording
    span for every statement (an `after_cursor_execute` then finds no span and returns)."""

    def __init__(self, switch: _RecordWhenExported | None, *args: Any) -> None:
        self._switch = switch
        super().__init__(*args)

    def _before_cur_exec(
        self, conn: Any, cursor: Any, statement: Any, params: Any, context: Any, executemany: bool
    ) -> tuple[Any, Any]:
        if self._switch is not None and not self._switch.exporting:
            return statement, params
        result: tuple[Any, Any] = super()._before_cur_exec(conn, cursor, statement, params, context, executemany)
        return result


def instrument_engine(engine: AsyncEngine, service: str) -> None:
    """A span per SQL statement of this engine (what `SQLAlchemyInstrumentor().instrument(engine=…)`
    builds; called directly because the instrumentor instruments only once per process). While the
    service's spans are not exported the statement hook costs one attribute test (`_EngineTracer`)."""
    meter = get_meter(__name__)
    usage = meter.create_up_down_counter("db.client.connections.usage", unit="connections")
    provider = tracer_provider(service)
    switch = provider.switch if isinstance(provider, _Provider) else None
    _EngineTracer(switch, provider.get_tracer("opentelemetry.instrumentation.sqlalchemy"), engine.sync_engine, usage)


def instrument_client(client: httpx.AsyncClient) -> None:
    """A client span per upstream request, with the W3C `traceparent` (and `tracestate`) headers."""
    HTTPXClientInstrumentor.instrument_client(client)


def current_ids() -> tuple[str, str] | None:
    """(trace id, span id) of the current span as hex, or None outside any trace."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")
