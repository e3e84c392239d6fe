"""Where a webhook may be sent: `https` to a public address, unless the host is allow-listed
(`<SERVICE>_WEBHOOK_ALLOWED_DESTINATIONS`: host names, addresses or networks such as `10.0.0.0/8`),
which also allows `http`. Private, link-local, loopback and other non-global addresses are refused
when a subscription is saved (an address literal or `localhost`: a 422 naming the field) and again when
each attempt resolves the host (a name that resolves to one is not called), so a name cannot be pointed
inside the network later.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from shared.problems import FieldError, Unprocessable

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?")


def _listed(host: str, address: Address | None, allowed: Sequence[str]) -> bool:
    for entry in allowed:
        if entry.lower() == host.lower():
            return True
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
    return False


def _address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def problem(url: str, allowed: Sequence[str]) -> str | None:
    """Why `url` may not be a destination (None: it may), judged without resolving its host."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 — a port out of range raises here
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("http", "https") or not host:
        return "must be an http(s) URL with a host"
    if parts.username is not None or parts.password is not None:
        return "must not carry credentials"
    address = _address(host)
    if address is None and not HOST_NAME.fullmatch(host):
        return "must name its host in letters, digits, dots and hyphens (punycode for an international name)"
    if _listed(host, address, allowed):
        return None
    if parts.scheme != "https":
        return "must use https (http only to a host in the allow-list)"
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return "is a loopback host, not in the allow-list"
    if address is not None and not address.is_global:
        return f"is a private, link-local or loopback address ({address}), not in the allow-list"
    return None


def check(url: str, allowed: Sequence[str], *, field: str = "url") -> None:
    """422 naming `field` when `url` may not be a destination."""
    reason = problem(url, allowed)
    if reason is not None:
        raise Unprocessable(f"{field} {reason}", errors=[FieldError(field=field, message=f"the destination {reason}")])


async def refused(url: str, allowed: Sequence[str], *, resolve_seconds: float = 5.0) -> str | None:
    """At an attempt: why the host's addresses may not be called now (None: they may)."""
    reason = problem(url, allowed)
    if reason is not None:
        return reason
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _listed(host, _address(host), allowed):
        return None
    try:
        async with asyncio.timeout(resolve_seconds):
            infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except TimeoutError:
        return f"does not resolve within {resolve_seconds} s"
    except (OSError, UnicodeError) as exc:
        return f"does not resolve ({exc})"
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global and not _listed(host, address, allowed):
            return f"resolves to a non-public address ({address}), not in the allow-list"
    return None
