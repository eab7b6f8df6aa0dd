"""Authentication at the gateway: any credential in, one principal out.

* `Authorization: Bearer <access JWT>` — verified locally (Ed25519) against the JWKS that membership
  publishes at `GET /v1/auth/jwks`. The gateway fetches it itself (its own httpx client for
  membership, not through its public port) in the background at start-up, retrying every
  `JWKS_RETRY_SECONDS` until it has it and then every `jwks_refresh_seconds`; a token naming an
  unknown key id triggers a fetch at most once per `UNKNOWN_KID_REFETCH_SECONDS`. A verified token
  is remembered until it expires, so a client reusing it costs one dict lookup.
* `X-API-Key: <key>` — checked by membership (`POST /v1/auth/introspect`, as the service principal
  `gateway`), the answer (positive and negative) remembered under the key's SHA-256 for
  `api_key_cache_ttl_seconds` (≤ 60 s; a key's own expiry shortens it). Concurrent requests with
  the same uncached key share one introspection, and a key in use is re-checked in the background
  during the last quarter of its TTL (so requests do not wait for it). Membership down → 503 for that request (not
  anonymous, not cached).
* `X-Chanjiao-Service-Token` — a service calling through the gateway (`chanjiao.service_client`);
  its scopes come from `SERVICE_SCOPES`, never from the token.

No credential → anonymous. A present but invalid one → 401 with `WWW-Authenticate`, answered here. An
access token that is expired, malformed or not signed by membership is machine-readable (RFC 6750 §3.1):
problem type `urn:chanjiao:problem:invalid-token`, `error: invalid_token` in the body, and
`WWW-Authenticate: Bearer realm="chanjiao", error="invalid_token", error_description="…"` — an app
refreshes and retries. A genuine token past its expiry says so (`error_description="The access token
expired"`, `expired: true`): the routine case, an app refreshes without a second thought. Every other refusal
(an API key, a service token, an `Authorization` that is not Bearer) is the plain `unauthorized` problem with the
plain challenge, as for a missing credential.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from datetime import datetime
from typing import Any

import httpx
import jwt

from chanjiao.auth import ANONYMOUS, INTERNAL_TOKEN_HEADER, SERVICE_SCOPES, InternalTokenSigner, Principal
from chanjiao.errors import AppError, ServiceUnavailable, Unauthorized
from chanjiao.service_client import ServiceTokenVerifier
from chanjiao.tokens import AccessTokenExpired, AccessTokenVerifier
from gateway.proxy import Upstream
from gateway.settings import GatewaySettings

log = logging.getLogger("chanjiao.gateway.auth")

CREDENTIAL_HEADERS = frozenset({b"authorization", b"x-api-key", b"x-chanjiao-service-token"})
GATEWAY_PRINCIPAL = Principal(kind="service", subject="gateway", scopes=SERVICE_SCOPES["gateway"])
JWKS_RETRY_SECONDS = 2.0
UNKNOWN_KID_REFETCH_SECONDS = 10.0
MAX_API_KEY_LENGTH = 512
_MAX_CACHED_KEYS = 100_000


class AuthFailed(Exception):
    """Carries the problem to answer and the metrics label of what failed."""

    def __init__(self, error: AppError, credential: str, reason: str) -> None:
        super().__init__(reason)
        self.error = error
        self.credential = credential
        self.reason = reason


INVALID_TOKEN_DESCRIPTION = "The access token is invalid or expired"
INVALID_TOKEN_CHALLENGE = (
    f'Bearer realm="chanjiao", error="invalid_token", error_description="{INVALID_TOKEN_DESCRIPTION}"'
)
EXPIRED_TOKEN_DESCRIPTION = "The access token expired"
EXPIRED_TOKEN_CHALLENGE = (
    f'Bearer realm="chanjiao", error="invalid_token", error_description="{EXPIRED_TOKEN_DESCRIPTION}"'
)


class InvalidAccessToken(Unauthorized):
    """An expired or invalid access token: the app should refresh it (RFC 6750 §3.1 `invalid_token`)."""

    slug = "invalid-token"
    title_zh, title_en = "访问令牌无效或已过期", "Invalid or expired access token"

    def __post_init__(self) -> None:
        self.headers.setdefault("WWW-Authenticate", INVALID_TOKEN_CHALLENGE)
        self.extra.setdefault("error", "invalid_token")
        self.extra.setdefault("error_description", INVALID_TOKEN_DESCRIPTION)
        super().__post_init__()


def _invalid(credential: str, zh: str, en: str) -> AuthFailed:
    return AuthFailed(Unauthorized(detail_zh=zh, detail_en=en), credential, "invalid")


def _invalid_access_token(*, expired: bool = False) -> AuthFailed:
    if expired:  # a genuine token past its `exp` (chanjiao/tokens.py AccessTokenExpired)
        error = InvalidAccessToken(
            detail_zh="访问令牌已过期，请刷新令牌后重试",
            detail_en="The access token expired; refresh it and retry",
            headers={"WWW-Authenticate": EXPIRED_TOKEN_CHALLENGE},
            extra={"error_description": EXPIRED_TOKEN_DESCRIPTION, "expired": True},
        )
    else:
        error = InvalidAccessToken(
            detail_zh="访问令牌无效或已过期，请刷新令牌后重试", detail_en=INVALID_TOKEN_DESCRIPTION
        )
    return AuthFailed(error, "jwt", "invalid")


def _unavailable(credential: str, zh: str, en: str, retry_after: int) -> AuthFailed:
    return AuthFailed(
        ServiceUnavailable(detail_zh=zh, detail_en=en, headers={"Retry-After": str(retry_after)}),
        credential,
        "unavailable",
    )


class Authenticator:
    def __init__(self, settings: GatewaySettings, membership: Upstream, signer: InternalTokenSigner) -> None:
        self.settings = settings
        self.membership = membership
        self.signer = signer
        self.retry_after = settings.retry_after_seconds
        self.jwt = AccessTokenVerifier()
        self.jwks_loaded_at: float | None = None  # monotonic
        self._last_kid_fetch = -math.inf
        self._jwks_fetch: asyncio.Task[bool] | None = None
        self._jwks_loop: asyncio.Task[None] | None = None
        self.key_ttl = float(settings.api_key_cache_ttl_seconds)
        # sha256(key) → (expires, principal or None, refresh after) on the monotonic clock
        self.keys: dict[bytes, tuple[float, Principal | None, float]] = {}
        self._inflight: dict[bytes, asyncio.Task[Principal | None]] = {}
        self.introspections = 0  # calls made to membership (tests, metrics)
        self.services = ServiceTokenVerifier(settings.internal_token_key.get_secret_value())
        self.service_principals = {
            name: Principal(kind="service", subject=name, scopes=scopes)
            for name, scopes in SERVICE_SCOPES.items()
            if name != "gateway"  # the gateway's own identity never comes in from outside
        }

    # ---- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        self._jwks_loop = asyncio.create_task(self._refresh_jwks_forever())

    async def close(self) -> None:
        tasks = [t for t in (self._jwks_loop, self._jwks_fetch, *self._inflight.values()) if t is not None]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._jwks_loop = self._jwks_fetch = None
        self._inflight.clear()

    def _internal_headers(self) -> dict[str, str]:
        return {INTERNAL_TOKEN_HEADER: self.signer.token_for(GATEWAY_PRINCIPAL).decode()}

    # ---- the hot path --------------------------------------------------------------------------------
    def cached(self, bearer: bytes | None, api_key: bytes | None, service: bytes | None) -> Principal | None:
        """The principal when it can be had without waiting (verified/cached); None when
        `authenticate` must be awaited. Raises AuthFailed."""
        if bearer is not None:
            if bearer[:7].lower() != b"bearer ":
                raise _invalid(
                    "jwt",
                    "Authorization 头只接受 Bearer 访问令牌",
                    "The Authorization header takes a Bearer access token only",
                )
            if len(bearer) > 8192:
                raise _invalid_access_token()
            token = bearer[7:].strip().decode("latin-1")
            try:
                return self.jwt.verify(token)
            except Unauthorized as failure:
                if self._can_fetch_for(token):
                    return None
                raise self._jwt_failure(failure) from None
        if api_key is not None:
            now = time.monotonic()
            digest = hashlib.sha256(api_key).digest()
            hit = self.keys.get(digest)
            if hit is not None and hit[0] > now:
                if hit[1] is None:
                    raise self._bad_key()
                if now > hit[2] and digest not in self._inflight:
                    self._start_introspection(api_key, digest)  # refresh ahead, answer from the cache
                return hit[1]
            return None
        if service is not None:
            try:
                name = self.services.verify(service)
            except jwt.PyJWTError:
                name = None
            principal = self.service_principals.get(name) if name else None
            if principal is None:
                raise _invalid("service", "服务令牌无效或已过期", "The service token is invalid or expired")
            return principal
        return ANONYMOUS

    async def authenticate(self, bearer: bytes | None, api_key: bytes | None, service: bytes | None) -> Principal:
        """The slow path, after `cached` returned None: fetch the JWKS, or introspect the key."""
        if bearer is not None:
            token = bearer[7:].strip().decode("latin-1")
            await self._fetch_jwks_once()
            try:
                return self.jwt.verify(token)
            except Unauthorized as failure:
                raise self._jwt_failure(failure) from None
        assert api_key is not None
        return await self._api_key(api_key)

    # ---- access tokens -------------------------------------------------------------------------------
    def _can_fetch_for(self, token: str) -> bool:
        """An unknown key id (or no keys yet): worth one JWKS fetch, at most every 10 s."""
        kid = self.jwt.unverified_kid(token)
        if kid is None or kid in self.jwt.keys:
            return False
        return time.monotonic() - self._last_kid_fetch >= UNKNOWN_KID_REFETCH_SECONDS

    def _jwt_failure(self, failure: Unauthorized) -> AuthFailed:
        if not self.jwt.keys:
            return _unavailable(
                "jwt",
                "暂时无法验证访问令牌：身份服务不可用，请稍后重试",
                "Cannot check access tokens right now: the identity service is unavailable; retry later",
                self.retry_after,
            )
        return _invalid_access_token(expired=isinstance(failure, AccessTokenExpired))

    async def _fetch_jwks_once(self) -> bool:
        """On-demand fetch for an unknown key id; concurrent callers share one."""
        if self._jwks_fetch is None or self._jwks_fetch.done():
            if time.monotonic() - self._last_kid_fetch < UNKNOWN_KID_REFETCH_SECONDS:
                return False
            self._last_kid_fetch = time.monotonic()
            self._jwks_fetch = asyncio.create_task(self.fetch_jwks())
        return await asyncio.shield(self._jwks_fetch)

    async def fetch_jwks(self) -> bool:
        client = self.membership.client
        if client is None:
            return False
        try:
            r = await client.get("/v1/auth/jwks", headers=self._internal_headers(), timeout=5.0)
            if r.status_code != 200:
                log.warning("JWKS fetch from membership answered %s", r.status_code)
                return False
            jwks = r.json()
            self.jwt.load_jwks(jwks)
        except (httpx.HTTPError, ValueError, TypeError) as exc:
            log.warning("JWKS fetch from membership failed: %r", exc)
            return False
        self.jwks_loaded_at = time.monotonic()
        return True

    async def _refresh_jwks_forever(self) -> None:
        while True:
            ok = await self.fetch_jwks()
            await asyncio.sleep(self.settings.jwks_refresh_seconds if ok or self.jwt.keys else JWKS_RETRY_SECONDS)

    # ---- API keys ----------------------------------------------------------------------------------
    @staticmethod
    def _bad_key() -> AuthFailed:
        return _invalid("api_key", "API 密钥无效、已吊销或已过期", "The API key is invalid, revoked or expired")

    async def _api_key(self, api_key: bytes) -> Principal:
        digest = hashlib.sha256(api_key).digest()
        task = self._inflight.get(digest) or self._start_introspection(api_key, digest)
        principal = await asyncio.shield(task)
        if principal is None:
            raise self._bad_key()
        return principal

    def _start_introspection(self, api_key: bytes, digest: bytes) -> asyncio.Task[Principal | None]:
        task = asyncio.create_task(self._introspect(api_key, digest))
        self._inflight[digest] = task
        task.add_done_callback(lambda t: self._introspected(digest, t))
        return task

    def _introspected(self, digest: bytes, task: asyncio.Task[Principal | None]) -> None:
        if self._inflight.get(digest) is task:
            del self._inflight[digest]
        if not task.cancelled():
            task.exception()  # retrieved here, so a failure nobody awaits any more is not logged as lost

    def _remember(self, digest: bytes, principal: Principal | None, ttl: float) -> None:
        if len(self.keys) >= _MAX_CACHED_KEYS:
            now = time.monotonic()
            self.keys = {k: v for k, v in self.keys.items() if v[0] > now}
            if len(self.keys) >= _MAX_CACHED_KEYS:
                self.keys.clear()
        now = time.monotonic()
        # A valid key is re-checked in the background during the last quarter of its TTL, so a busy
        # key never makes requests wait; a revoked one still stops within the TTL.
        refresh = now + 0.75 * ttl if principal is not None else math.inf
        self.keys[digest] = (now + ttl, principal, refresh)

    async def _introspect(self, api_key: bytes, digest: bytes) -> Principal | None:
        if len(api_key) > MAX_API_KEY_LENGTH or not api_key.strip():
            self._remember(digest, None, self.key_ttl)
            return None
        unavailable = _unavailable(
            "api_key",
            "暂时无法验证 API 密钥：身份服务不可用，请稍后重试",
            "Cannot check the API key right now: the identity service is unavailable; retry later",
            self.retry_after,
        )
        client = self.membership.client
        if client is None:
            raise unavailable
        self.introspections += 1
        try:
            r = await client.post(
                "/v1/auth/introspect",
                json={"api_key": api_key.decode("latin-1")},
                headers=self._internal_headers(),
            )
        except httpx.HTTPError as exc:
            log.warning("API key introspection failed: %r", exc)
            raise unavailable from exc
        if r.status_code != 200:
            log.warning("API key introspection answered %s", r.status_code)
            raise unavailable
        try:
            body: dict[str, Any] = r.json()
            principal, ttl = self._from_introspection(body)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("API key introspection answered something unexpected: %r", exc)
            raise unavailable from exc
        self._remember(digest, principal, ttl)
        return principal

    def _from_introspection(self, body: dict[str, Any]) -> tuple[Principal | None, float]:
        if not body.get("active"):
            return None, self.key_ttl
        p = body["principal"]
        principal = Principal(
            kind="api_key",
            subject=str(p["subject"]),
            org_id=str(p["org_id"]) if p.get("org_id") else None,
            roles=tuple(p.get("roles") or ()),
            scopes=tuple(p.get("scopes") or ()),
            alliances=tuple(str(a) for a in p.get("alliances") or ()),
        )
        ttl = self.key_ttl
        expires_at = body.get("expires_at")
        if expires_at:
            left = datetime.fromisoformat(str(expires_at).replace("Z", "+00:00")).timestamp() - time.time()
            ttl = min(ttl, max(0.0, left))
        return principal, ttl
