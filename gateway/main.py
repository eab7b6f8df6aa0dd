"""The gateway: the only public port.

A raw ASGI entry point resolves the path against the routing table (data, `gateway/routing.py`);
upstream routes go straight to the proxy hot path, and only the gateway's own routes (health,
metrics, the merged OpenAPI document and its UIs, later the composed reports) reach FastAPI, without
authentication.

Every answer passes through CORS (gateway/cors.py: preflights answered here, `Access-Control-*` on
answers to allowed origins) and compression (gateway/compression.py: Brotli or gzip by
`Accept-Encoding`, never for answers that carry secrets).

Per proxied request: pick the credential (gateway/auth.py: a verified JWT or a cached API key is a
dict lookup), take from the rate-limit buckets (gateway/ratelimit.py), sign the internal token for
the principal (reused for half its life) and forward (gateway/proxy.py) with the `RateLimit-*`
headers added to the answer. A bad credential is 401 and an empty bucket 429, both answered here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter, Histogram
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from chanjiao.app import PROBLEM_SCHEMA, check_pinned, pin_operation_ids, unique_id
from chanjiao.auth import ANONYMOUS, SECURITY_SCHEMES, InternalTokenSigner
from chanjiao.bodies import BodyLimitMiddleware, BodyLimits, body_too_large
from chanjiao.errors import TooManyRequests, install_error_handlers
from chanjiao.etag import NO_STORE
from chanjiao.observability import Metrics, RequestContextMiddleware, request_id_from_scope, request_id_var
from chanjiao.queries import STRICT_QUERY
from gateway.auth import CREDENTIAL_HEADERS, Authenticator, AuthFailed
from gateway.compression import Compression
from gateway.cors import OriginPolicy, api_key_from_browser, is_preflight, same_origin
from gateway.docs import install_docs
from gateway.openapi import OpenAPICache
from gateway.proxy import Upstream, proxy, send_app_error
from gateway.ratelimit import Decision, RateLimiter
from gateway.routing import RoutingTable
from gateway.settings import GatewaySettings

# Probes and scrapes are never rate limited; the gateway's other pages take from the anonymous bucket.
UNLIMITED_GATEWAY_PATHS = frozenset({"/health", "/health/ready", "/metrics"})
# Live status is never kept by a cache (chanjiao/etag.py, the Cache-Control rule table).
LIVE = {"Cache-Control": NO_STORE}
# Where an `Authorization` header that is not `Bearer` is an OAuth2 client's own authentication.
OAUTH_CLIENT_AUTH_PATHS = frozenset({"/v1/auth/token"})


class Gateway:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.table = RoutingTable()
        self.upstreams = {
            name: Upstream(
                name,
                url,
                connect_timeout=settings.connect_timeout_seconds,
                read_timeout=settings.read_timeout_seconds,
                pool_size=settings.pool_size_per_upstream,
            )
            for name, url in settings.upstream_urls().items()
        }
        self.signer = InternalTokenSigner(
            settings.internal_token_key.get_secret_value(), settings.internal_token_ttl_seconds
        )
        self.metrics = Metrics("gateway")
        self.upstream_requests = Counter(
            "chanjiao_gateway_upstream_requests_total",
            "Proxied requests",
            ["upstream", "status"],
            registry=self.metrics.registry,
        )
        self.upstream_latency = Histogram(
            "chanjiao_gateway_upstream_seconds",
            "Proxied request latency",
            ["upstream"],
            registry=self.metrics.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.auth_failures = Counter(
            "chanjiao_gateway_auth_failures_total",
            "Requests refused at the gateway for their credential (invalid → 401, unavailable → 503)",
            ["credential", "reason"],
            registry=self.metrics.registry,
        )
        self.rate_limited = Counter(
            "chanjiao_gateway_rate_limited_total",
            "Requests refused with 429, by the bucket that was empty",
            ["bucket"],
            registry=self.metrics.registry,
        )
        self.rate_limit_backend_errors = Counter(
            "chanjiao_gateway_rate_limit_backend_errors_total",
            "Requests let through unlimited because the rate-limit backend (Redis) was unavailable",
            registry=self.metrics.registry,
        )
        self.limiter = RateLimiter(
            settings,
            on_limited=lambda kind: self.rate_limited.labels(kind).inc(),
            on_backend_error=self.rate_limit_backend_errors.inc,
        )
        self.auth = Authenticator(settings, self.upstreams["membership"], self.signer)
        self.openapi_cache = OpenAPICache()
        self.body_limits = BodyLimits.from_settings(settings)
        self.cors = OriginPolicy(settings)
        self.compression = Compression(settings)
        self.inner = self._build_inner()

    # ---- hot path --------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        origin = next((v for k, v in scope["headers"] if k == b"origin"), None)
        if origin is not None:
            if is_preflight(scope):
                # Answered here: no service, credential or rate bucket is involved (gateway/cors.py).
                await self.cors.preflight(scope, send, origin, request_id_from_scope(scope))
                return
            send = self.cors.wrap(send, origin)
        elif self.cors.enabled:
            send = self.cors.wrap(send, None)
        scope, send = self.compression.wrap(scope, send)
        target = self.table.resolve(scope["path"])
        upstream = self.upstreams.get(target) if target else None
        if upstream is None:
            if target == "gateway" and scope["path"] not in UNLIMITED_GATEWAY_PATHS:
                await self._own_route(scope, receive, send)
            else:
                await self.inner(scope, receive, send)
            return
        rid = request_id_from_scope(scope)
        token = request_id_var.set(rid)
        started = time.perf_counter()
        try:
            status = await self._forward(scope, receive, send, upstream, rid)
        finally:
            request_id_var.reset(token)
        self.upstream_requests.labels(upstream.name, str(status)).inc()
        self.upstream_latency.labels(upstream.name).observe(time.perf_counter() - started)

    async def _forward(self, scope: Scope, receive: Receive, send: Send, upstream: Upstream, rid: str) -> int:
        """Refuse an oversized body, authenticate, rate-limit, forward. Returns the status sent to the client."""
        bearer = api_key = service = declared = origin = None
        for k, v in scope["headers"]:
            if k == b"origin":
                origin = v
            elif k in CREDENTIAL_HEADERS:
                if k == b"authorization":
                    bearer = v
                elif k == b"x-api-key":
                    api_key = v
                else:
                    service = v
            elif k == b"content-length":
                declared = v
        path = scope["path"]
        body_limit = self.body_limits.for_path(path)
        if declared is not None and declared.isdigit() and int(declared) > body_limit:
            # Refused on the declared length, before a byte of the body is read (and before authentication).
            await send_app_error(scope, send, body_too_large(body_limit), request_id=rid)
            return 413
        if api_key is not None and origin is not None and not same_origin(scope, origin):
            # API keys belong to servers; a browser page of another site never sends one (gateway/cors.py).
            await send_app_error(scope, send, api_key_from_browser(), request_id=rid)
            return 403
        if bearer is not None and path in OAUTH_CLIENT_AUTH_PATHS and bearer[:7].lower() != b"bearer ":
            bearer = None  # OAuth2 client authentication (`Basic`) at the token endpoint, not a user credential
        ip = self.limiter.client_ip(scope)
        try:
            if bearer is None and api_key is None and service is None:
                principal = ANONYMOUS
            else:
                # One credential is used: a bearer token, else an API key, else a service token.
                principal = self.auth.cached(bearer, api_key, service)
                if principal is None:
                    principal = await self.auth.authenticate(bearer, api_key, service)
        except AuthFailed as failed:
            self.auth_failures.labels(failed.credential, failed.reason).inc()
            extra = None
            if failed.error.status == 401:
                decision = await self.limiter.check_failed_credential(path, ip)
                if decision is not None:
                    if not decision.allowed:
                        return await self._too_many(scope, send, decision, rid)
                    extra = decision.headers
            await send_app_error(scope, send, failed.error, request_id=rid, extra_headers=extra)
            return failed.error.status
        receive, limited = await self.limiter.bucket_path(scope, receive, path)  # refresh grants: refresh bucket
        decision = await self.limiter.check(principal, limited, ip)
        if decision is not None and not decision.allowed:
            return await self._too_many(scope, send, decision, rid)
        state = scope.get("state")
        if state is None:
            state = scope["state"] = {}
        state["principal"] = principal
        return await proxy(
            scope,
            receive,
            send,
            upstream=upstream,
            principal_token=self.signer.token_for(principal),
            request_id=rid,
            retry_after=self.settings.retry_after_seconds,
            client_ip=ip,
            extra_headers=decision.headers if decision is not None else None,
            body_limit=body_limit,
        )

    async def _own_route(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The gateway's own pages (docs, OpenAPI): no authentication, the anonymous per-IP bucket."""
        decision = await self.limiter.check(ANONYMOUS, scope["path"], self.limiter.client_ip(scope))
        if decision is None:
            await self.inner(scope, receive, send)
            return
        if not decision.allowed:
            await self._too_many(scope, send, decision, request_id_from_scope(scope))
            return
        extra = decision.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.inner(scope, receive, send_with_headers)

    async def _too_many(self, scope: Scope, send: Send, decision: Decision, rid: str) -> int:
        error = TooManyRequests(
            detail_zh=f"请求过于频繁，请 {decision.retry_after} 秒后重试",
            detail_en=f"Too many requests; retry in {decision.retry_after} s",
            headers={"Retry-After": str(decision.retry_after)},
        )
        await send_app_error(scope, send, error, request_id=rid, extra_headers=decision.headers)
        return 429

    # ---- the gateway's own routes ---------------------------------------------------------
    def _build_inner(self) -> FastAPI:
        gw = self

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            for u in gw.upstreams.values():
                await u.start()
            await gw.auth.start()
            try:
                yield
            finally:
                await gw.auth.close()
                await gw.limiter.close()
                for u in gw.upstreams.values():
                    await u.close()

        app = FastAPI(
            title="Chanjiao gateway",
            version="1.0.0",
            lifespan=lifespan,
            docs_url=None,
            redoc_url=None,
            openapi_url=None,
            generate_unique_id_function=unique_id,
            openapi_tags=[{"name": "operations", "description": "健康检查 Health of the platform"}],
            # Its documented routes refuse unknown query keys as the services do (chanjiao/queries.py).
            dependencies=[STRICT_QUERY],
        )
        app.state.settings = self.settings
        install_error_handlers(app)
        app.add_middleware(BodyLimitMiddleware, limits=self.body_limits)
        app.add_middleware(RequestContextMiddleware, metrics=self.metrics)

        async def service_health(name: str) -> dict[str, Any]:
            u = gw.upstreams[name]
            assert u.client is not None
            try:
                r = await u.client.get("/health", timeout=2.0)
                body = r.json() if r.status_code in (200, 503) else {}
                return {"status": "ok" if r.status_code == 200 else "degraded", "database": body.get("database")}
            except (httpx.HTTPError, ValueError):
                return {"status": "unavailable"}

        async def all_health() -> dict[str, Any]:
            names = list(gw.upstreams)
            states = await asyncio.gather(*(service_health(n) for n in names))
            services = dict(zip(names, states, strict=True))
            ok = all(s["status"] == "ok" for s in services.values())
            return {"status": "ok" if ok else "degraded", "services": services}

        example = {"status": "ok", "services": {n: {"status": "ok", "database": "ok"} for n in self.upstreams}}

        @app.get(
            "/health",
            tags=["operations"],
            summary="平台健康 Platform health",
            description="网关运行期间始终返回 200，并逐个报告各服务的状态（`ok` 正常；`degraded` 表示该服务的数据库"
            "不可用；`unavailable` 表示服务无响应）。实时状态，不缓存（`Cache-Control: no-store`）。\n\n"
            "Always 200 while the gateway runs; reports each service (`ok`, `degraded` = its "
            "database is down, `unavailable`). Live status, never cached (`Cache-Control: no-store`).",
            responses={200: {"content": {"application/json": {"example": example}}}},
        )
        async def health() -> JSONResponse:
            return JSONResponse(await all_health(), headers=LIVE)

        @app.get(
            "/health/ready",
            tags=["operations"],
            summary="就绪检查 Readiness",
            description="所有服务都正常时返回 200，任一服务异常时返回 503（供负载均衡器探测）。实时状态，不缓存。\n\n"
            "200 when every service is healthy, 503 when any is not (for load balancers). Live status, never "
            "cached (`Cache-Control: no-store`).",
            responses={503: {"description": "A service is down"}},
        )
        async def ready() -> JSONResponse:
            body = await all_health()
            return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503, headers=LIVE)

        @app.get("/metrics", include_in_schema=False)
        async def metrics() -> Response:
            answer = gw.metrics.response()
            answer.headers.update(LIVE)
            return answer

        def gateway_doc() -> dict[str, Any]:
            from fastapi.openapi.utils import get_openapi

            doc = get_openapi(title=app.title, version=app.version, routes=app.routes, tags=app.openapi_tags)
            components = doc.setdefault("components", {})
            components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
            components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
            return pin_operation_ids(doc)

        @app.get("/openapi.json", include_in_schema=False)
        async def openapi(request: Request) -> JSONResponse:
            clients = {n: u.client for n, u in gw.upstreams.items() if u.client is not None}
            return JSONResponse(await gw.openapi_cache.get(clients, gateway_doc()))

        # /docs, /docs/oauth2-redirect, /redoc and their assets, all served from here (gateway/docs.py).
        install_docs(app)
        check_pinned(app.routes)

        return app


def create_app(settings: GatewaySettings | None = None) -> Gateway:
    return Gateway(settings or GatewaySettings())
