"""The authorisation matrix harness: the three services in process, one merged OpenAPI, a World of tenants.

How the matrix works (`tests/authz/test_matrix.py`):

* `Platform` builds the membership, training and matching apps (environment="test", so development
  leniency never applies) on the module's test database, merges their OpenAPI documents as the gateway
  does (`gateway.openapi.merge`) and routes each request to the owning app (`gateway.routing.RoutingTable`)
  with the internal token of a chosen `Principal` — exactly what a service sees behind the gateway.
* `World` holds two organizations (A, B), two alliances (X, Y; A is an active member of X, B of Y), a
  committee of X, a person of each organization, an appointment — all created through the API as a platform
  admin — and builds principals for them (`world.org_admin(org)`, `world.alliance_admin(alliance)` …).
* Every write operation (POST/PUT/PATCH/DELETE) under `/v1` of the merged OpenAPI must carry `x-access` and
  have a scenario registered here under its exact OpenAPI path template; a route without one fails the build.

Adding a scenario (one per write route; put it in `tests/authz/scenarios/<area>.py` and import that module in
`tests/authz/scenarios/__init__.py`)::

    from tests.authz.harness import Case, Req, World, scenario

    @scenario("PATCH", "/v1/people/{person_id}")          # method + path exactly as in the OpenAPI document
    async def patch_person(w: World) -> Case:
        person = await w.admin_post("/v1/people", {"name": "张三", "org_id": w.org_a["id"]})  # fresh state
        return Case(
            request=Req("PATCH", f"/v1/people/{person['id']}", json={"title": "高级工程师"}),
            right=w.org_staff(w.org_a),                     # gets `expect`
            wrong_tenant=w.org_staff(w.org_b),              # same role, other org/alliance → 403 (None: no tenant)
            wrong_role=w.alliance_admin(w.alliance_x),      # role/scope/kind that may not → 403
            expect=200,
        )

The test then sends the request with no credentials (→ 401 + WWW-Authenticate), as each `wrong_role` and
`wrong_tenant` principal (→ 403, or `wrong_tenant_status`), and finally as `right` (→ `expect`); rejections
run first, so the success sees untouched state. Public routes (`allow(public=True)`): set `public=True` (the
matrix checks `x-access.public` and skips the 401/403 steps) and give `right=None` (anonymous) or a principal.
A scenario is called once per test run and may create what it needs with `w.admin_post(...)`/`w.admin(...)`;
`await w.memo(key, factory)` shares something expensive between scenarios. `Req.data`/`Req.files` send a
form or a multipart upload (e.g. `/v1/auth/token`).

Private reads (the 404 rule): register with `@private_read("GET", "/v1/people/{person_id}")`; the Case's
`wrong_tenant` principals must get 404 (`wrong_tenant_status` defaults to 404 there) and `right` `expect`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from chanjiao.auth import (
    ALL_SCOPES,
    ALLIANCE_ADMIN,
    ANONYMOUS,
    INTERNAL_TOKEN_HEADER,
    ORG_ADMIN,
    ORG_STAFF,
    PLATFORM_ADMIN,
    SERVICE_SCOPES,
    InternalTokenSigner,
    Principal,
)
from gateway.openapi import merge
from gateway.routing import RoutingTable
from services.matching.settings import MatchingSettings
from services.membership.settings import MembershipSettings
from services.training.settings import TrainingSettings
from tests.conftest import TEST_KEY, Database, scanning_client

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
RouteId = tuple[str, str]  # (METHOD, OpenAPI path template)


# ---- requests and cases -------------------------------------------------------------------------------------
@dataclass
class Req:
    """One concrete request: `path` with its ids filled in; `json`, or `data` (form) and/or `files` (multipart)."""

    method: str
    path: str
    json: Any = None
    data: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    headers: dict[str, str] | None = None


Principals = Principal | Sequence[Principal] | None


def as_list(p: Principals) -> list[Principal]:
    if p is None:
        return []
    if isinstance(p, Principal):
        return [p]
    return list(p)


@dataclass
class Case:
    """What a scenario answers: the request, who may (`right` → `expect`) and who may not.

    `wrong_role`: principals lacking the role, scope or credential kind (→ 403). `wrong_tenant`: the right role
    for another organization or alliance (→ `wrong_tenant_status`: by default 403 for writes, 404 for private
    reads; None when the route has no tenant). `right=None` means anonymous (public routes only).
    `check(response)` (sync or async) may assert more on success."""

    request: Req
    right: Principal | None
    wrong_tenant: Principals = None
    wrong_role: Principals = None
    expect: int | tuple[int, ...] = 200
    public: bool = False
    wrong_tenant_status: int | None = None  # None: 403 for a write, 404 for a private read
    check: Callable[[httpx.Response], Any] | None = None

    @property
    def expected(self) -> tuple[int, ...]:
        return self.expect if isinstance(self.expect, tuple) else (self.expect,)


Scenario = Callable[["World"], Awaitable[Case]]

SCENARIOS: dict[RouteId, Scenario] = {}
PRIVATE_READS: dict[RouteId, Scenario] = {}


def _register(registry: dict[RouteId, Scenario], method: str, path: str) -> Callable[[Scenario], Scenario]:
    key = (method.upper(), path)

    def decorate(fn: Scenario) -> Scenario:
        if key in registry:
            raise RuntimeError(f"two scenarios for {key[0]} {key[1]}")
        registry[key] = fn
        return fn

    return decorate


def scenario(method: str, path: str) -> Callable[[Scenario], Scenario]:
    """Register the scenario of one write route (`method` + OpenAPI path template)."""
    return _register(SCENARIOS, method, path)


def private_read(method: str, path: str) -> Callable[[Scenario], Scenario]:
    """Register a read of a private record: `wrong_tenant` gets `wrong_tenant_status` (404), `right` 200."""
    return _register(PRIVATE_READS, method, path)


# ---- the platform: three apps, one routing table ----------------------------------------------------------
def _settings(database: Database) -> dict[str, Any]:
    common = {"internal_token_key": TEST_KEY, "environment": "test"}
    return {
        "membership": MembershipSettings(
            database_url=database.urls["membership"], argon2_time_cost=1, argon2_memory_kib=1024, **common
        ),
        "training": TrainingSettings(database_url=database.urls["training"], **common),
        "matching": MatchingSettings(database_url=database.urls["matching"], **common),
    }


def build_apps(database: Database) -> dict[str, FastAPI]:
    from services.matching.main import create_app as matching_app
    from services.membership.main import create_app as membership_app
    from services.training.main import create_app as training_app

    settings = _settings(database)
    return {
        "membership": membership_app(settings["membership"]),
        "training": training_app(settings["training"]),
        "matching": matching_app(settings["matching"]),
    }


class Platform:
    """The services in process behind one routing table, called as the gateway calls them."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.apps = apps
        self.routing = RoutingTable()
        self.signer = InternalTokenSigner(TEST_KEY)
        self.clients: dict[str, httpx.AsyncClient] = {}
        self._stack = AsyncExitStack()
        self.openapi: dict[str, Any] = {}

    async def __aenter__(self) -> Platform:
        # A service calling another through the gateway (training asking membership about an
        # organization) reaches the apps in process through the same routing, as its service principal.
        for app in self.apps.values():
            app.state.gateway_transport = ServiceGatewayTransport(self)
        for name, app in self.apps.items():
            await self._stack.enter_async_context(app.router.lifespan_context(app))
            self.clients[name] = await self._stack.enter_async_context(
                scanning_client(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
            )
        self.openapi = merge({name: app.openapi() for name, app in self.apps.items()}, {"paths": {}})
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    def headers(self, principal: Principal | None) -> dict[str, str]:
        return {INTERNAL_TOKEN_HEADER: self.signer.token_for(principal or ANONYMOUS).decode()}

    async def send(self, principal: Principal | None, req: Req) -> httpx.Response:
        target = self.routing.resolve(req.path)
        if target not in self.clients:
            raise AssertionError(f"{req.method} {req.path}: routed to {target!r}, not to a service in process")
        kwargs: dict[str, Any] = {"params": req.params, "headers": {**(req.headers or {}), **self.headers(principal)}}
        if req.json is not None:
            kwargs["json"] = req.json
        if req.data is not None:
            kwargs["data"] = req.data
        if req.files is not None:
            kwargs["files"] = req.files
        return await self.clients[target].request(req.method, req.path, **kwargs)

    def operations(self) -> dict[RouteId, dict[str, Any]]:
        """Every operation of the merged document: (METHOD, path template) → its OpenAPI operation."""
        ops = {}
        for path, item in self.openapi["paths"].items():
            for method, op in item.items():
                if isinstance(op, dict) and method.upper() in (*WRITE_METHODS, "GET", "HEAD"):
                    ops[(method.upper(), path)] = op
        return ops

    def write_operations(self) -> dict[RouteId, dict[str, Any]]:
        return {k: v for k, v in self.operations().items() if k[0] in WRITE_METHODS and k[1].startswith("/v1/")}


class ServiceGatewayTransport(httpx.AsyncBaseTransport):
    """What the gateway does for `X-Chanjiao-Service-Token`, for the apps in process: verify the token and
    forward as `Principal(kind="service", subject=<service>, scopes=SERVICE_SCOPES[<service>])`."""

    def __init__(self, platform: Platform) -> None:
        from chanjiao.service_client import ServiceTokenVerifier

        self.platform = platform
        self.verifier = ServiceTokenVerifier(TEST_KEY)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        name = self.verifier.verify(request.headers["x-chanjiao-service-token"].encode())
        principal = Principal(kind="service", subject=name, scopes=SERVICE_SCOPES[name])
        target = self.platform.routing.resolve(request.url.path)
        client = self.platform.clients[target]
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("x-chanjiao-service-token", "host")}
        r = await client.request(
            request.method,
            request.url.path,
            params=request.url.params,
            content=await request.aread(),
            headers={**headers, **self.platform.headers(principal)},
        )
        return httpx.Response(r.status_code, headers=r.headers, content=r.content)


# ---- principals ---------------------------------------------------------------------------------------------
PLATFORM = Principal(kind="user", subject="authz-platform-admin", roles=(PLATFORM_ADMIN,), scopes=ALL_SCOPES)


def _id(x: Any) -> str:
    return str(x["id"] if isinstance(x, dict) else x)


def _subject(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def org_admin(org: Any, *, scopes: Sequence[str] = ALL_SCOPES) -> Principal:
    """A user who is the organization's org_admin."""
    return Principal(
        kind="user", subject=_subject("org-admin"), org_id=_id(org), roles=(ORG_ADMIN,), scopes=tuple(scopes)
    )


def org_staff(org: Any, *, scopes: Sequence[str] = ALL_SCOPES) -> Principal:
    return Principal(
        kind="user", subject=_subject("org-staff"), org_id=_id(org), roles=(ORG_STAFF,), scopes=tuple(scopes)
    )


def org_key(org: Any, *, scopes: Sequence[str] = ALL_SCOPES) -> Principal:
    """An organization's API key (acts as its org_admin, limited to `scopes`)."""
    return Principal(
        kind="api_key", subject=_subject("org-key"), org_id=_id(org), roles=(ORG_ADMIN,), scopes=tuple(scopes)
    )


def alliance_admin(*alliances: Any, scopes: Sequence[str] = ALL_SCOPES) -> Principal:
    """A user holding alliance grants (the secretariat)."""
    return Principal(
        kind="user",
        subject=_subject("alliance-admin"),
        roles=(ALLIANCE_ADMIN,),
        scopes=tuple(scopes),
        alliances=tuple(_id(a) for a in alliances),
    )


def alliance_key(alliance: Any, *, scopes: Sequence[str] = ALL_SCOPES) -> Principal:
    """An alliance's API key (a secretariat's own system, acting as that alliance's admin)."""
    return Principal(
        kind="api_key",
        subject=_subject("alliance-key"),
        roles=(ALLIANCE_ADMIN,),
        scopes=tuple(scopes),
        alliances=(_id(alliance),),
    )


def service(name: str) -> Principal:
    """A service principal, with the scopes the gateway gives it (reads only)."""
    return Principal(kind="service", subject=name, scopes=SERVICE_SCOPES[name])


# ---- the world ----------------------------------------------------------------------------------------------
@dataclass
class World:
    """Tenants and records shared by every scenario (created once per module through the API)."""

    platform: Platform
    org_a: dict[str, Any] = field(default_factory=dict)  # enterprise, active member of X
    org_b: dict[str, Any] = field(default_factory=dict)  # enterprise, active member of Y
    school_a: dict[str, Any] = field(default_factory=dict)  # higher-vocational school, active member of X
    alliance_x: dict[str, Any] = field(default_factory=dict)
    alliance_y: dict[str, Any] = field(default_factory=dict)
    membership_a_x: dict[str, Any] = field(default_factory=dict)
    membership_b_y: dict[str, Any] = field(default_factory=dict)
    committee_x: dict[str, Any] = field(default_factory=dict)
    committee_y: dict[str, Any] = field(default_factory=dict)
    person_a: dict[str, Any] = field(default_factory=dict)
    person_b: dict[str, Any] = field(default_factory=dict)
    appointment_a: dict[str, Any] = field(default_factory=dict)  # person_a (org A) appointed at school_a
    _memo: dict[str, Any] = field(default_factory=dict)

    # principals (fresh subjects each call; roles/org/alliances as named)
    platform_admin = PLATFORM
    org_admin = staticmethod(org_admin)
    org_staff = staticmethod(org_staff)
    org_key = staticmethod(org_key)
    alliance_admin = staticmethod(alliance_admin)
    alliance_key = staticmethod(alliance_key)
    service = staticmethod(service)

    async def send(self, principal: Principal | None, req: Req) -> httpx.Response:
        return await self.platform.send(principal, req)

    async def admin(self, method: str, path: str, *, ok: Sequence[int] = (200, 201, 204), **kw: Any) -> Any:
        """A request as the platform admin that must succeed; answers the JSON body (or None)."""
        r = await self.platform.send(PLATFORM, Req(method, path, **kw))
        assert r.status_code in ok, f"setup {method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content and r.headers.get("content-type", "").endswith("json") else None

    async def admin_post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return await self.admin("POST", path, json=json, **kw)

    async def memo(self, key: str, factory: Callable[[], Awaitable[Any]]) -> Any:
        """Create something once per module and share it between scenarios."""
        if key not in self._memo:
            self._memo[key] = await factory()
        return self._memo[key]

    # ---- factories (fresh records for scenarios that consume state) ----
    async def new_org(self, org_type: str = "enterprise", **overrides: Any) -> dict[str, Any]:
        body = {"name": f"矩阵单位{uuid.uuid4().hex[:8]}", "org_type": org_type, "region_code": "370303", **overrides}
        return await self.admin_post("/v1/organizations", body)

    async def new_member(self, alliance: Any, org: Any, *, active: bool = True, role: str = "member") -> dict[str, Any]:
        m = await self.admin_post(
            "/v1/memberships",
            {"org_id": _id(org), "alliance_id": _id(alliance), "role": role, "applied_on": "2020-01-01"},
        )
        if active:
            m = await self.admin_post(
                f"/v1/memberships/{m['id']}/transitions", {"to": "active", "effective_on": "2020-02-01"}
            )
        return m

    async def new_alliance(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "name": f"矩阵联盟{uuid.uuid4().hex[:8]}",
            "kind": "vocational_education_group",
            "level": "provincial",
            **overrides,
        }
        return await self.admin_post("/v1/alliances", body)

    async def new_person(self, org: Any, **overrides: Any) -> dict[str, Any]:
        return await self.admin_post(
            "/v1/people", {"name": f"李工{uuid.uuid4().hex[:4]}", "org_id": _id(org), **overrides}
        )

    async def new_committee(self, alliance: Any, **overrides: Any) -> dict[str, Any]:
        body = {
            "alliance_id": _id(alliance),
            "name": f"专业指导委员会{uuid.uuid4().hex[:6]}",
            "body_type": "working_committee",
        }
        return await self.admin_post("/v1/committees", {**body, **overrides})

    async def new_appointment(self, person: Any, host: Any, **overrides: Any) -> dict[str, Any]:
        body = {
            "person_id": _id(person),
            "host_org_id": _id(host),
            "appointment_type": "industry_professor",
            "start_on": "2026-09-01",
            **overrides,
        }
        return await self.admin_post("/v1/appointments", body)


async def build_world(platform: Platform) -> World:
    w = World(platform=platform)
    w.alliance_x = await w.new_alliance()
    w.alliance_y = await w.new_alliance()
    w.org_a = await w.new_org("enterprise")
    w.org_b = await w.new_org("enterprise")
    w.school_a = await w.new_org("higher_vocational")
    w.membership_a_x = await w.new_member(w.alliance_x, w.org_a)
    w.membership_b_y = await w.new_member(w.alliance_y, w.org_b)
    await w.new_member(w.alliance_x, w.school_a)
    w.committee_x = await w.new_committee(w.alliance_x)
    w.committee_y = await w.new_committee(w.alliance_y)
    w.person_a = await w.new_person(w.org_a, tags=["expert"])
    w.person_b = await w.new_person(w.org_b, tags=["expert"])
    w.appointment_a = await w.new_appointment(w.person_a, w.school_a)
    return w
