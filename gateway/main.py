"""The gateway: the only public port.

A raw ASGI entry point resolves the path against the routing table (data, `gateway/routing.py`);
upstream routes go straight to the proxy hot path, and only the gateway's own routes (health,
metrics, the merged OpenAPI document and its UIs, later the composed reports) reach FastAPI.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from prometheus_client import Counter, Histogram
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from chanjiao.app import PROBLEM_SCHEMA, unique_id
from chanjiao.auth import ANONYMOUS, InternalTokenSigner
from chanjiao.errors import install_error_handlers
from chanjiao.observability import Metrics, RequestContextMiddleware, request_id_from_scope, request_id_var
from chanjiao.settings import GatewaySettings
from gateway.openapi import OpenAPICache
from gateway.proxy import Upstream, proxy
from gateway.routing import RoutingTable


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
        self.openapi_cache = OpenAPICache()
        self.inner = self._build_inner()

    # ---- hot path --------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        target = self.table.resolve(scope["path"])
        upstream = self.upstreams.get(target) if target else None
        if upstream is None:
            await self.inner(scope, receive, send)
            return
        rid = request_id_from_scope(scope)
        token = request_id_var.set(rid)
        started = time.perf_counter()
        try:
            # The identity issue authenticates API keys / JWTs here; until then every caller is anonymous.
            status = await proxy(
                scope,
                receive,
                send,
                upstream=upstream,
                principal_token=self.signer.token_for(ANONYMOUS),
                request_id=rid,
                retry_after=self.settings.retry_after_seconds,
            )
        finally:
            request_id_var.reset(token)
        self.upstream_requests.labels(upstream.name, str(status)).inc()
        self.upstream_latency.labels(upstream.name).observe(time.perf_counter() - started)

    # ---- the gateway's own routes ---------------------------------------------------------
    def _build_inner(self) -> FastAPI:
        gw = self

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            for u in gw.upstreams.values():
                await u.start()
            try:
                yield
            finally:
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
        )
        app.state.settings = self.settings
        install_error_handlers(app)
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
            description="Always 200 while the gateway runs; reports each service (`ok`, `degraded` = its "
            "database is down, `unavailable`).",
            responses={200: {"content": {"application/json": {"example": example}}}},
        )
        async def health() -> JSONResponse:
            return JSONResponse(await all_health())

        @app.get(
            "/health/ready",
            tags=["operations"],
            summary="就绪检查 Readiness",
            description="200 when every service is healthy, 503 when any is not (for load balancers).",
            responses={503: {"description": "A service is down"}},
        )
        async def ready() -> JSONResponse:
            body = await all_health()
            return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)

        @app.get("/metrics", include_in_schema=False)
        async def metrics() -> Response:
            return gw.metrics.response()

        def gateway_doc() -> dict[str, Any]:
            from fastapi.openapi.utils import get_openapi

            doc = get_openapi(title=app.title, version=app.version, routes=app.routes, tags=app.openapi_tags)
            doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
            return doc

        @app.get("/openapi.json", include_in_schema=False)
        async def openapi(request: Request) -> JSONResponse:
            clients = {n: u.client for n, u in gw.upstreams.items() if u.client is not None}
            return JSONResponse(await gw.openapi_cache.get(clients, gateway_doc()))

        @app.get("/docs", include_in_schema=False)
        async def swagger() -> HTMLResponse:
            return get_swagger_ui_html(openapi_url="/openapi.json", title="Chanjiao 产教 API — Swagger UI")

        @app.get("/redoc", include_in_schema=False)
        async def redoc() -> HTMLResponse:
            return get_redoc_html(openapi_url="/openapi.json", title="Chanjiao 产教 API — ReDoc")

        return app


def create_app(settings: GatewaySettings | None = None) -> Gateway:
    return Gateway(settings or GatewaySettings())
