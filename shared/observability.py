"""Structured JSON logs with a request id and trace id, Prometheus metrics (with collectors run at scrape
time for the business figures), and the health endpoints.

Every incoming request runs in a request context: its `X-Request-ID` (echoed, or generated) is in every
log line and is sent on every upstream call (`shared.http.make_client`), and the W3C trace context
(`shared.tracing`) follows the same path, so one request can be followed through all services. Work
that runs outside a request (a relay delivering what a request left behind) enters the same context with
`request_context(request_id, traceparent)`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from itertools import accumulate
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from opentelemetry import context as otel_context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector as PrometheusCollector
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.logs import AccessRecord, add_trace_ids
from shared.openapi import RETRY_AFTER
from shared.problems import problem_response

READY = Gauge(
    "service_ready", "1 when the last readiness check (/readyz, probed by Kubernetes) passed, else 0", ["service"]
)
COLLECTOR_ERRORS = Counter(
    "metrics_collector_errors_total", "Scrape-time collectors that failed (their figures are stale)", ["collector"]
)
# The outbox's figures, named here once so the alert rules and the dashboard (deploy/monitoring/) can
# rely on them: a service with an outbox sets both from a collector (`register_collector`) reading
# `shared.outbox_admin.backlog`; failed deliveries are counted by the relay (`outbox_failures_total`).
OUTBOX_BACKLOG = Gauge("outbox_backlog_messages", "Outbox messages not yet delivered (dead ones apart)", ["service"])
OUTBOX_DEAD = Gauge(
    "outbox_dead_messages", "Outbox messages dead after their last attempt, waiting for a replay", ["service"]
)
OUTBOX_OLDEST_AGE = Gauge(
    "outbox_oldest_message_age_seconds", "Age of the oldest undelivered outbox message (0 when none)", ["service"]
)

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=@-]{1,128}")
_PROPAGATOR = TraceContextTextMapPropagator()


def current_request_id() -> str | None:
    """The request id of the work running now (a request, or `request_context`), or None. It is the
    `request_id` of the log context (structlog's context variables): what the log lines show is sent."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    return str(request_id) if request_id else None


def current_traceparent() -> str | None:
    """The W3C `traceparent` of the current span (to store beside work done later), or None."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def new_request_id() -> str:
    """A request id for a request that brings none: 128 random bits as hex. It correlates lines, it guards
    nothing, so it comes from the process's pseudo-random generator rather than a system call per request."""
    return f"{random.getrandbits(128):032x}"


@contextmanager
def request_context(
    request_id: str | None = None, traceparent: str | None = None, *, service: str | None = None
) -> Iterator[str]:
    """Run work as part of request `request_id` (a new id when None or not a plain token) and, when
    given, of the trace `traceparent`: its log lines carry both ids and its upstream calls send them.
    Yields the request id; everything is restored on exit (contexts nest)."""
    request_id = request_id if request_id and _VALID_REQUEST_ID.fullmatch(request_id) else new_request_id()
    trace_token = None
    if traceparent:
        trace_token = otel_context.attach(_PROPAGATOR.extract({"traceparent": traceparent}))
    log_tokens = structlog.contextvars.bind_contextvars(
        request_id=request_id, **({"service": service} if service else {})
    )
    try:
        yield request_id
    finally:
        structlog.contextvars.reset_contextvars(**log_tokens)
        if trace_token is not None:
            otel_context.detach(trace_token)


Collector = Callable[[FastAPI], Awaitable[None]]
"""Sets gauges from what the service holds (e.g. counts from its database); run at each scrape."""


def register_collector(app: FastAPI, collector: Collector) -> None:
    """Run `collector(app)` before each `/metrics` answer (after the lifespan has started). A failing
    collector is logged and counted in `metrics_collector_errors_total`; the scrape still answers."""
    collectors: list[Collector] = getattr(app.state, "metric_collectors", [])
    app.state.metric_collectors = [*collectors, collector]


async def _run_collectors(app: FastAPI) -> None:
    for collector in getattr(app.state, "metric_collectors", []):
        name = getattr(collector, "__qualname__", repr(collector))
        try:
            await collector(app)
        except Exception:
            COLLECTOR_ERRORS.labels(name).inc()
            structlog.get_logger("metrics").exception("collector failed", collector=name)


SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-site"),
)
"""The security headers every answer carries (no sniffing, no framing, no referrer), unless it sets its own."""
_SECURITY_HEADER_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)
_UNLOGGED_ROUTES = frozenset({"/metrics", "/healthz", "/readyz"})


class _RequestMetrics(PrometheusCollector):
    """`http_requests_total` and `http_request_duration_seconds`, counted in plain numbers per (service,
    method, route, status) and made into metric families only when scraped: a labelled prometheus_client
    child takes a lock per update, and this is done twice on every request of every service."""

    def __init__(self) -> None:
        self.series: dict[tuple[str, str, str, str], list[Any]] = {}
        """(service, method, route, status) -> [count, sum of seconds, count per bucket (the last: +Inf)]."""

    def observe(self, key: tuple[str, str, str, str], seconds: float) -> None:
        found = self.series.get(key)
        if found is None:
            found = self.series[key] = [0, 0.0, [0] * (len(_BUCKETS) + 1)]
        found[0] += 1
        found[1] += seconds
        found[2][bisect_left(_BUCKETS, seconds)] += 1

    @staticmethod
    def _families() -> tuple[CounterMetricFamily, HistogramMetricFamily]:
        return (
            CounterMetricFamily("http_requests", "HTTP requests", labels=["service", "method", "route", "status"]),
            HistogramMetricFamily(
                "http_request_duration_seconds", "HTTP request latency", labels=["service", "method", "route"]
            ),
        )

    def describe(self) -> Iterator[Metric]:
        """The families without samples: what the registry indexes the names by."""
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        requests, latency = self._families()
        durations: dict[tuple[str, str, str], list[Any]] = {}
        for (service, method, route, status), (count, total, buckets) in list(self.series.items()):
            requests.add_metric([service, method, route, status], count)
            summed = durations.setdefault((service, method, route), [0.0, [0] * len(buckets)])
            summed[0] += total
            summed[1] = [a + b for a, b in zip(summed[1], buckets, strict=True)]
        for labels, (total, buckets) in durations.items():
            cumulative = list(accumulate(buckets))
            bounds = [*(repr(float(b)) for b in _BUCKETS), "+Inf"]
            latency.add_metric(list(labels), list(zip(bounds, cumulative, strict=True)), total)
        yield requests
        yield latency


_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
REQUEST_METRICS = _RequestMetrics()
REGISTRY.register(REQUEST_METRICS)


class RequestContextMiddleware:
    """Every request's context and edge: `X-Request-ID` echoed (or generated when absent or not a plain
    token of at most 128 characters), the security headers, one access-log line and the request metrics.

    One middleware (one wrapper around `send`) does all of it, since every request of every service
    passes through it: it is a measurable share of a cached read and of a check (docs/performance.md).
    Hence the request id is bound to the log context directly (what `request_context` does), the metrics
    are plain counts (`_RequestMetrics`) and the access line is a record made directly."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service
        self.access = logging.getLogger("access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                given = value.decode("latin-1")
                break
        request_id = given if given and _VALID_REQUEST_ID.fullmatch(given) else new_request_id()
        log_tokens = structlog.contextvars.bind_contextvars(request_id=request_id, service=self.service)
        request_id_header = (b"x-request-id", request_id.encode("latin-1"))
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                if _SECURITY_HEADER_NAMES.isdisjoint([name.lower() for name, _ in headers]):
                    headers += SECURITY_HEADERS
                else:  # the answer set some of its own: add only the others
                    present = {name.lower() for name, _ in headers}
                    headers += [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                headers.append(request_id_header)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            try:
                elapsed = time.perf_counter() - start
                route = scope.get("route")
                template = getattr(route, "path", None) or "unmatched"
                method = scope.get("method", "")
                if template == "/readyz":
                    READY.labels(self.service).set(1 if status == 200 else 0)
                if template not in _UNLOGGED_ROUTES:
                    REQUEST_METRICS.observe((self.service, method, template, str(status)), elapsed)
                    if self.access.isEnabledFor(logging.INFO):
                        self._log(scope, request_id, method, template, status, elapsed)
            finally:
                structlog.contextvars.reset_contextvars(**log_tokens)

    def _log(self, scope: Scope, request_id: str, method: str, template: str, status: int, elapsed: float) -> None:
        """The access line: a record whose message is the finished event dict (what a structlog line
        carries), made directly, since it is written once per request."""
        event: dict[str, Any] = {
            "method": method,
            "path": scope.get("path"),
            "route": template,
            "status": status,
            "duration_ms": round(elapsed * 1000, 2),
            "event": "request",
            "request_id": request_id,
            "service": self.service,
        }
        add_trace_ids(None, "", event)
        event["level"] = "info"  # the record's time is the line's `timestamp` (JSONLogFormatter)
        self.access.handle(AccessRecord(event))


def health_router(readiness: Callable[[Request], Awaitable[None]] | None = None) -> APIRouter:
    """`/healthz` (alive), `/readyz` (database answers), `/metrics` (Prometheus text)."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def get_health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Readiness: the database answers",
        responses={503: {"description": "Not ready", "headers": RETRY_AFTER}},
    )
    async def get_readiness(request: Request) -> Response:
        limit: float = request.app.state.settings.readiness_timeout_seconds
        try:
            async with asyncio.timeout(limit):  # a silent database is "not ready", not a hang
                async with request.app.state.db.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
                if readiness is not None:
                    await readiness(request)
        except TimeoutError:
            return problem_response(
                503,
                {"type": "about:blank", "title": "Not ready", "status": 503, "detail": f"no answer within {limit} s"},
                {"Retry-After": str(request.app.state.settings.retry_after_seconds)},
            )
        except Exception as exc:  # any failure means not ready; say which
            return problem_response(
                503,
                {
                    "type": "about:blank",
                    "title": "Not ready",
                    "status": 503,
                    "detail": f"{type(exc).__name__}: {exc}"[:300],
                },
                {"Retry-After": str(request.app.state.settings.retry_after_seconds)},
            )
        return Response('{"status":"ready"}', media_type="application/json")

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def get_metrics(request: Request) -> Response:
        await _run_collectors(request.app)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
