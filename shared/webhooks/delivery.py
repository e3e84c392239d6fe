"""Sending one delivery (the relay of `webhook_deliveries` calls `Sender`, see the package docstring):

- the subscription read (gone or disabled: the delivery is settled `skipped`, nothing sent);
- the destination checked again, its host resolved (`destinations.refused`): refused → a failed attempt;
- one POST of the CloudEvent in structured mode with the Standard Webhooks headers, signed with every
  secret still valid at this instant (redirects are not followed; the answer's body is not read); every attempt written to `webhook_attempts` (its own transaction);
- 2xx: delivered. 410: the subscription is disabled (settled `disabled`). Anything else, or no answer:
  retried after the back-off, and not before the receiver's `Retry-After`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from prometheus_client import Counter
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import Clock
from shared.db import Database
from shared.http import tls_context
from shared.outbox import Message, Relay, Retry, aware
from shared.webhooks import destinations, signing
from shared.webhooks.settings import WebhookSettings
from shared.webhooks.tables import KIND, WebhookTables

log = structlog.get_logger("webhooks")
ATTEMPTS = Counter("webhook_attempts_total", "Webhook delivery attempts by what came of them", ["service", "outcome"])
CONTENT_TYPE = "application/cloudevents+json"
BATCH = 10


def valid_secrets(stored: list[dict[str, Any]], at: dt.datetime) -> list[str]:
    """The secrets that sign at `at`: the current one and those rotated out whose period has not ended."""
    return [
        s["secret"] for s in stored if s.get("expires_at") is None or dt.datetime.fromisoformat(s["expires_at"]) > at
    ]


def retry_after(answer: httpx.Response, now: dt.datetime) -> float | None:
    """The receiver's `Retry-After` in seconds (delta-seconds or an HTTP date), if it sent one."""
    value = answer.headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, ((aware(when) or when) - now).total_seconds())


@dataclass(frozen=True)
class Outcome:
    outcome: str
    """`delivered`, `disabled` (410) or `skipped` (subscription gone or disabled)."""


@dataclass
class Sender:
    service: str
    db: Database
    tables: WebhookTables
    client: httpx.AsyncClient
    clock: Clock
    allowed: list[str]
    timeout: float

    async def _attempt(self, message: Message, *, status: int | None, outcome: str, error: str | None) -> None:
        ATTEMPTS.labels(self.service, outcome).inc()
        async with self.db.sessionmaker.begin() as session:
            await session.execute(
                self.tables.attempts.insert().values(
                    delivery_id=message.id,
                    subscription_id=message.payload["subscription_id"],
                    event_id=message.payload["event"]["id"],
                    at=self.clock(),
                    status_code=status,
                    outcome=outcome,
                    error=error[:2000] if error else None,
                )
            )

    async def send(self, message: Message) -> Outcome:
        subs = self.tables.subscriptions
        async with self.db.sessionmaker() as session:
            sub = (
                await session.execute(select(subs).where(subs.c.id == message.payload["subscription_id"]))
            ).one_or_none()
        if sub is None or not sub.active:
            return Outcome("skipped")
        reason = await destinations.refused(sub.url, self.allowed, resolve_seconds=self.timeout)
        if reason is not None:
            await self._attempt(message, status=None, outcome="refused", error=f"the destination {reason}")
            raise Retry(f"the destination {reason}")
        event = message.payload["event"]
        body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
        now = self.clock()
        stamp = int(now.timestamp())
        headers = {
            "content-type": CONTENT_TYPE,
            "webhook-id": event["id"],
            "webhook-timestamp": str(stamp),
            "webhook-signature": signing.signature_header(valid_secrets(sub.secrets, now), event["id"], stamp, body),
            "user-agent": f"interreg-{self.service}-webhooks",
        }
        try:  # the answer's body is never read (a receiver cannot make this process hold a large one)
            async with self.client.stream("POST", sub.url, content=body, headers=headers) as answer:
                code, later = answer.status_code, retry_after(answer, now)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            await self._attempt(message, status=None, outcome="failed", error=f"{type(exc).__name__}: {exc}")
            raise Retry(f"no answer from the receiver: {type(exc).__name__}") from None
        if 200 <= code < 300:
            await self._attempt(message, status=code, outcome="delivered", error=None)
            return Outcome("delivered")
        if code == 410:
            await self._attempt(message, status=code, outcome="gone", error="410 Gone: the subscription is disabled")
            return Outcome("disabled")
        await self._attempt(message, status=code, outcome="failed", error=f"answered {code}")
        raise Retry(f"the receiver answered {code}", after=later)

    async def settle(self, session: AsyncSession, message: Message, result: Any) -> str:
        assert isinstance(result, Outcome)
        if result.outcome == "disabled":
            subs = self.tables.subscriptions
            await session.execute(
                update(subs)
                .where(subs.c.id == message.payload["subscription_id"])
                .values(active=False, disabled_reason="the receiver answered 410 Gone", updated_at=self.clock())
            )
            log.warning(
                "webhook subscription disabled: its receiver answered 410",
                subscription=message.payload["subscription_id"],
            )
        return result.outcome


def webhook_client(settings: WebhookSettings, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The HTTP client of a service's webhooks: the attempt's timeout, no redirect followed (a receiver
    cannot send an attempt on to an address the allow-list would refuse)."""
    return httpx.AsyncClient(
        timeout=settings.webhook_timeout_seconds, follow_redirects=False, transport=transport, verify=tls_context()
    )


def webhook_relay(
    service: str,
    db: Database,
    tables: WebhookTables,
    settings: WebhookSettings,
    clock: Clock,
    client: httpx.AsyncClient,
) -> Relay:
    """The relay of a service's webhook deliveries (`app.state.webhook_relay`)."""
    allowed = list(settings.webhook_allowed_destinations)
    sender = Sender(service, db, tables, client, clock, allowed, settings.webhook_timeout_seconds)
    return Relay(
        f"{service}-webhooks",
        db,
        tables.deliveries,
        {KIND: sender},
        clock,
        backoff_seconds=settings.webhook_backoff_seconds,
        max_backoff_seconds=settings.webhook_max_backoff_seconds,
        max_attempts=settings.webhook_max_attempts,
        poll_seconds=settings.webhook_poll_seconds,
        lease_seconds=settings.webhook_lease,  # a batch is sent at once: resolve, then POST
        batch=BATCH,
        jitter=settings.webhook_jitter,
    )
