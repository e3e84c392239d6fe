"""Assembly of a service's FastAPI app: lifespan (database, token verifier, service extras), the shared
error handlers, request context middleware, health/readiness/metrics, offline API docs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi_offline import FastAPIOffline
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from shared.auth import TokenVerifier
from shared.clock import Clock, system_clock
from shared.db import Database, session_scope
from shared.guards import BodySizeLimitMiddleware, WriteRateLimitMiddleware, install_fault_handlers, rate_limit_storage
from shared.logs import configure_logging
from shared.observability import RequestContextMiddleware, health_router
from shared.openapi import document_common_answers, operation_id
from shared.problems import install_problem_handlers
from shared.settings import ServiceSettings
from shared.text import refuse_unclean_parameters
from shared.tracing import instrument_app, instrument_engine

Setup = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def build_app(
    *,
    service: str,
    settings: ServiceSettings,
    description: str,
    routers: list[APIRouter],
    setup: Setup | None = None,
    readiness: Callable[[Request], Awaitable[None]] | None = None,
    openapi_tags: list[dict[str, Any]] | None = None,
    version: str = "1.0.0",
    clock: Clock | None = None,
    middleware: list[Callable[[ASGIApp], ASGIApp]] | None = None,
    route_middleware: list[Callable[[ASGIApp], ASGIApp]] | None = None,
) -> FastAPI:
    """The one way every service builds its app. `setup` opens service-specific resources (HTTP
    clients to upstreams) inside the lifespan, after the database and before serving. `clock` is the
    app's source of "now" (`app.state.clock`, the system clock unless a test passes a `FixedClock`).
    `middleware`: the service's own ASGI middleware (outermost first), run inside the request context
    (request id, security headers, access log, metrics) and outside the guards and the routes.
    `route_middleware`: the service's own, inside the guards (body size, write rate), just in front of
    the routes: where a service answers its hottest request itself
    (`services.eligibility.routes.checks.CheckFastPath`)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(service, settings.log_level, settings.log_json)
        app.state.settings = settings
        app.state.clock = clock or system_clock
        app.state.db = Database(
            settings.database_url,
            echo=settings.database_echo,
            connect_timeout=settings.database_connect_timeout_seconds,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            statement_timeout=settings.database_statement_timeout_seconds,
        )
        instrument_engine(app.state.db.engine, service)
        app.state.token_verifier = TokenVerifier(settings.auth, audience=settings.audience or service)
        try:
            if setup is not None:
                async with setup(app):
                    yield
            else:
                yield
        finally:
            await app.state.db.dispose()

    app = FastAPIOffline(
        title=f"Interreg {service.capitalize()} API",  # one pattern: "Interreg Applications API", …
        description=description,
        version=version,
        lifespan=lifespan,
        # One component per model (no pydantic `-Input`/`-Output` pair, which breaks client generators), and
        # each operation named by its endpoint function (`create_application` → `createApplication`).
        separate_input_output_schemas=False,
        generate_unique_id_function=operation_id,
        dependencies=[Depends(refuse_unclean_parameters)],
        openapi_tags=openapi_tags,
        redoc_url=None,
        swagger_ui_parameters={"defaultModelsExpandDepth": 0, "displayRequestDuration": True},
        # Traces are shared.tracing's (one instrumentation, exported only when configured); FastAPI's own
        # telemetry would make a second set of spans and metrics on every request.
        telemetry={"tracing": False, "logs": False, "metrics": False},
    )
    install_problem_handlers(app)
    install_fault_handlers(app, retry_after_seconds=settings.retry_after_seconds)
    for inner in reversed(route_middleware or []):
        app.add_middleware(inner)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.write_rate_limit:
        app.add_middleware(
            WriteRateLimitMiddleware,
            service=service,
            limit=settings.write_rate_limit,
            storage=rate_limit_storage(settings.redis_url),
        )
    instrument_app(app, service)  # OpenTelemetry server spans (shared.tracing), outside every middleware
    for extra in reversed(middleware or []):  # the service's own, inside the request context
        app.add_middleware(extra)
    app.add_middleware(RequestContextMiddleware, service=service)  # request id, security headers, log, metrics
    if settings.cors_origins or settings.cors_origin_regex:
        # Only the listed origins (or those the development regex admits, `make run`'s `http://localhost:*`);
        # any other origin gets no CORS headers (the browser then refuses).
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_origin_regex=settings.cors_origin_regex,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Accept-Language",
                "Idempotency-Key",
                "If-Match",
                "If-None-Match",
                "X-Request-ID",
                "traceparent",
                "tracestate",
            ],
            expose_headers=[
                "Content-Language",
                "ETag",
                "Location",
                "X-Request-ID",
                "Idempotent-Replayed",
                "Retry-After",
            ],
            max_age=600,
        )
    app.include_router(health_router(readiness))
    for router in routers:
        app.include_router(router)
    document_common_answers(app, settings)
    return app


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    # GET and HEAD only read: on SQLite their transaction takes no write lock (see shared.db.create_engine).
    async for session in session_scope(request.app.state.db, read_only=request.method in ("GET", "HEAD")):
        yield session


# scope="function": the commit runs before the response is sent, so a 2xx means it is stored.
DbSession = Annotated[AsyncSession, Depends(_session, scope="function")]
"""The request's session: one transaction, committed before the response is sent, rolled back on error."""
