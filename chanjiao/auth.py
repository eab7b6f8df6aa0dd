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

# ---- the vocabulary (docs/identity.md, "Roles, scopes, tenants") ---------------------------------
PLATFORM_ADMIN = "platform_admin"
ALLIANCE_ADMIN = "alliance_admin"
ORG_ADMIN = "org_admin"
ORG_STAFF = "org_staff"
ROLES = (PLATFORM_ADMIN, ALLIANCE_ADMIN, ORG_ADMIN, ORG_STAFF)

SCOPES: dict[str, str] = {
    "membership:read": "读取单位、联盟、成员资格、人员 Read organizations, alliances, memberships, people",
    "membership:write": "维护单位、人员、成员资格与机构 Write organizations, people, memberships, committees",
    "training:read": "读取培训、学员、证书、实践记录 Read training, learners, certificates, practice records",
    "training:write": "登记培训、学员、证书、实践记录 Write training, learners, certificates, practice records",
    "training:reveal": "查看学员完整证件号码（每次留痕）Reveal a learner's full ID number (audited)",
    "matching:read": "读取需求、供给、对接 Read demands, offers, matches",
    "matching:write": "登记需求、供给、对接 Write demands, offers, matches",
}
ALL_SCOPES = tuple(SCOPES)
READ_SCOPES = tuple(s for s in SCOPES if s.endswith(":read"))

# What a service principal may do when it calls another service through the gateway: reads only,
# and only of what it needs (docs/identity.md, "Credentials"). The gateway takes scopes from this table, never
# from the caller's claims. `gateway` is the gateway itself asking membership to check an API key.
SERVICE_SCOPES: dict[str, tuple[str, ...]] = {
    "gateway": ("identity:introspect",),
    "membership": (),
    "training": ("membership:read",),
    "matching": ("membership:read", "training:read"),
}


def scopes_for_roles(roles: tuple[str, ...]) -> tuple[str, ...]:
    """Users get every scope their roles allow; what they may touch is limited by role and tenant.
    (Scopes narrow API keys, which are created with a chosen subset.)"""
    return ALL_SCOPES if roles else ()


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the gateway established it.

    `org_id`: the organization a user or key belongs to (at most one). `alliances`: the alliances
    whose admin this principal is (alliance grants of a user, or the alliance of an alliance key).
    """

    kind: PrincipalKind = "anonymous"
    subject: str = "anonymous"
    org_id: str | None = None
    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    alliances: tuple[str, ...] = ()

    @property
    def is_anonymous(self) -> bool:
        return self.kind == "anonymous"

    @property
    def is_platform_admin(self) -> bool:
        return PLATFORM_ADMIN in self.roles

    @property
    def actor(self) -> str:
        """How audit rows and events name who acted."""
        return self.subject if self.kind in ("anonymous",) else f"{self.kind}:{self.subject}"

    def acts_for_org(self, org_id: object, roles: tuple[str, ...] = (ORG_ADMIN, ORG_STAFF)) -> bool:
        """True when this principal belongs to `org_id` with one of `roles` (platform admins: always)."""
        if self.is_platform_admin:
            return True
        return org_id is not None and self.org_id == str(org_id) and bool(set(self.roles) & set(roles))

    def administers_alliance(self, alliance_id: object) -> bool:
        if self.is_platform_admin:
            return True
        return ALLIANCE_ADMIN in self.roles and str(alliance_id) in self.alliances

    def cache_key(self) -> tuple[Any, ...]:
        return (self.kind, self.subject, self.org_id, self.roles, self.scopes, self.alliances)


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
            "alliances": list(principal.alliances),
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
            alliances=tuple(claims.get("alliances") or ()),
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

# What the target of a route is, for tenant checks (documented in OpenAPI as `x-access.tenant`):
#   organization — the record belongs to one organization; only its principals (and the admins the
#                  route names) may write it; wrong org → 403, private read of another org → 404.
#   alliance     — the record belongs to an alliance; only that alliance's admins may write it.
#   self         — the calling user's own account.
# The check itself runs in the service (it needs the record); the declaration says which applies.
Tenant = Literal["organization", "alliance", "self"]
ALL_KINDS: tuple[PrincipalKind, ...] = ("user", "api_key", "service")


@dataclass(frozen=True)
class Access:
    """Who may call a route — declared on the route as data, checked in one place.

    `public`: anyone, always (public directory, verification, login). Otherwise the caller must be
    authenticated (401 with `WWW-Authenticate` if not), be of one of `kinds`, hold one of `roles`
    (when given; platform admins pass) and every scope in `scopes` (403 naming the scope; platform
    admins too — a narrowed token is narrowed for everyone).
    `tenant` names whose record the route writes; the service checks it with the record at hand.
    """

    public: bool = False
    scopes: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    kinds: tuple[PrincipalKind, ...] = ALL_KINDS
    tenant: Tenant | None = None

    def check(self, principal: Principal) -> None:
        if self.public:
            return
        if principal.is_anonymous:
            raise Unauthorized(
                detail_zh="请先登录或提供 API 密钥", detail_en="Sign in or send an API key (X-API-Key) first"
            )
        if principal.kind not in self.kinds:
            raise Forbidden(
                detail_zh=f"此操作只接受以下身份：{', '.join(self.kinds)}",
                detail_en=f"Only these credentials may do this: {', '.join(self.kinds)}",
            )
        # Scopes are a ceiling for everyone, platform admins included: a token narrowed at login
        # (`scope=`) cannot do more than it carries. Platform admins pass the role check only.
        missing = [s for s in self.scopes if s not in principal.scopes]
        if missing:
            raise Forbidden(
                detail_zh=f"缺少权限范围：{', '.join(missing)}", detail_en=f"Missing scope: {', '.join(missing)}"
            )
        if principal.is_platform_admin:
            return
        if self.roles and not set(self.roles) & set(principal.roles):
            raise Forbidden(
                detail_zh=f"需要以下角色之一：{', '.join(self.roles)}",
                detail_en=f"Needs one of these roles: {', '.join(self.roles)}",
            )

    def describe(self) -> dict[str, Any]:
        """The `x-access` extension of the route's OpenAPI operation."""
        if self.public:
            return {"public": True}
        return {
            "public": False,
            "roles": list(self.roles),
            "scopes": list(self.scopes),
            "kinds": list(self.kinds),
            "tenant": self.tenant,
        }

    def dependency(self) -> Any:
        access = self

        def _check(request: Request) -> Principal:
            principal = current_principal(request)
            access.check(principal)
            return principal

        _check.__access__ = access  # type: ignore[attr-defined]
        return Depends(_check)


def allow(
    *,
    public: bool = False,
    scopes: tuple[str, ...] = (),
    roles: tuple[str, ...] = (),
    kinds: tuple[PrincipalKind, ...] = ALL_KINDS,
    tenant: Tenant | None = None,
) -> Any:
    """`dependencies=[allow(scopes=("membership:write",), tenant="organization")]` on a route."""
    return Access(public=public, scopes=scopes, roles=roles, kinds=kinds, tenant=tenant).dependency()


# OpenAPI security schemes: Swagger UI's Authorize button logs in with the password grant, or takes
# an API key. Services document them; the gateway's merged document keeps them.
SECURITY_SCHEMES: dict[str, Any] = {
    "OAuth2Password": {
        "type": "oauth2",
        "description": "用户登录（移动端、文档页）Users: OAuth2 password grant; the access token lives 15 minutes.",
        "flows": {"password": {"tokenUrl": "/v1/auth/token", "refreshUrl": "/v1/auth/token", "scopes": SCOPES}},
    },
    "ApiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "第三方系统 Systems: an API key of an organization or an alliance, with scopes.",
    },
}


def describe_access_markdown(access: Access) -> str:
    if access.public:
        return "**权限 Access:** public — no credentials needed."
    parts = []
    if access.roles:
        parts.append("roles: " + ", ".join(f"`{r}`" for r in access.roles))
    if access.scopes:
        parts.append("scopes: " + ", ".join(f"`{s}`" for s in access.scopes))
    if access.kinds != ALL_KINDS:
        parts.append("credentials: " + ", ".join(access.kinds))
    if access.tenant:
        parts.append(f"tenant: {access.tenant} (a wrong-{access.tenant} write is 403)")
    return "**权限 Access:** " + ("; ".join(parts) or "any authenticated caller") + "."


def document_access(schema: dict[str, Any], routes: Any) -> None:
    """Write each route's declared Access into its OpenAPI operation (`x-access`, `security`, a line
    of the description) and add the security schemes."""
    schema.setdefault("components", {}).setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    for route in api_routes(routes):
        access = route_access(route)
        path = getattr(route, "path_format", None)
        if access is None or path not in schema.get("paths", {}):
            continue
        for method in getattr(route, "methods", ()) or ():
            op = schema["paths"][path].get(method.lower())
            if op is None:
                continue
            op["x-access"] = access.describe()
            op["security"] = [] if access.public else [{"OAuth2Password": list(access.scopes)}, {"ApiKey": []}]
            line = describe_access_markdown(access)
            op["description"] = f"{op.get('description', '').rstrip()}\n\n{line}".lstrip()


def route_access(route: Any) -> Access | None:
    """The Access declared on a route (through `allow()` in its or its router's dependencies)."""
    for dep in getattr(route, "dependencies", ()) or ():
        access = getattr(getattr(dep, "dependency", None), "__access__", None)
        if access is not None:
            return access
    return None


def ensure_org(principal: Principal, org_id: object, roles: tuple[str, ...] = (ORG_ADMIN, ORG_STAFF)) -> None:
    """403 unless `principal` acts for `org_id` with one of `roles` (platform admins pass)."""
    if not principal.acts_for_org(org_id, roles):
        raise Forbidden(
            detail_zh="只能维护本单位的记录", detail_en="You may only write your own organization's records"
        )


def ensure_alliance_admin(principal: Principal, alliance_id: object) -> None:
    """403 unless `principal` administers `alliance_id` (platform admins pass)."""
    if not principal.administers_alliance(alliance_id):
        raise Forbidden(
            detail_zh="只有该联盟的管理员可以执行此操作", detail_en="Only this alliance's admins may do this"
        )


def api_routes(routes: Any) -> Any:
    """Every route of an app with its effective path, methods and dependencies. FastAPI (≥ 0.16x) includes
    routers lazily, so `app.routes` holds included-router entries rather than the routes themselves."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: included routes are copied into `app.routes`
        yield from routes
        return
    yield from iter_route_contexts(routes)
