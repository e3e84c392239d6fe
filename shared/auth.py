"""JWT bearer authentication with roles (`applicant`, `officer`, `controller`, `finance`, `admin`).

`controller`: a first-level controller (sees only the partners assigned to it). `finance`: a finance
officer who authorises or confirms payments (never both for one claim: four eyes by `sub`).

Development: HS256 tokens signed with `AUTH_SECRET` (`make token ROLE=officer SUB=olga`).
Production: tokens of the identity provider, verified against its JWKS (`AUTH_JWKS_URL`).
Claims used: `sub` (who), `roles` (list), `aud`, and optionally `org` (the applicant's organisation)
and `scope`.

Every token names its audience (`aud`): each service accepts only tokens for its own (`<SERVICE>_AUDIENCE`,
in development and tests the service's name; development tokens carry all four) and, when `AUTH_ISSUER`
is set, only its issuer; production refuses to start without both. A token with a `scope` claim (a
service's own token, RFC 9068 §2.2.3: space-separated) may make only the calls whose scope it names
(`require_roles(..., scope=...)`) and no other.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.clock import Clock, Monotonic, monotonic, system_clock
from shared.problems import Forbidden, Unauthorized
from shared.settings import AuthSettings

Role = Literal["applicant", "officer", "controller", "finance", "admin"]
ROLES: tuple[str, ...] = ("applicant", "officer", "controller", "finance", "admin")
SERVICES: tuple[str, ...] = ("catalogue", "applications", "eligibility", "budget")
"""The services, whose names are their audiences unless `<SERVICE>_AUDIENCE` says otherwise."""

_bearer = HTTPBearer(auto_error=False, description="JWT with claims `sub` and `roles`")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's subject, roles and (for applicants) organisation."""

    sub: str
    roles: frozenset[str] = field(default_factory=frozenset)
    organisation: str | None = None
    scopes: frozenset[str] | None = None
    """A service token's scopes (the calls it may make); None for a person's token."""

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_staff(self) -> bool:
        """Officers and admins read everything."""
        return self.has("officer", "admin")


class TokenVerifier:
    """Verifies bearer tokens with the shared secret or the identity provider's JWKS.

    A token's times (`exp`, `nbf`, `iat`, with `leeway_seconds`) are checked against `clock`: the real
    time (`system_clock`), also in an app run at a `FixedClock`'s business instant, since tokens are
    issued at the real time; a test passes a `FixedClock` and moves it through a token's lifetime."""

    def __init__(
        self, settings: AuthSettings, *, audience: str, clock: Clock = system_clock, now: Monotonic = monotonic
    ) -> None:
        self.settings = settings
        self.audience = audience
        self.clock = clock
        self.now = now
        # The key set is cached for an hour; a token naming a kid not in it fetches the set again (a
        # rotation), at most once per cooldown. No per-kid cache: it would keep a retired key valid.
        self._jwks = (
            _KeySet(
                settings.jwks_url,
                lifespan=3600,
                timeout=settings.jwks_timeout_seconds,
                cooldown_duration=settings.jwks_refresh_cooldown_seconds,
            )
            if settings.jwks_url
            else None
        )
        self._verified: dict[str, _Verified] = {}

    async def verify(self, token: str) -> Principal:
        """The caller `token` names, or a 401. A token verified before (the same string) is not verified
        again within `VERIFIED_SECONDS` while the key set is the one it was verified with; its times are
        checked on every use."""
        at = self.clock().timestamp()
        generation = self._jwks.generation if self._jwks is not None else 0
        known = self._verified.get(token)
        try:
            if known is not None and known.generation == generation and self.now() < known.until:
                check_times(known.claims, at, self.settings.leeway_seconds)
                return known.principal
            claims = await self._decode(token)
            check_times(claims, at, self.settings.leeway_seconds)
        except jwt.PyJWTError as exc:
            raise invalid_token(str(exc)) from None
        principal = principal_of(claims)
        if len(self._verified) >= VERIFIED_TOKENS:
            del self._verified[next(iter(self._verified))]  # the oldest
        generation = self._jwks.generation if self._jwks is not None else 0  # after a fetch the decode made
        self._verified[token] = _Verified(claims, principal, generation, self.now() + VERIFIED_SECONDS)
        return principal

    async def _decode(self, token: str) -> dict[str, Any]:
        """The claims of `token` once its signature, audience and issuer are verified (its times are not)."""
        if self._jwks is not None:
            signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
            key = signing_key.key
            algorithms = [a for a in self.settings.algorithms if not a.startswith("HS")]
        else:
            key = self.settings.secret
            algorithms = ["HS256"]
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=self.audience,
            issuer=self.settings.issuer,
            options={
                "require": ["sub", "exp", "aud"],
                "verify_aud": True,
                # PyJWT would check these against the system time: checked against the clock instead.
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
        return claims


VERIFIED_SECONDS = 300.0
"""How long a verified token is not verified again (`TokenVerifier.verify`); its times are checked always."""
VERIFIED_TOKENS = 10_000
"""How many verified tokens a process remembers (the oldest is forgotten first)."""


@dataclass(frozen=True)
class _Verified:
    claims: dict[str, Any]
    principal: Principal
    generation: int
    """The key set's `_KeySet.generation` it was verified with (0 with the shared secret)."""
    until: float
    """The verifier's monotonic reading (`now`) after which it is verified again."""


class _KeySet(jwt.PyJWKClient):
    """PyJWT's JWKS client, counting the key sets it fetched: a fetch (a rotation's new kid, or the hour's
    end) makes every token verified with the earlier set be verified again, so a retired key is refused
    as soon as the set without it arrives."""

    generation = 0

    def fetch_data(self) -> Any:
        data = super().fetch_data()
        self.generation += 1
        return data


def check_times(claims: dict[str, Any], now: float, leeway: float) -> None:
    """PyJWT's checks of a token's `iat`, `nbf` and `exp` (the same errors), at `now` (seconds since the
    epoch) instead of the system time: issued or valid from no later than `now` + `leeway`, expiring
    after `now` - `leeway`."""

    def seconds(name: str, error: type[jwt.PyJWTError], message: str) -> int | None:
        if name not in claims:
            return None
        try:
            return int(claims[name])
        except (ValueError, TypeError, OverflowError):
            raise error(message) from None

    iat = seconds("iat", jwt.InvalidIssuedAtError, "Issued At claim (iat) must be an integer.")
    if iat is not None and iat > now + leeway:
        raise jwt.ImmatureSignatureError("The token is not yet valid (iat)")
    nbf = seconds("nbf", jwt.DecodeError, "Not Before claim (nbf) must be an integer.")
    if nbf is not None and nbf > now + leeway:
        raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")
    exp = seconds("exp", jwt.DecodeError, "Expiration Time claim (exp) must be an integer.")
    if exp is not None and exp <= now - leeway:
        raise jwt.ExpiredSignatureError("Signature has expired")


def principal_of(claims: dict[str, Any]) -> Principal:
    """The caller a verified token names. `sub` must be a non-empty string, `roles` a list of known roles
    and `org`, when present, a string: a token shaped otherwise is refused (401), never guessed at."""

    refuse = invalid_token
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.strip() or len(sub) > 200:
        raise refuse("'sub' must be a non-empty string of at most 200 characters")
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise refuse("'roles' must be a list of role names")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise refuse(f"unknown roles {unknown}; known: {list(ROLES)}")
    org = claims.get("org")
    if org is not None and (not isinstance(org, str) or len(org) > 200):
        raise refuse("'org' must be a string")
    scope = claims.get("scope")
    if scope is not None and (not isinstance(scope, str) or not scope.split() or len(scope) > 2000):
        raise refuse("'scope' must be a non-empty string of space-separated scopes")
    scopes = frozenset(scope.split()) if scope is not None else None
    return Principal(sub=sub, roles=frozenset(roles), organisation=org, scopes=scopes)


def issue_token(
    settings: AuthSettings,
    *,
    sub: str,
    roles: list[str],
    org: str | None = None,
    ttl_seconds: int = 12 * 3600,
    clock: Clock = system_clock,
    audience: str | Sequence[str] = SERVICES,
    scope: str | None = None,
) -> str:
    """Sign a development token (HS256 with the shared secret), issued at `clock`'s instant, for
    `audience` (default: all four services) and, for a service's own token, with its `scope`."""
    now = int(clock().timestamp())
    aud = audience if isinstance(audience, str) else list(audience)
    claims: dict[str, object] = {"sub": sub, "roles": roles, "aud": aud, "iat": now, "exp": now + ttl_seconds}
    if org:
        claims["org"] = org
    if scope:
        claims["scope"] = scope
    if settings.issuer:
        claims["iss"] = settings.issuer
    return jwt.encode(claims, settings.secret, algorithm="HS256")


async def token_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal | None:
    """Whoever a present (and valid) bearer token names, scoped or not; None for anonymous calls."""
    if credentials is None:
        return None
    verifier: TokenVerifier = request.app.state.token_verifier
    return await verifier.verify(credentials.credentials)


def invalid_token(why: str) -> Unauthorized:
    """401 for a token that is not valid, `why` (PyJWT's words, or the claim's) kept as it is."""
    return Unauthorized(
        {
            "sv": f"bearer-token är inte giltig: {why}",
            "nb": f"bearer-tokenet er ikke gyldig: {why}",
            "en": f"the bearer token is not valid: {why}",
        },
        headers={"WWW-Authenticate": "Bearer"},
    )


def unscoped(principal: Principal | None) -> Principal | None:
    """A person's token passes; a scoped (service) token is refused (403) where no scope admits it."""
    if principal is not None and principal.scopes is not None:
        scopes = " ".join(sorted(principal.scopes))
        raise Forbidden(
            {
                "sv": f"en token med omfånget {scopes} får inte göra det här anropet",
                "nb": f"et token med omfanget {scopes} får ikke gjøre dette kallet",
                "en": f"a token with the scope {scopes} may not make this call",
            }
        )
    return principal


async def optional_principal(principal: Annotated[Principal | None, Depends(token_principal)]) -> Principal | None:
    """The caller if a bearer token is present (and valid); None for anonymous calls. Scoped tokens: 403."""
    return unscoped(principal)


def authenticated(principal: Principal | None) -> Principal:
    """The caller, or 401 problem+json when the request has no valid token."""
    if principal is None:
        raise Unauthorized(
            {
                "sv": "det här anropet kräver en bearer-token",
                "nb": "dette kallet krever et bearer-token",
                "en": "this endpoint needs a bearer token",
            },
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


async def current_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    """The authenticated caller; 401 problem+json without a valid token."""
    return authenticated(principal)


def require_roles(*roles: str, scope: str | None = None):  # type: ignore[no-untyped-def]
    """Dependency factory: the caller must hold one of `roles` (401 without a valid token, 403 otherwise);
    a scoped (service) token must also name `scope` (403 otherwise; without `scope`, scoped tokens are
    refused). On `token_principal` directly, not through `current_principal`: every level of
    dependencies is solved anew for every endpoint parameter that reaches it."""

    async def _dependency(principal: Annotated[Principal | None, Depends(token_principal)]) -> Principal:
        principal = authenticated(principal)
        if principal.scopes is not None and (scope is None or scope not in principal.scopes):
            if scope is None:
                unscoped(principal)
            has = " ".join(sorted(principal.scopes))
            raise Forbidden(
                {
                    "sv": f"anropet kräver omfånget {scope}; token har {has}",
                    "nb": f"kallet krever omfanget {scope}; tokenet har {has}",
                    "en": f"this call needs the scope {scope}; the token has {has}",
                }
            )
        if not principal.has(*roles):
            raise Forbidden(
                {
                    "sv": f"det här kräver rollen {' eller '.join(roles)}",
                    "nb": f"dette krever rollen {' eller '.join(roles)}",
                    "en": f"this needs the role {' or '.join(roles)}",
                }
            )
        return principal

    return _dependency


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
"""An admin's routes, in every service."""
Staff = Annotated[Principal, Depends(require_roles("officer", "admin"))]
"""The programme staff's routes (officers; admins may do what they do), in every service."""
Controller = Annotated[Principal, Depends(require_roles("controller"))]
"""A first-level controller's routes."""
Finance = Annotated[Principal, Depends(require_roles("finance"))]
"""A finance officer's routes (authorising or confirming a payment)."""
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
TokenPrincipal = Annotated[Principal | None, Depends(token_principal)]
"""Whoever the token names, scoped or not: for what every caller has (an idempotency key's owner), not
for deciding what it may do."""


def main() -> None:
    """`python -m shared.auth --role officer --sub olga` prints a development token."""
    parser = argparse.ArgumentParser(description="Print a development bearer token signed with AUTH_SECRET")
    parser.add_argument("--role", default="applicant", help="comma-separated roles: " + ", ".join(ROLES))
    parser.add_argument("--sub", default="dev-user")
    parser.add_argument("--org", default=None, help="organisation claim (optional)")
    parser.add_argument("--ttl", type=int, default=12 * 3600, help="lifetime in seconds")
    parser.add_argument(
        "--aud", default=",".join(SERVICES), help="comma-separated audiences (default: the four services' names)"
    )
    args = parser.parse_args()
    roles = [r.strip() for r in args.role.split(",") if r.strip()]
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        parser.error(f"unknown role {unknown}; use {', '.join(ROLES)}")
    audiences = [a.strip() for a in args.aud.split(",") if a.strip()]
    print(
        issue_token(AuthSettings(), sub=args.sub, roles=roles, org=args.org, ttl_seconds=args.ttl, audience=audiences)
    )


if __name__ == "__main__":
    main()
