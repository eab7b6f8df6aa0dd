"""Service-to-service calls through the gateway, as the calling service's own principal.

A service never passes a user's token along. It calls `settings.gateway_url` with
`X-Chanjiao-Service-Token`: a short-lived HS256 token signed with the internal key
(`kind=service`, `sub=<service name>`). The gateway verifies it, looks the service's scopes up in
`chanjiao.auth.SERVICE_SCOPES` (never from the token) and forwards the call with the usual internal
token, so the service called sees `Principal(kind="service", subject=<name>, scopes=…)`.

The token has its own issuer and audience, so neither an internal token (which every service
receives) nor a user's access token can be replayed as a service token, and the other way round.

    client = make_service_client(settings)          # in lifespan; keep it for the process
    r = await call(client, "GET", f"/v1/organizations/{org_id}", upstream="membership")
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from chanjiao.http import make_client
from chanjiao.settings import ServiceSettings

SERVICE_TOKEN_HEADER = "x-chanjiao-service-token"
SERVICE_ISSUER = "chanjiao-service"
SERVICE_AUDIENCE = "chanjiao-gateway"
SERVICE_TOKEN_TTL_SECONDS = 120


@dataclass
class ServiceTokenSigner:
    """Signs the service token; a token is reused for half its lifetime."""

    key: str
    service: str
    ttl_seconds: int = SERVICE_TOKEN_TTL_SECONDS
    _token: str = ""
    _renew_at: float = 0.0

    def token(self, now: float | None = None) -> str:
        now = time.time() if now is None else now
        if self._token and now < self._renew_at:
            return self._token
        claims = {
            "iss": SERVICE_ISSUER,
            "aud": SERVICE_AUDIENCE,
            "iat": int(now),
            "exp": int(now) + self.ttl_seconds,
            "kind": "service",
            "sub": self.service,
        }
        self._token = jwt.encode(claims, self.key, algorithm="HS256")
        self._renew_at = now + self.ttl_seconds / 2
        return self._token

    def headers(self) -> dict[str, str]:
        return {SERVICE_TOKEN_HEADER: self.token()}


_signers: dict[tuple[str, str], ServiceTokenSigner] = {}


def service_signer(settings: ServiceSettings) -> ServiceTokenSigner:
    """The (process-wide, reused) signer for this service's settings."""
    key = settings.internal_token_key.get_secret_value()
    ck = (key, settings.service_name)
    signer = _signers.get(ck)
    if signer is None:
        signer = _signers[ck] = ServiceTokenSigner(key, settings.service_name)
    return signer


def service_token_headers(settings: ServiceSettings) -> dict[str, str]:
    """`{"X-Chanjiao-Service-Token": …}` for one call through the gateway."""
    return service_signer(settings).headers()


class ServiceAuth(httpx.Auth):
    """Puts a current service token on every request of a long-lived client."""

    def __init__(self, signer: ServiceTokenSigner) -> None:
        self.signer = signer

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[SERVICE_TOKEN_HEADER] = self.signer.token()
        yield request


def make_service_client(settings: ServiceSettings, **kwargs: Any) -> httpx.AsyncClient:
    """An httpx client for `settings.gateway_url` that calls as this service (see `chanjiao.http.call`)."""
    return make_client(settings.gateway_url, auth=ServiceAuth(service_signer(settings)), **kwargs)


@dataclass
class ServiceTokenVerifier:
    """The gateway's side: returns the service name of a valid token (cached until it expires).
    Raises `jwt.PyJWTError` for anything invalid."""

    key: str
    _cache: dict[bytes, tuple[float, str]] = field(default_factory=dict)

    def verify(self, token: bytes) -> str:
        now = time.time()
        hit = self._cache.get(token)
        if hit is not None:
            if hit[0] > now:
                return hit[1]
            del self._cache[token]
        claims = jwt.decode(
            token,
            self.key,
            algorithms=["HS256"],
            audience=SERVICE_AUDIENCE,
            issuer=SERVICE_ISSUER,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
        if claims.get("kind") != "service":
            raise jwt.InvalidTokenError("not a service token")
        name = str(claims["sub"])
        if len(self._cache) > 1_000:
            self._cache.clear()
        self._cache[token] = (float(claims["exp"]), name)
        return name
