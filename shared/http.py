"""Service-to-service HTTP: one `httpx.AsyncClient` per upstream, with timeouts and retries.

Retries cover idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) on connection errors and on
502/503/504, with exponential back-off; a POST is retried only by the caller with an Idempotency-Key.
Upstream failures become `UpstreamError` (503 problem+json) naming the service. Every request sends the
current request id (`X-Request-ID`) and W3C trace context (`traceparent`), so the upstream's log lines
and spans join the caller's (see `shared.observability`).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import httpx
from httpx_retries import Retry, RetryTransport

from shared.clock import Monotonic, monotonic
from shared.observability import REQUEST_ID_HEADER, current_request_id
from shared.problems import UpstreamError
from shared.settings import ServiceSettings
from shared.tracing import instrument_client

T = TypeVar("T")


async def _send_request_id(request: httpx.Request) -> None:
    request_id = current_request_id()
    if request_id and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = request_id


@cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings of every outgoing client, made once per process (loading the CA bundle costs about
    15 ms of CPU, paid by every client that made its own): httpx's default, certifi's CAs or those of
    `SSL_CERT_FILE` / `SSL_CERT_DIR`."""
    return httpx.create_ssl_context()


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
    inner = transport if transport is not None else httpx.AsyncHTTPTransport(verify=tls_context())
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

    Concurrent reads of the same URL that find no fresh answer share one request (the first one's):
    when an answer goes stale under load, it is revalidated once, not once per reader in flight.

    `get_parsed` also keeps what a parser made of a cached body, per ETag: the same representation is
    parsed (validated into models) once, not on every read. A parsed value is shared by every reader
    of that representation, so it must not be changed.

    Freshness is measured on `now` (`time.monotonic` unless a test passes a `FixedMonotonic` it moves).
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        service: str,
        max_entries: int = 512,
        max_fresh_seconds: float = 10.0,
        *,
        now: Monotonic = monotonic,
    ) -> None:
        self.client = client
        self.service = service
        self.max_entries = max_entries
        self.max_fresh_seconds = max_fresh_seconds
        self.now = now
        self._entries: dict[str, _Entry] = {}
        self._asking: dict[str, asyncio.Future[tuple[int, Any, _Entry | None]]] = {}

    def _fresh_until(self, response: httpx.Response) -> float:
        directives = [d.strip().lower() for d in response.headers.get("cache-control", "").split(",")]
        if "no-store" in directives or "no-cache" in directives:
            return 0.0
        max_age = 0
        for d in directives:
            name, _, value = d.partition("=")
            if name == "max-age" and value.isdigit():
                max_age = int(value)
        return self.now() + min(max_age, self.max_fresh_seconds)

    async def _get(self, url: str, params: dict[str, Any] | None) -> tuple[int, Any, _Entry | None]:
        """(status, parsed JSON, the cache entry holding it when the answer is a cached 200)."""
        cache_key = url + "?" + "&".join(f"{k}={v}" for k, v in sorted((params or {}).items())) if params else url
        cached = self._entries.get(cache_key)
        if cached is not None and self.now() < cached.fresh_until:
            return 200, cached.data, cached
        asking = self._asking.get(cache_key)
        if asking is None:
            asking = asyncio.ensure_future(self._ask(cache_key, url, params, cached))
            self._asking[cache_key] = asking
            asking.add_done_callback(lambda done: self._answered(cache_key, done))
        # Shielded: a reader that gives up (cancelled) does not cancel the request the others wait for.
        return await asyncio.shield(asking)

    def _answered(self, cache_key: str, done: asyncio.Future[tuple[int, Any, _Entry | None]]) -> None:
        if self._asking.get(cache_key) is done:
            del self._asking[cache_key]
        if not done.cancelled():
            done.exception()  # retrieved here too: every reader may have given up before it came

    async def _ask(
        self, cache_key: str, url: str, params: dict[str, Any] | None, cached: _Entry | None
    ) -> tuple[int, Any, _Entry | None]:
        """One GET (revalidating `cached`, if any) and what it leaves in the cache."""
        headers = {"If-None-Match": cached.etag} if cached is not None else {}
        response = await call(self.client, self.service, "GET", url, params=params, headers=headers)
        if response.status_code == 304 and cached is not None:
            cached.fresh_until = self._fresh_until(response)  # the same representation: its parsed values stay
            return 200, cached.data, cached
        try:
            data = response.json()
        except ValueError:
            raise UpstreamError(
                f"the {self.service} service answered something that is not JSON", service=self.service
            ) from None
        etag = response.headers.get("etag")
        if response.status_code == 200 and etag:
            if cache_key not in self._entries and len(self._entries) >= self.max_entries:
                self._entries.pop(next(iter(self._entries)))
            entry = _Entry(etag, data, self._fresh_until(response))
            self._entries[cache_key] = entry
            return 200, data, entry
        return response.status_code, data, None

    async def get_json(self, url: str, params: dict[str, Any] | None = None) -> tuple[int, Any]:
        """(status, parsed JSON) of a GET; 404 and other 4xx are returned for the caller to judge."""
        status, data, _ = await self._get(url, params)
        return status, data

    async def get_parsed(
        self, url: str, parse: Callable[[Any], T], params: dict[str, Any] | None = None
    ) -> tuple[int, T | Any]:
        """(status, `parse(JSON)`) of a GET answered 200, else (status, JSON) for the caller to judge. The
        parsed value of a cached answer is kept with it (per parser) until its ETag changes; an exception
        of `parse` propagates and nothing is kept."""
        status, data, entry = await self._get(url, params)
        if status != 200:
            return status, data
        if entry is None:
            return status, parse(data)
        try:
            return status, entry.parsed[parse]
        except KeyError:
            value = entry.parsed[parse] = parse(data)
            return status, value


class _Entry:
    """A cached answer: its ETag, its JSON, until when it is fresh, and what parsers made of it."""

    __slots__ = ("data", "etag", "fresh_until", "parsed")

    def __init__(self, etag: str, data: Any, fresh_until: float) -> None:
        self.etag = etag
        self.data = data
        self.fresh_until = fresh_until
        self.parsed: dict[Callable[[Any], Any], Any] = {}
