"""Standard Webhooks signatures (https://www.standardwebhooks.com/): what the sender puts in the headers
and what a receiver checks (the README's verification snippets do the same in Python and TypeScript).

    webhook-id:         the event's id (stable across retries: the receiver's idempotency key)
    webhook-timestamp:  Unix seconds of this attempt
    webhook-signature:  v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">, space-separated, one per
                        valid secret (two while a rotated-out secret is still valid)

A secret is `whsec_<base64>`; the HMAC key is the base64-decoded part.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping

PREFIX = "whsec_"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A fresh secret: `whsec_` and 32 random bytes in base64."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}` with the secret's key."""
    signed = f"{event_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def signature_header(secrets_: Iterable[str], event_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: one signature per secret, space-separated."""
    return " ".join(signature(s, event_id, timestamp, body) for s in secrets_)


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, now: float) -> bool:
    """What a receiver does: the timestamp within `TOLERANCE_SECONDS` of `now`, and one of the header's
    signatures equal (in constant time) to the one `secret` makes."""
    event_id, stamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not event_id or not stamp.isdigit() or abs(now - int(stamp)) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, event_id, int(stamp), body)
    return any(hmac.compare_digest(expected, given) for given in headers.get("webhook-signature", "").split())
