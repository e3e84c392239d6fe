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
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import TokenVerifier
from shared.clock import Clock, system_clock
from shared.db import Database, session_scope
from shared.observability import RequestContextMiddleware, configure_logging, health_router
from shared.problems import install_problem_handlers
from shared.settings import ServiceSettings

Setup = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def build_app(
    *,
    service: str,
    settings: ServiceSettings,
    title: str,
    description: str,
    routers: list[APIRouter],
    setup: Setup | None = None,
    readiness: Callable[[Request], Awaitable[None]] | None = None,
    openapi_tags: list[dict[str, Any]] | None = None,
    version: str = "1.0.0",
    clock: Clock | None = None,
) -> FastAPI:
    """The one way every service builds its app. `setup` opens service-specific resources (HTTP
    clients to upstreams) inside the lifespan, after the database and before serving. `clock` is the
    app's source of "now" (`app.state.clock`, the system clock unless a test passes a `FixedClock`)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(service, settings.log_level, settings.log_json)
        app.state.settings = settings
        app.state.clock = clock or system_clock
        app.state.db = Database(settings.database_url, echo=settings.database_echo)
        app.state.token_verifier = TokenVerifier(settings.auth)
        try:
            if setup is not None:
                async with setup(app):
                    yield
            else:
                yield
        finally:
            await app.state.db.dispose()

    app = FastAPIOffline(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        openapi_tags=openapi_tags,
        redoc_url=None,
        swagger_ui_parameters={"defaultModelsExpandDepth": 0, "displayRequestDuration": True},
    )
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service=service)
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.cors_origins:
        # Only the listed origins; an origin not listed gets no CORS headers (the browser then refuses).
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-None-Match", "X-Request-ID"],
            expose_headers=["ETag", "Location", "X-Request-ID", "Idempotent-Replayed", "Retry-After"],
            max_age=600,
        )
    app.include_router(health_router(readiness))
    for router in routers:
        app.include_router(router)
    return app


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in session_scope(request.app.state.db):
        yield session


# scope="function": the commit runs before the response is sent, so a 2xx means it is stored.
DbSession = Annotated[AsyncSession, Depends(_session, scope="function")]
"""The request's session: one transaction, committed before the response is sent, rolled back on error."""


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-site"),
]


class SecurityHeadersMiddleware:
    """The security headers every answer carries (no sniffing, no framing, no referrer)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((n, v) for n, v in SECURITY_HEADERS if n not in present),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
