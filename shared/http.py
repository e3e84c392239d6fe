"""Service-to-service HTTP: one `httpx.AsyncClient` per upstream, with timeouts and retries.

Retries cover idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) on connection errors and on
502/503/504, with exponential back-off; a POST is retried only by the caller with an Idempotency-Key.
Upstream failures become `UpstreamError` (503 problem+json) naming the service. Every request sends the
current request id (`X-Request-ID`) and W3C trace context (`traceparent`), so the upstream's log lines
and spans join the caller's (see `shared.observability`).
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from httpx_retries import Retry, RetryTransport

from shared.observability import REQUEST_ID_HEADER, current_request_id
from shared.problems import UpstreamError
from shared.settings import ServiceSettings
from shared.tracing import instrument_client


async def _send_request_id(request: httpx.Request) -> None:
    request_id = current_request_id()
    if request_id and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = request_id


def make_client(
    base_url: str,
    *,
    timeout: float = 5.0,
    retries: int = 2,
    transport: httpx.AsyncBaseTransport | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.AsyncClient:
    """An AsyncClient for one upstream; pass `transport` (e.g. `httpx.ASGITransport(app)`) in tests."""
    retry = Retry(total=retries, backoff_factor=0.2, status_forcelist=[502, 503, 504])
    inner = transport if transport is not None else httpx.AsyncHTTPTransport()
    client = httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout),
        transport=RetryTransport(transport=inner, retry=retry),
        headers={"User-Agent": "interreg-backend", **(headers or {})},
        event_hooks={"request": [_send_request_id]},
    )
    instrument_client(client)
    return client


def upstream_client(
    settings: ServiceSettings, base_url: str, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """`make_client` with the service's own timeout and retry settings (`<SERVICE>_HTTP_TIMEOUT_SECONDS`,
    `<SERVICE>_HTTP_RETRIES`): how every service opens a client to an upstream."""
    return make_client(
        base_url, timeout=settings.http_timeout_seconds, retries=settings.http_retries, transport=transport
    )


async def call(client: httpx.AsyncClient, service: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Send a request; a transport failure or a 5xx becomes `UpstreamError` naming `service`."""
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise UpstreamError(
            f"the {service} service could not be reached: {type(exc).__name__}", service=service
        ) from None
    if response.status_code >= 500:
        raise UpstreamError(f"the {service} service answered {response.status_code}", service=service)
    return response


class ETagCache:
    """Client-side HTTP cache of an upstream's GET responses (reference data such as the catalogue's).

    A response is reused without asking while it is fresh: for the upstream's `Cache-Control: max-age`,
    but never longer than `max_fresh_seconds` (10 s by default), so a change upstream is seen within
    seconds. After that it is revalidated with `If-None-Match` (a 304 costs no body). If the upstream
    cannot be reached the read fails with `UpstreamError` rather than serving something stale.
    """

    def __init__(
        self, client: httpx.AsyncClient, service: str, max_entries: int = 512, max_fresh_seconds: float = 10.0
    ) -> None:
        self.client = client
        self.service = service
        self.max_entries = max_entries
        self.max_fresh_seconds = max_fresh_seconds
        self._entries: dict[str, tuple[str, Any, float]] = {}

    def _fresh_until(self, response: httpx.Response) -> float:
        directives = [d.strip().lower() for d in response.headers.get("cache-control", "").split(",")]
        if "no-store" in directives or "no-cache" in directives:
            return 0.0
        max_age = 0
        for d in directives:
            name, _, value = d.partition("=")
            if name == "max-age" and value.isdigit():
                max_age = int(value)
        return time.monotonic() + min(max_age, self.max_fresh_seconds)

    async def get_json(self, url: str, params: dict[str, Any] | None = None) -> tuple[int, Any]:
        """(status, parsed JSON) of a GET; 404 and other 4xx are returned for the caller to judge."""
        cache_key = url + "?" + "&".join(f"{k}={v}" for k, v in sorted((params or {}).items()))
        cached = self._entries.get(cache_key)
        if cached and time.monotonic() < cached[2]:
            return 200, cached[1]
        headers = {"If-None-Match": cached[0]} if cached else {}
        response = await call(self.client, self.service, "GET", url, params=params, headers=headers)
        if response.status_code == 304 and cached:
            self._entries[cache_key] = (cached[0], cached[1], self._fresh_until(response))
            return 200, cached[1]
        try:
            data = response.json()
        except ValueError:
            raise UpstreamError(
                f"the {self.service} service answered something that is not JSON", service=self.service
            ) from None
        etag = response.headers.get("etag")
        if response.status_code == 200 and etag:
            if len(self._entries) >= self.max_entries:
                self._entries.pop(next(iter(self._entries)))
            self._entries[cache_key] = (etag, data, self._fresh_until(response))
        return response.status_code, data
