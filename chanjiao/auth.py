"""Internal trust and per-route access declarations.

The gateway authenticates the caller and stamps every forwarded request with a short-lived,
signed internal token (HS256 JWT) carrying the principal. Services verify it on every `/v1/*`
request and never trust network position: a service port reached directly is useless.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, Request
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from chanjiao.errors import Forbidden, Unauthorized, problem_body
from chanjiao.i18n import wants_english

INTERNAL_TOKEN_HEADER = "x-chanjiao-internal-token"
_ISSUER = "chanjiao-gateway"
_AUDIENCE = "chanjiao-internal"

PrincipalKind = Literal["anonymous", "user", "api_key", "service"]


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind = "anonymous"
    subject: str = "anonymous"
    org_id: str | None = None
    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()

    @property
    def is_anonymous(self) -> bool:
        return self.kind == "anonymous"

    @property
    def actor(self) -> str:
        """How audit rows and events name who acted."""
        return self.subject if self.kind in ("anonymous",) else f"{self.kind}:{self.subject}"

    def cache_key(self) -> tuple[Any, ...]:
        return (self.kind, self.subject, self.org_id, self.roles, self.scopes)


ANONYMOUS = Principal()


@dataclass
class InternalTokenSigner:
    """Gateway side. Tokens for the same principal are reused for half their lifetime, so the
    hot path signs about once per principal per 30 s instead of once per request."""

    key: str
    ttl_seconds: int = 60
    _cache: dict[tuple[Any, ...], tuple[float, bytes]] = field(default_factory=dict)

    def token_for(self, principal: Principal) -> bytes:
        now = time.time()
        ck = principal.cache_key()
        hit = self._cache.get(ck)
        if hit is not None and hit[0] > now:
            return hit[1]
        claims = {
            "iss": _ISSUER,
            "aud": _AUDIENCE,
            "iat": int(now),
            "exp": int(now) + self.ttl_seconds,
            "kind": principal.kind,
            "sub": principal.subject,
            "org": principal.org_id,
            "roles": list(principal.roles),
            "scopes": list(principal.scopes),
        }
        token = jwt.encode(claims, self.key, algorithm="HS256").encode()
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[ck] = (now + self.ttl_seconds / 2, token)
        return token


@dataclass
class InternalTokenVerifier:
    """Service side; remembers verified tokens until they expire (same token, many requests)."""

    key: str
    _cache: dict[bytes, tuple[float, Principal]] = field(default_factory=dict)

    def verify(self, token: bytes) -> Principal:
        now = time.time()
        hit = self._cache.get(token)
        if hit is not None:
            if hit[0] > now:
                return hit[1]
            del self._cache[token]
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=["HS256"],
                audience=_AUDIENCE,
                issuer=_ISSUER,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(
                detail_zh="内部令牌无效或已过期", detail_en="Internal token is invalid or expired"
            ) from exc
        principal = Principal(
            kind=claims.get("kind", "anonymous"),
            subject=str(claims["sub"]),
            org_id=claims.get("org"),
            roles=tuple(claims.get("roles") or ()),
            scopes=tuple(claims.get("scopes") or ()),
        )
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[token] = (float(claims["exp"]), principal)
        return principal


class InternalTokenMiddleware:
    """Rejects any `/v1/*` request without a valid internal token (401 problem+json)."""

    def __init__(self, app: ASGIApp, verifier: InternalTokenVerifier) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        token = None
        for k, v in scope["headers"]:
            if k == INTERNAL_TOKEN_HEADER.encode():
                token = v
                break
        try:
            if token is None:
                raise Unauthorized(
                    detail_zh="请通过网关访问：缺少内部令牌",
                    detail_en="Call through the gateway: internal token missing",
                )
            principal = self.verifier.verify(token)
        except Unauthorized as exc:
            await _send_problem(scope, send, exc)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


async def _send_problem(scope: Scope, send: Send, exc: Unauthorized) -> None:
    english = wants_english(HTTPConnection(scope))
    body = json.dumps(
        problem_body(
            slug=exc.slug,
            title=exc.title_en if english else exc.title_zh,
            status=exc.status,
            detail=exc.detail_en if english else exc.detail_zh,
            instance=scope["path"],
            request_id=scope.get("state", {}).get("request_id"),
        ),
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": exc.status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", b'Bearer realm="chanjiao"'),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def current_principal(request: Request) -> Principal:
    return getattr(request.state, "principal", ANONYMOUS)


PrincipalDep = Annotated[Principal, Depends(current_principal)]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Access:
    """Who may call a route — declared on the route, checked in one place.

    `public`: anyone, always (public directory, verification). Otherwise the principal needs every
    scope in `scopes` (platform admins pass). Until the identity issue lands, anonymous callers are
    let through in development mode; outside it anonymous writes are 401.
    """

    public: bool = False
    scopes: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    def check(self, principal: Principal, *, method: str, development: bool) -> None:
        if self.public:
            return
        if principal.is_anonymous:
            if development or method in _SAFE_METHODS:
                return
            raise Unauthorized(detail_zh="写操作需要登录或 API 密钥", detail_en="Writes need a login or an API key")
        if "platform_admin" in principal.roles:
            return
        if self.roles and not set(self.roles) & set(principal.roles):
            raise Forbidden(detail_zh="当前身份无此操作权限", detail_en="Your role does not allow this")
        missing = [s for s in self.scopes if s not in principal.scopes]
        if missing:
            raise Forbidden(
                detail_zh=f"缺少权限范围：{', '.join(missing)}", detail_en=f"Missing scopes: {', '.join(missing)}"
            )

    def dependency(self) -> Any:
        access = self

        def _check(request: Request) -> Principal:
            principal = current_principal(request)
            access.check(principal, method=request.method, development=request.app.state.settings.is_development)
            return principal

        return Depends(_check)


def allow(*, public: bool = False, scopes: tuple[str, ...] = (), roles: tuple[str, ...] = ()) -> Any:
    """`dependencies=[allow(scopes=("membership:write",))]` on a route."""
    return Access(public=public, scopes=scopes, roles=roles).dependency()
