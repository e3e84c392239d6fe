"""Settings every service shares; each service subclasses `ServiceSettings` with its own env prefix."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me-in-production-0123456789"
DEV_CORS_ORIGIN_REGEX = r"^http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?$"
"""The origins `make run` lets call the services: a frontend's development server on this machine, any
port (`http://localhost:5173`). Never in production (`ServiceSettings` refuses it there)."""


class AuthSettings(BaseSettings):
    """Bearer-token verification, the same for all four services (env prefix `AUTH_`).

    Development signs and verifies HS256 tokens with `AUTH_SECRET`; production verifies tokens of the
    identity provider against its JWKS (`AUTH_JWKS_URL`) and its issuer (`AUTH_ISSUER`). The audience
    is each service's own (`<SERVICE>_AUDIENCE`, `ServiceSettings.audience`).
    """

    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")

    secret: str = DEV_SECRET
    jwks_url: str | None = None
    issuer: str | None = None
    algorithms: list[str] = Field(default_factory=lambda: ["HS256", "RS256", "ES256"])
    leeway_seconds: int = 30
    jwks_timeout_seconds: float = 5.0
    jwks_refresh_cooldown_seconds: float = Field(
        default=30.0, ge=0, description="Least time between two fetches of the JWKS for an unknown kid"
    )

    @field_validator("jwks_url", "issuer", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # Compose files pass unset variables as empty strings; an empty issuer would reject every token.
        return None if value == "" else value


class ServiceSettings(BaseSettings):
    """Base of each service's `Settings`; subclasses set `env_prefix` (e.g. `CATALOGUE_`)."""

    model_config = SettingsConfigDict(extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = "sqlite+aiosqlite:///./var/service.db"
    database_echo: bool = False
    log_level: str = "INFO"
    log_json: bool = True
    http_timeout_seconds: float = 5.0
    http_retries: int = 2
    auth: AuthSettings = Field(default_factory=AuthSettings)
    audience: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The `aud` a token must carry to be accepted here; default the service's name (development "
        "tokens carry all four). Required in production",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API (`<SERVICE>_CORS_ORIGINS='[\"https://app.example\"]'`); "
        "none by default: CORS is closed",
    )
    cors_origin_regex: str | None = Field(
        default=None,
        max_length=500,
        description="Browser origins allowed to call the API, as a regular expression matched against the whole "
        "origin (`<SERVICE>_CORS_ORIGIN_REGEX`); unset by default. `make run` sets it to `DEV_CORS_ORIGIN_REGEX` "
        "(`http://localhost:*`); production refuses one that admits `http://localhost`",
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1, description="Largest request body; more is a 413")
    write_rate_limit: str | None = Field(
        default="600/minute",
        description="Writes (POST, PUT, PATCH, DELETE) per client (token subject, else address), in the `limits` "
        "notation (`20/second;600/minute`); beyond it a 429 with Retry-After. Empty: no limit",
    )
    redis_url: str | None = Field(
        default=None, description="Redis for the rate limits of all replicas (`redis://host:6379/0`); else memory"
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses (or `*`) whose X-Forwarded-For/-Proto are believed: the client is the address they "
        "name. None by default: a client cannot name its own address (and so its rate-limit bucket)",
    )
    database_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    database_pool_size: int = Field(
        default=30,
        ge=1,
        le=1000,
        description="PostgreSQL connections this process keeps open (SQLite: 5); size pools so that every "
        "process of every service, pool plus overflow, stays below the server's max_connections",
    )
    database_max_overflow: int = Field(
        default=0, ge=0, le=1000, description="Connections opened beyond the pool under load and closed after"
    )
    database_statement_timeout_seconds: float = Field(
        default=30.0, gt=0, description="A statement running longer is cancelled (PostgreSQL); the request gets 503"
    )
    readiness_timeout_seconds: float = Field(default=1.5, gt=0, description="/readyz answers 503 after this long")
    retry_after_seconds: int = Field(default=5, ge=1, description="Retry-After of a 503 for an unavailable database")

    @field_validator("cors_origin_regex")
    @classmethod
    def _a_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value

    @field_validator("write_rate_limit", "redis_url", "audience", "cors_origin_regex", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> ServiceSettings:
        if self.environment == "production" and not self.auth.jwks_url and self.auth.secret == DEV_SECRET:
            raise ValueError(
                "AUTH_SECRET is the development default; set AUTH_JWKS_URL (or a real AUTH_SECRET) in production"
            )
        if (
            self.environment == "production"
            and self.cors_origin_regex
            and re.fullmatch(self.cors_origin_regex, "http://localhost:5173")
        ):
            raise ValueError(
                "<SERVICE>_CORS_ORIGIN_REGEX admits http://localhost in production: that is `make run`'s development "
                "setting; list the production frontends' origins in <SERVICE>_CORS_ORIGINS"
            )
        if self.environment == "production" and (self.audience is None or self.auth.issuer is None):
            raise ValueError(
                "production verifies each token's issuer and audience: set AUTH_ISSUER and this service's "
                "<SERVICE>_AUDIENCE"
            )
        return self
