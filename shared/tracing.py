"""OpenTelemetry traces: a server span per request (FastAPI), a client span per upstream call (httpx,
W3C `traceparent` injected), a span per SQL statement (SQLAlchemy).

Spans are always made, so the trace id reaches every log line and every upstream call; they leave the
process only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: then an
OTLP/HTTP exporter sends them in batches (the exporter reads the other standard `OTEL_EXPORTER_OTLP_*`
variables itself). Each service has its own tracer provider (resource `service.name`), made once per
process; the first one made is also the process's global provider, which the httpx spans use. In
production a process serves one service, so that is its own; in tests that run the four apps in one
process, a test attaches its exporter to each provider (`tracer_provider(name).add_span_processor`).
"""

from __future__ import annotations

import os

import httpx
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import get_meter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from sqlalchemy.ext.asyncio import AsyncEngine

_PROVIDERS: dict[str, TracerProvider] = {}
EXCLUDED_URLS = "/healthz,/readyz,/metrics"
"""Probes and scrapes are not traced: they would drown the requests an operator follows."""


def exporting() -> bool:
    """Whether spans are exported (an OTLP endpoint is configured in the environment)."""
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def tracer_provider(service: str) -> TracerProvider:
    """The service's tracer provider, made on first use (with the OTLP exporter when configured)."""
    provider = _PROVIDERS.get(service)
    if provider is None:
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        if exporting():
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        _PROVIDERS[service] = provider
        if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
            trace.set_tracer_provider(provider)
    return provider


def instrument_app(app: FastAPI, service: str) -> None:
    """A server span around every request but the probes; an incoming `traceparent` is its parent."""
    # One span per request: the ASGI receive/send sub-spans add cost on every request and say nothing
    # an operator follows.
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=tracer_provider(service),
        excluded_urls=EXCLUDED_URLS,
        exclude_spans=["receive", "send"],
    )


def instrument_engine(engine: AsyncEngine, service: str) -> None:
    """A span per SQL statement of this engine (what `SQLAlchemyInstrumentor().instrument(engine=…)`
    builds; called directly because the instrumentor instruments only once per process)."""
    meter = get_meter(__name__)
    usage = meter.create_up_down_counter("db.client.connections.usage", unit="connections")
    EngineTracer(
        tracer_provider(service).get_tracer("opentelemetry.instrumentation.sqlalchemy"), engine.sync_engine, usage
    )


def instrument_client(client: httpx.AsyncClient) -> None:
    """A client span per upstream request, with the W3C `traceparent` (and `tracestate`) headers."""
    HTTPXClientInstrumentor.instrument_client(client)


def current_ids() -> tuple[str, str] | None:
    """(trace id, span id) of the current span as hex, or None outside any trace."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")
