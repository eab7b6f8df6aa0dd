"""The one factory every service uses: lifespan-built engine, error envelope, middleware,
`/health`, `/metrics` and a stable OpenAPI document. Services pass their routers and tables."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, Response

from chanjiao.auth import InternalTokenMiddleware, InternalTokenVerifier, api_routes, document_access
from chanjiao.bodies import BodyLimitMiddleware, BodyLimits
from chanjiao.db import KernelTables, create_engine, make_sessionmaker, session_scope
from chanjiao.errors import install_error_handlers
from chanjiao.etag import PageRevalidationMiddleware
from chanjiao.observability import Metrics, RequestContextMiddleware
from chanjiao.openapi import document_nulls, document_path_parameters, document_problems, operations
from chanjiao.queries import STRICT_QUERY
from chanjiao.routes import typed_path_parameters
from chanjiao.settings import ServiceSettings

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. `title`/`detail`/`msg` are Chinese by default, English with "
    "`Accept-Language: en`. Rejected input values are never echoed.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "example": "urn:chanjiao:problem:validation-error"},
        "title": {"type": "string", "example": "输入校验未通过"},
        "status": {"type": "integer", "example": 422},
        "detail": {"type": "string", "example": "以下字段未通过校验：credit_code"},
        "instance": {"type": "string", "example": "/v1/organizations"},
        "request_id": {"type": "string", "nullable": True},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                        "example": ["body", "credit_code"],
                    },
                    "msg": {"type": "string", "example": "统一社会信用代码校验位错误"},
                    "type": {"type": "string", "example": "check_character"},
                },
            },
        },
    },
}


def unique_id(route: APIRoute) -> str:
    """FastAPI's internal route id: `<tag>_<function name>` (e.g. `organizations_create_organization`). The
    published operation ids are the pinned ones (`pin_operation_ids`); this is only the proposal for a new route."""
    tag = str(route.tags[0]) if route.tags else "default"
    return f"{tag.replace('-', '_')}_{route.name}"


# Operation ids are part of the API: generated clients name their methods after them. They are pinned per
# `METHOD /path` in chanjiao/operation_ids.json, so renaming a route's function renames nothing for clients.
OPERATION_IDS_FILE = Path(__file__).with_name("operation_ids.json")
OPERATION_IDS: dict[str, str] = json.loads(OPERATION_IDS_FILE.read_text(encoding="utf-8"))


class UnpinnedOperation(RuntimeError):
    """A documented route has no pinned operation id: add its line to chanjiao/operation_ids.json."""


def operation_key(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def check_pinned(routes: Any) -> None:
    """At build: every documented route (each method) has a pinned operation id, else `UnpinnedOperation`
    naming the line to add (with the id FastAPI would have generated, which a new route may keep)."""
    missing = []
    for route in api_routes(routes):
        if not getattr(route, "include_in_schema", False):
            continue
        path = getattr(route, "path_format", None) or getattr(route, "path", "")
        for method in sorted(getattr(route, "methods", ()) or ()):
            key = operation_key(method, path)
            if key not in OPERATION_IDS:
                missing.append(f'"{key}": "{unique_id(route)}"')
    if missing:
        raise UnpinnedOperation(f"routes without a pinned operation id — add to {OPERATION_IDS_FILE.name}: {missing}")


def pin_operation_ids(schema: dict[str, Any]) -> dict[str, Any]:
    """Write each operation's pinned id into the document (`UnpinnedOperation` for one without)."""
    for path, method, op in operations(schema):
        key = operation_key(method, path)
        if key not in OPERATION_IDS:
            raise UnpinnedOperation(f"{key} has no pinned operation id in {OPERATION_IDS_FILE.name}")
        op["operationId"] = OPERATION_IDS[key]
    return schema


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in session_scope(request.app.state.sessionmaker):
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    kernel: KernelTables,
    routers: Sequence[APIRouter] = (),
    openapi_tags: list[dict[str, Any]] | None = None,
    on_startup: Sequence[Any] = (),
    on_shutdown: Sequence[Any] = (),
) -> FastAPI:
    name = settings.service_name
    metrics = Metrics(name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(
            settings.database_url,
            schema=name,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            statement_timeout_ms=settings.db_statement_timeout_ms,
        )
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        try:
            for hook in on_startup:
                await hook(app)
            yield
        finally:
            try:
                for hook in on_shutdown:
                    await hook(app)
            finally:
                await engine.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        openapi_tags=[
            *(openapi_tags or []),
            {"name": "operations", "description": "健康检查与监控 Health and metrics"},
        ],
        generate_unique_id_function=unique_id,
        # Unknown query keys are a 400 naming them, before any other dependency (chanjiao/queries.py).
        dependencies=[STRICT_QUERY],
    )
    app.state.settings = settings
    app.state.kernel = kernel
    app.state.metrics = metrics
    app.state.idempotency_secret = hmac.new(
        settings.internal_token_key.get_secret_value().encode(), b"idempotency", hashlib.sha256
    ).digest()
    install_error_handlers(app)
    # Innermost: sees the route the router chose (a list page → content ETag, 304).
    app.add_middleware(PageRevalidationMiddleware)
    app.add_middleware(
        InternalTokenMiddleware, verifier=InternalTokenVerifier(settings.internal_token_key.get_secret_value())
    )
    # Body size limits by route, on the declared length and on the bytes as they arrive (413).
    app.add_middleware(BodyLimitMiddleware, limits=BodyLimits.from_settings(settings))
    app.add_middleware(RequestContextMiddleware, metrics=metrics)

    @app.get(
        "/health",
        tags=["operations"],
        summary="服务健康 Service health",
        description="服务及其数据库均可用时返回 200，数据库不可用时返回 503。实时状态，不缓存。\n\n"
        "200 when the service and its database answer; 503 when the database does not. Live status, never cached "
        "(`Cache-Control: no-store`).",
        responses={503: {"description": "Database unreachable"}},
    )
    async def health(request: Request) -> JSONResponse:
        db = "ok"
        try:
            async with asyncio.timeout(2):
                async with request.app.state.engine.connect() as conn:
                    await conn.execute(sa.text("select 1"))
        except Exception:  # noqa: BLE001 - any failure means "not healthy"; details stay in logs
            db = "unavailable"
        status = "ok" if db == "ok" else "degraded"
        return JSONResponse({"status": status, "service": name, "database": db}, status_code=200 if db == "ok" else 503)

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus 指标 Prometheus metrics",
        description="Prometheus 文本格式的运行指标，供监控系统抓取。实时状态，不缓存。\n\n"
        "Prometheus text exposition format, for the monitoring system to scrape. Live status, never cached "
        "(`Cache-Control: no-store`).",
        response_class=Response,
    )
    async def metrics_endpoint() -> Response:
        return metrics.response()

    for router in routers:
        app.include_router(router)
    typed_path_parameters(app)
    check_pinned(app.routes)

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes, tags=app.openapi_tags
        )
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        document_access(schema, app.routes)
        document_problems(schema)
        document_nulls(schema, app.routes)
        document_path_parameters(schema)
        pin_operation_ids(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = custom_openapi  # type: ignore[method-assign]
    return app
